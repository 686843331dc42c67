/**
 * yield* under instrumentation: the program does what it does without (the values, the order of
 * its steps against a chain of microtasks, what an iterator sees of the yield* that drives it:
 * the lookups of its methods, their arguments, its result objects handed on as they are), while
 * the recording shows each step of the delegation inside a run of the outer generator, at its
 * yield*, as V8's stacks do. Cases: a sync generator delegating to a generator, to nested
 * generators, to an array and a string, to iterators of its own (without `throw`, without
 * `return`, with a `done` getter, with proxied results, with results that are no objects), with
 * next(), return() and throw() called on the outer one while it delegates; an async generator
 * delegating to an async generator, to an async iterator, to an array and to a sync generator,
 * with return(), throw() and requests queued before the first settles; an async generator that
 * returns a value from inside a `for await` (it awaits the value, then the iterator's return()).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { instrument, probeRuntime } from '../../src/instrument/index.js';
import { decodeRecording, RingWriter, ringBytes } from '../../src/recorder/index.js';
import { backtraceAt } from '../../src/timetravel/index.js';
import { EventKind, ExecutionBuilder, SiteTable, type Execution } from '../../src/trace/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-delegation-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PROGRAM = `
const log = [];
const say = (x) => log.push(x);
function* letters() {
  const got = yield 'x';
  say('letters got ' + got);
  yield 'y';
  return 'letters done';
}
function* outer() {
  yield 'a';
  const r = yield* letters();
  say('outer got ' + r);
  return 'outer done';
}
function* guarded(tag) {
  try {
    yield tag + 1;
    yield tag + 2;
  } catch (e) {
    say(tag + ' caught ' + e.message);
    if (tag === 'y') yield tag + ' recovered';
    return tag + ' after catch';
  } finally {
    say(tag + ' finally');
    if (tag === 'f') yield tag + ' in finally';
  }
}
function* wrapper(tag) {
  try {
    const r = yield* guarded(tag);
    say('wrapper got ' + r);
    return r;
  } catch (e) {
    say('wrapper caught ' + e.message);
    return 'wrapper recovered';
  } finally {
    say('wrapper finally ' + tag);
  }
}
function* overArray(x) {
  try {
    const r = yield* x;
    say('array gave ' + r);
  } catch (e) {
    say('overArray caught ' + e.constructor.name);
  } finally {
    say('overArray finally');
  }
}
function* nested(depth) {
  if (depth === 0) { yield 'leaf'; return 'bottom'; }
  const r = yield* nested(depth - 1);
  return r + '<' + depth;
}
function* empty() { return 'nothing'; }
function* delegatesEmpty() { const r = yield* empty(); say('empty gave ' + r); yield* []; }
function spy(n, { noThrow = false, noReturn = false, doneGetter = false, proxied = false } = {}) {
  let i = 0;
  const it = {
    next(...args) {
      say('spy next(' + args.length + ':' + args[0] + ')');
      i++;
      const r = i > n ? { value: 'spy end', done: true } : { value: 'spy' + i, done: false };
      if (doneGetter) { const d = r.done; delete r.done; Object.defineProperty(r, 'done', { get() { say('spy done read'); return d; } }); }
      return proxied ? new Proxy(r, { get(t, k, rc) { say('spy result get ' + String(k)); return Reflect.get(t, k, rc); } }) : r;
    },
  };
  if (!noThrow) it.throw = function (...args) { say('spy throw(' + args.length + ')'); return { value: 'spy thrown', done: true }; };
  if (!noReturn) it.return = function (...args) { say('spy return(' + args.length + ':' + args[0] + ')'); return { value: args[0], done: true }; };
  const iterable = { [Symbol.iterator]() { say('spy open'); return it; } };
  return new Proxy(iterable, { get(t, k, rc) { say('spy get ' + String(k)); return Reflect.get(t, k, rc); } });
}
function* overSpy(opts, n = 2) {
  try {
    const r = yield* spy(n, opts);
    say('spy gave ' + r);
  } catch (e) { say('overSpy caught ' + e.constructor.name + ' ' + /throw/.test(e.message)); }
}
function* badNext() { try { yield* { [Symbol.iterator]() { return { next() { return 5; } }; } }; } catch (e) { say('badNext ' + e.constructor.name); } }
function* notIterable() { try { yield* 5; } catch (e) { say('notIterable ' + e.constructor.name); } }
function* badOpen() { try { yield* { [Symbol.iterator]() { return 1; } }; } catch (e) { say('badOpen ' + e.constructor.name); } }
const same = { value: 1, done: false };
function* handsOn() { yield* { [Symbol.iterator]() { return { next() { return same; } }; } }; }

function runSync() {
  const o = outer();
  say(JSON.stringify([o.next(), o.next('one'), o.next('two'), o.next('three'), o.next()]));
  for (const tag of ['r', 'f']) {
    const w = wrapper(tag);
    say(JSON.stringify([w.next(), w.return('early ' + tag), w.next(), w.next()]));
  }
  for (const tag of ['t', 'y']) {
    const w = wrapper(tag);
    say(JSON.stringify([w.next(), w.throw(new Error('boom ' + tag)), w.next(), w.next()]));
  }
  say(JSON.stringify([...overArray([1, 2, 3])]));
  say(JSON.stringify([...overArray('hé')]));
  let a = overArray([1, 2, 3]);
  say(JSON.stringify([a.next(), a.throw(new Error('into array')), a.next()]));
  a = overArray([1, 2, 3]);
  say(JSON.stringify([a.next(), a.return('stop'), a.next()]));
  say(JSON.stringify([...nested(3)]));
  const n = nested(2);
  n.next();
  say(JSON.stringify([n.next(), n.next()]));
  say(JSON.stringify([...delegatesEmpty()]));
  for (const opts of [{}, { doneGetter: true }, { proxied: true }]) say(JSON.stringify([...overSpy(opts)]));
  for (const opts of [{}, { noThrow: true }, { noThrow: true, noReturn: true }]) {
    const s = overSpy(opts);
    say(JSON.stringify([s.next(), s.throw(new Error('x')), s.next()]));
  }
  for (const opts of [{}, { noReturn: true }]) {
    const s = overSpy(opts);
    say(JSON.stringify([s.next(), s.return('r'), s.next()]));
  }
  say(JSON.stringify([...badNext(), ...notIterable(), ...badOpen()]));
  say(String(handsOn().next() === same));
}

async function* ticksOf(tag, n) {
  try {
    for (let i = 0; i < n; i++) { await null; say(tag + ' tick ' + i); yield tag + i; }
    return tag + ' done';
  } finally { say(tag + ' finally'); }
}
async function* aouter(tag, inner) {
  try {
    yield tag + ' first';
    const r = yield* inner;
    say(tag + ' got ' + r);
    return r;
  } catch (e) { say(tag + ' caught ' + (e && e.message)); return 'caught'; }
  finally { say(tag + ' outer finally'); }
}
function asyncSpy(n) {
  let i = 0;
  return {
    [Symbol.asyncIterator]() { say('aspy open'); return this; },
    next(...args) { say('aspy next(' + args.length + ')'); i++; return Promise.resolve(i > n ? { value: 'aspy end', done: true } : { value: i, done: false }); },
    return(...args) { say('aspy return(' + args.length + ')'); return Promise.resolve({ value: args[0], done: true }); },
  };
}
function* syncInner() { yield 'sync'; return 'sync done'; }
async function* firstOver(limit, inner) {
  for await (const v of inner) if (v > limit) return v * 10;
}
function microtasks(tag, n) {
  let p = Promise.resolve();
  for (let i = 0; i < n; i++) p = p.then(() => say(tag + ' µ' + i));
  return p;
}
async function drain(it, tag) {
  const out = [];
  for await (const v of it) out.push(v);
  say(tag + ' ' + JSON.stringify(out));
}
async function steps(g, calls) {
  const out = [];
  for (const call of calls) out.push(await call(g).catch((e) => 'rejected ' + e.message));
  say(JSON.stringify(out));
}
async function runAsync() {
  await Promise.all([drain(aouter('A', ticksOf('ia', 3)), 'A'), microtasks('A', 30)]);
  await Promise.all([drain(aouter('B', [1, Promise.resolve(2), 3]), 'B'), microtasks('B', 20)]);
  await Promise.all([drain(aouter('C', asyncSpy(2)), 'C'), microtasks('C', 20)]);
  await Promise.all([drain(aouter('D', syncInner()), 'D'), microtasks('D', 20)]);
  const next = (g) => g.next();
  await Promise.all([steps(aouter('E', ticksOf('ie', 5)), [next, next, (g) => g.return('stop'), next]), microtasks('E', 30)]);
  await Promise.all([steps(aouter('F', ticksOf('if', 5)), [next, next, (g) => g.throw(new Error('thrown F')), next]), microtasks('F', 30)]);
  const g = aouter('G', ticksOf('ig', 3));
  await Promise.all([Promise.all([g.next(), g.next(), g.next(), g.return('q'), g.next()]).then((r) => say(JSON.stringify(r))), microtasks('G', 30)]);
  await Promise.all([steps(aouter('H', asyncSpy(5)), [next, next, (g) => g.return('stop H')]), microtasks('H', 20)]);
  await Promise.all([steps(aouter('I', asyncSpy(5)), [next, next, (g) => g.throw(new Error('thrown I'))]), microtasks('I', 20)]);
  await Promise.all([drain(firstOver(2, asyncSpy(5)), 'J'), microtasks('J', 20)]);
  await Promise.all([drain(aouter('K', firstOver(1, asyncSpy(4))), 'K'), microtasks('K', 20)]);
}

export async function main() {
  runSync();
  await runAsync();
  return log;
}
`;

type Main = { main(): Promise<string[]> };
const load = async (name: string, code: string): Promise<Main> => {
  const file = path.join(dir, name);
  writeFileSync(file, code);
  return (await import(pathToFileURL(file).href)) as Main;
};

/** Dense: every statement reported, into a builder. */
async function dense(): Promise<{ ex: Execution; base: number; log: string[] }> {
  const runtime = probeRuntime();
  const base = runtime.sites.length;
  const mod = await load('dense.js', instrument(PROGRAM, path.join(dir, 'dense.js')).code);
  const b = new ExecutionBuilder(new SiteTable(runtime.sites), { ticksPerUnit: 1 });
  let clock = 0;
  runtime.reset({ event: (k, s, a) => void b.append(k, s, a, clock++) });
  try {
    return { log: await mod.main(), ex: b.build(), base };
  } finally {
    runtime.reset(undefined);
  }
}

/** Sparse, into a ring, decoded: the flight recorder's way. */
async function sparse(): Promise<{ ex: Execution; base: number; log: string[] }> {
  const file = path.join(dir, 'sparse.js');
  const out = instrument(PROGRAM, file, undefined, { sparse: true });
  const runtime = probeRuntime();
  const base = runtime.sites.length;
  const mod = await load('sparse.js', out.code);
  const buffer = new ArrayBuffer(ringBytes(4 * 1024 * 1024));
  runtime.record(new RingWriter(buffer, 1));
  try {
    const log = await mod.main();
    const ex = decodeRecording({ ring: new Uint8Array(buffer), modules: [{ url: file, base, sites: runtime.sites.slice(base, base + out.sites.length) }] });
    return { log, ex, base };
  } finally {
    runtime.reset(undefined);
  }
}

const lines = PROGRAM.split('\n');

describe('yield* under instrumentation', () => {
  let plain: string[];
  let d: Awaited<ReturnType<typeof dense>>;
  let s: Awaited<ReturnType<typeof sparse>>;
  before(async () => {
    plain = await (await load('plain.js', PROGRAM)).main();
    d = await dense();
    s = await sparse();
  });

  it('the program does the same, step for step: values, order against microtasks, what the iterators see', () => {
    assert.ok(plain.length > 300, `the program logged its steps (${plain.length})`);
    assert.ok(plain.includes('spy return(0:undefined)'), 'yield* closed the iterator without throw() (no argument)');
    assert.ok(plain.includes('true'), 'a step result is handed on as it is');
    assert.deepEqual(d.log, plain, 'dense');
    assert.deepEqual(s.log, plain, 'sparse');
  });

  it('the sparse recording decodes to the dense events, frame for frame', () => {
    const events = (ex: Execution, base: number) => Array.from({ length: ex.length }, (_, i) => `${ex.event(i).kindName} ${ex.event(i).site - base}`);
    assert.deepEqual(events(s.ex, s.base), events(d.ex, d.base));
    for (let i = 0; i < d.ex.length; i++) assert.equal(s.ex.event(i).frame, d.ex.event(i).frame, `the frame of event ${i}`);
  });

  it('inside a generator delegated to, the next frame of the stack is the outer generator at its yield*', () => {
    const ex = d.ex;
    const nameOf = (f: number): string => ex.sites.get(ex.frameSite(f))?.functionName ?? '?';
    const outers: Record<string, string> = { letters: 'outer', guarded: 'wrapper', nested: 'nested', empty: 'delegatesEmpty', ticksOf: 'aouter', syncInner: 'aouter' };
    const seen = new Map<string, number>();
    for (let i = 0; i < ex.length; i++) {
      const bt = backtraceAt(ex, i);
      const inner = nameOf(bt[0]!.frame);
      const outer = outers[inner];
      // not the generator's call, made by whoever calls it; the outermost of the nested ones is not delegated to
      if (outer === undefined || ex.kinds[ex.frameEnter(bt[0]!.frame)] === EventKind.Enter || (inner === 'nested' && bt[1] && nameOf(bt[1].frame) !== 'nested')) continue;
      // an async generator's return() awaits before it runs the generator: that run has no caller
      if (bt.length === 1) continue;
      assert.equal(nameOf(bt[1]!.frame), outer, `event ${i} of ${inner}: under ${outer}`);
      const at = ex.siteOf(bt[1]!.index)!;
      assert.match(lines[at.line - 1]!, /yield\*/, `event ${i} of ${inner}: ${outer} stands at its yield*`);
      seen.set(inner, (seen.get(inner) ?? 0) + 1);
    }
    assert.deepEqual([...seen.keys()].sort(), Object.keys(outers).sort(), 'each delegation ran traced code under the outer generator');
  });

  it('what runs while an async generator awaits the value it returns is not inside it, nor in whoever called next()', () => {
    const ex = d.ex;
    const tick = lines.findIndex((l) => l.includes('p = p.then(')) + 1;
    let callbacks = 0;
    for (let f = 0; f < ex.frameCount; f++) {
      if (ex.sites.get(ex.frameSite(f))?.line !== tick || ex.kinds[ex.frameEnter(f)] !== EventKind.Enter) continue;
      callbacks++;
      assert.equal(ex.frameParent(f), -1, `a microtask of the chain is run by the event loop (frame ${f})`);
    }
    assert.equal(callbacks, 4 * 30 + 7 * 20, 'the chains of microtasks, all of them');
  });

  it('each generator activation suspends and resumes in turn, between its call and its end', () => {
    for (const ex of [d.ex, s.ex]) {
      const state = new Map<number, { fn: number; running: boolean }>();
      for (let i = 0; i < ex.length; i++) {
        const { activation: a, site, kindName } = ex.event(i);
        const g = state.get(a);
        if (ex.kinds[i] === EventKind.Enter && ex.sites.get(site)?.generator === true && !g) state.set(a, { fn: site, running: true });
        if (!g) continue;
        if (ex.kinds[i] === EventKind.Suspend || ex.kinds[i] === EventKind.Resume) {
          assert.equal(g.running, ex.kinds[i] === EventKind.Suspend, `event ${i}: a ${kindName} of ${ex.siteOf(i)?.functionName} while it ${g.running ? 'runs' : 'is suspended'}`);
          g.running = !g.running;
        } else if ((ex.kinds[i] === EventKind.Exit || ex.kinds[i] === EventKind.Throw) && site === g.fn) {
          assert.ok(g.running, `event ${i}: ${ex.siteOf(i)?.functionName} ends running`);
          state.delete(a);
        }
      }
      assert.ok(state.size > 0, 'some generators were left suspended (never finished)');
    }
  });
});
