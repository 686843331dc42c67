/**
 * The flight recorder's sparse instrumentation against the dense one: the same program, run once
 * with every statement reported (as replay does) and once sparse into a ring and decoded, gives
 * the same events, statement for statement, whatever its control flow does (branches, loops,
 * switch fall-through, early returns, labeled jumps, awaits, generators, yield* and `for await`, and exceptions thrown by statements
 * that report nothing themselves, caught in the same function or further up).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { instrument, probeRuntime } from '../../src/instrument/index.js';
import { decodeRecording, RingWriter, ringBytes } from '../../src/recorder/index.js';
import { ExecutionBuilder, SiteTable, type EventKind, type Execution } from '../../src/trace/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-sparse-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PROGRAM = `
export class Cart {
  constructor() { this.items = []; }
  get size() { return this.items.length; }
  add(sku, qty) {
    const line = { sku, qty };
    let n = qty;
    if (n > 10) { n = 10; line.qty = n; }
    this.items.push(line);
    return n;
  }
}
function classify(x) {
  const y = x * 2;
  let out = 'none';
  switch (y % 6) {
    case 0: out = 'zero';
    case 2: out = out + '!'; break;
    default: { const z = y; out = z > 4 ? 'big' : 'small'; }
  }
  if (!out) throw new Error('never');
  return out;
}
function risky(o) {
  const a = o.inner;
  const b = a.value;
  return b + 1;
}
function safe(o) {
  let r = 0;
  try {
    r = 1;
    const v = o.inner.value;
    r = v;
  } catch (e) {
    r = -1;
  } finally {
    r = r * 2;
  }
  return r;
}
function loops(n) {
  let s = 0;
  outer: for (let i = 0; i < n; i++) {
    let j = 0;
    while (j < i) {
      j++;
      if (j === 3) continue outer;
      s += j;
    }
    do { s--; } while (s > 100);
    for (const k of [1, 2]) s += k;
    for (const key in { a: 1 }) s += key.length;
    if (s > 50) break;
  }
  return s;
}
async function later(x) {
  const y = x + 1;
  await null;
  const z = y * 2;
  if (z > 4) return z;
  return -z;
}
function* counter(n) {
  let i = 0;
  try {
    while (i < n) {
      const got = yield i;
      i = got === undefined ? i + 1 : got;
      let spare = i;
    }
  } finally {
    let done = true;
  }
  return i;
}
async function* slow(n) {
  let i = 0;
  while (i < n) {
    const v = i * 2;
    await null;
    yield v;
    i++;
  }
}
function* relay(n) {
  let before = n;
  const r = yield* counter(n);
  let after = r;
  yield* [after, before];
  return after;
}
async function* firstOf(limit) {
  for await (const v of slow(6)) {
    let seen = v;
    if (seen > limit) return seen;
  }
}
async function* arelay(n) {
  let k = n;
  const r = yield* slow(n);
  yield* [k, r];
}
function gens() {
  let s = 0;
  for (const x of relay(2)) s += x;
  const q = relay(5);
  q.next();
  q.next();
  q.return(0);
  const t = relay(4);
  t.next();
  try { t.throw(new Error('y')); } catch (e) { s += 2; }
  for (const x of counter(3)) s += x;
  const g = counter(10);
  g.next();
  g.next(5);
  g.return(1);
  s += [...counter(2)].length;
  const h = counter(4);
  h.next();
  try { h.throw(new Error('x')); } catch (e) { s += 1; }
  counter(1);
  return s;
}
async function firstBig() {
  for await (const v of slow(6)) {
    const big = v > 4;
    if (big) return v;
  }
  return -1;
}
async function agens() {
  let s = 0;
  for await (const v of slow(3)) { let w = v; s += w; }
  for await (const v of [1, Promise.resolve(2)]) s += v;
  for await (const v of slow(5)) { if (v > 2) break; s += v; }
  for await (const v of arelay(2)) { let w = v; s += w ?? 1; }
  for await (const v of arelay(4)) { if (v > 0) break; }
  for await (const v of firstOf(3)) s += v;
  s += await firstBig();
  return s;
}
function twice(x) { return x * 2; }
async function bumpLater(x) { await null; return x + 1; }
function calling(cart) {
  twice(1);
  const k = 2;
  let u = k + 1;
  u += twice(u);
  if (u > 0) {
    const size = cart.size;
    u += twice(size);
  }
  const g = counter(3);
  if (u > 0) {
    [1, 2].forEach((x) => { u += twice(x); });
    u++;
  }
  if (u > 1) { g.next(); }
  while (u > 2) {
    const later = bumpLater(u);
    if (later) u = 0;
  }
  try {
    JSON.parse('{');
  } catch (e) {
    u--;
  }
  if (u < 0) {
    new Cart();
    u = -u;
  }
  let n = 0;
  while (n < 10) {
    n++;
    if (n === 3) break;
  }
  u += n;
  for (let j = 0; j < 3; j++) {
    switch (j) {
      case 1: break;
      default: u++;
    }
  }
  u += 2;
  if (u > 1000) return 0;
  u--;
  return bumpLater(u);
}
export async function main() {
  const c = new Cart();
  let t = 0;
  for (let i = 0; i < 14; i += 3) t += c.add('s' + i, i);
  t += c.size;
  const kinds = [0, 1, 2, 3].map((x) => classify(x));
  t += kinds.length;
  try { risky({}); } catch (e) { t += 100; }
  t += risky({ inner: { value: 2 } });
  t += safe({}) + safe({ inner: { value: 5 } });
  t += loops(8);
  t += (await later(1)) + (await later(5));
  t += gens() + (await agens());
  t += await calling(c);
  const f = t > 3 && t < 1000 ? t : 0;
  return f;
}
`;

async function dense(): Promise<{ ex: Execution; base: number; value: unknown }> {
  const file = path.join(dir, 'dense.js');
  writeFileSync(file, instrument(PROGRAM, file).code);
  const runtime = probeRuntime();
  const base = runtime.sites.length;
  const mod = (await import(pathToFileURL(file).href)) as { main(): Promise<number> };
  const b = new ExecutionBuilder(new SiteTable(runtime.sites), { ticksPerUnit: 1 });
  let clock = 0;
  runtime.reset({ event: (k, s, a) => void b.append(k, s, a, clock++) });
  try {
    return { value: await mod.main(), ex: b.build(), base };
  } finally {
    runtime.reset(undefined);
  }
}

async function sparse(): Promise<{ ex: Execution; base: number; value: unknown; written: number }> {
  const file = path.join(dir, 'sparse.js');
  const out = instrument(PROGRAM, file, undefined, { sparse: true });
  writeFileSync(file, out.code);
  const runtime = probeRuntime();
  const base = runtime.sites.length;
  const mod = (await import(pathToFileURL(file).href)) as { main(): Promise<number> };
  const buffer = new ArrayBuffer(ringBytes(1024 * 1024));
  const ring = new RingWriter(buffer, 1);
  runtime.record(ring);
  try {
    const value = await mod.main();
    const ex = decodeRecording({ ring: new Uint8Array(buffer), modules: [{ url: file, base, sites: runtime.sites.slice(base, base + out.sites.length) }] });
    return { value, ex, base, written: ring.written };
  } finally {
    runtime.reset(undefined);
  }
}

/** `kind site` per event, sites module-local (both variants number them alike). */
const events = (ex: Execution, base: number) => Array.from({ length: ex.length }, (_, i) => `${ex.event(i).kindName} ${ex.event(i).site - base}`);

describe('sparse instrumentation (the flight recorder) decodes to the events of the dense one', () => {
  it('statement for statement, with the same call tree, through branches, loops, switch, jumps, awaits, generators, yield*, for await and exceptions', async () => {
    const d = await dense();
    const s = await sparse();
    assert.equal(s.value, d.value, 'the program computes the same');
    assert.deepEqual(events(s.ex, s.base), events(d.ex, d.base));
    for (let i = 0; i < d.ex.length; i++) assert.equal(s.ex.event(i).frame, d.ex.event(i).frame, `the frame of event ${i}`);
    assert.ok(s.written < d.ex.length * 0.9, `fewer events recorded than decoded (${s.written} of ${d.ex.length})`);
  });
});

/**
 * A module whose top-level code does the same kinds of things: quiet statements, destructuring,
 * exports, a loop with a top-level await, a switch, a try/catch, a labeled jump, a class whose
 * definition calls a function, and last an error
 * thrown by a quiet statement, which leaves the module's body.
 */
const MODULE_BODY = `
let seen = 0;
const { a, b: [c, ...rest] } = { a: 1, b: [2, 3, 4] };
export const total = a + c + rest.length;
function bump(n) { seen += n; return seen; }
for (let i = 0; i < 3; i++) {
  const step = i * 2;
  await null;
  if (step > 1) bump(step);
}
switch (seen % 3) {
  case 0: seen++;
  case 1: { const extra = 2; seen += extra; break; }
  default: seen = 0;
}
try {
  const probe = undefined;
  seen += probe.value;
} catch (e) {
  seen = -seen;
}
done: { if (seen < 0) break done; seen = 0; }
class Base {}
export class Kid extends Base { static made = bump(1); }
export default seen;
const config = {};
const port = config.server.port;
`;

/** CommonJS: its body runs in Node's wrapper function, and may end with a `return` at its top level. */
const COMMONJS_BODY = `'use strict';
let n = 0;
const { join } = require('node:path');
function twice(x) { return x * 2; }
for (const part of ['a', 'b']) {
  const joined = join(part, 'c');
  n += twice(joined.length);
}
try {
  const none = null;
  n += none.size;
} catch (e) {
  n = -n;
}
exports.n = n;
if (n < 0) return;
exports.never = true;
`;

/** Requires the CommonJS body, recording it (dense or sparse, as moduleRun). */
function commonJsRun(variant: 'dense' | 'sparse'): { ex: Execution; base: number; exports: unknown } {
  const file = path.join(dir, `commonjs-${variant}.cjs`);
  const out = instrument(COMMONJS_BODY, file, undefined, { modules: true, sourceType: 'script', ...(variant === 'sparse' ? { sparse: true } : {}) });
  writeFileSync(file, out.code);
  const runtime = probeRuntime();
  const base = runtime.sites.length;
  const require = createRequire(import.meta.url);
  try {
    if (variant === 'dense') {
      const seen: [number, number, number][] = [];
      runtime.reset({ event: (k, s, a) => void seen.push([k, s, a]) });
      const exports = require(file) as unknown;
      const b = new ExecutionBuilder(new SiteTable(runtime.sites), { ticksPerUnit: 1 });
      seen.forEach(([k, s, a], clock) => b.append(k as EventKind, s, a, clock));
      return { ex: b.build(), base, exports };
    }
    const buffer = new ArrayBuffer(ringBytes(1024 * 1024));
    runtime.record(new RingWriter(buffer, 1));
    const exports = require(file) as unknown;
    const ex = decodeRecording({ ring: new Uint8Array(buffer), modules: [{ url: file, base, sites: runtime.sites.slice(base, base + out.sites.length) }] });
    return { ex, base, exports };
  } finally {
    runtime.reset(undefined);
  }
}

/** Runs the module body from its import, recording (dense: every statement reported; sparse: into a ring), until its error leaves it. */
async function moduleRun(variant: 'dense' | 'sparse'): Promise<{ ex: Execution; base: number; error: unknown }> {
  const file = path.join(dir, `module-${variant}.js`);
  const out = instrument(MODULE_BODY, file, undefined, { modules: true, ...(variant === 'sparse' ? { sparse: true } : {}) });
  writeFileSync(file, out.code);
  const runtime = probeRuntime();
  const base = runtime.sites.length;
  const importIt = (): Promise<unknown> => import(pathToFileURL(file).href).then(() => undefined, (err: unknown) => err);
  try {
    if (variant === 'dense') {
      // the module's sites are registered as it loads: the events are built once it has
      const seen: [number, number, number][] = [];
      runtime.reset({ event: (k, s, a) => void seen.push([k, s, a]) });
      const error = await importIt();
      const b = new ExecutionBuilder(new SiteTable(runtime.sites), { ticksPerUnit: 1 });
      seen.forEach(([k, s, a], clock) => b.append(k as EventKind, s, a, clock));
      return { ex: b.build(), base, error };
    }
    const buffer = new ArrayBuffer(ringBytes(1024 * 1024));
    runtime.record(new RingWriter(buffer, 1));
    const error = await importIt();
    const ex = decodeRecording({ ring: new Uint8Array(buffer), modules: [{ url: file, base, sites: runtime.sites.slice(base, base + out.sites.length) }] });
    return { ex, base, error };
  } finally {
    runtime.reset(undefined);
  }
}

describe('sparse instrumentation of module bodies decodes to the dense events', () => {
  it('statement for statement, through top-level awaits, branches, jumps, a caught error and the error that leaves the module', async () => {
    const d = await moduleRun('dense');
    const s = await moduleRun('sparse');
    assert.match(String(d.error), /TypeError: Cannot read properties of undefined \(reading 'port'\)/);
    assert.equal(String(s.error), String(d.error), 'the module fails the same way');
    assert.deepEqual(events(s.ex, s.base), events(d.ex, d.base));
    for (let i = 0; i < d.ex.length; i++) assert.equal(s.ex.event(i).frame, d.ex.event(i).frame, `the frame of event ${i}`);
    const last = d.ex.length - 1;
    assert.equal(d.ex.event(last).kindName, 'throw', 'the error left the module body: its Throw');
    assert.equal(d.ex.siteOf(last)?.functionName, '<module module-dense.js>');
    assert.equal(d.ex.siteOf(last - 1)?.line, 27, 'after the statement that threw');
  });

  it('CommonJS: through a loop that calls, a caught error and a return at the top level', () => {
    const d = commonJsRun('dense');
    const s = commonJsRun('sparse');
    assert.deepEqual(s.exports, { n: -12 });
    assert.deepEqual(d.exports, s.exports);
    assert.deepEqual(events(s.ex, s.base), events(d.ex, d.base));
    for (let i = 0; i < d.ex.length; i++) assert.equal(s.ex.event(i).frame, d.ex.event(i).frame, `the frame of event ${i}`);
    const last = d.ex.length - 1;
    assert.deepEqual([d.ex.event(last).kindName, d.ex.siteOf(last)?.functionName, d.ex.siteOf(last - 1)?.line], ['exit', '<module commonjs-dense.cjs>', 16], 'the return ended the module body');
  });
});

/**
 * A loop in an async function whose frame outlives the ring's 1024 slots: once the ring has
 * wrapped, its entry is gone, and its statements are still put back.
 */
const LONG_RUN = `
function inner(x) {
  const y = x * 2;
  if (y > 5) return y - 1;
  return y + 1;
}
async function step(i) {
  const a = i + 1;
  await null;
  const b = inner(a);
  return a + b;
}
export async function main(n) {
  let t = 0;
  for (let i = 0; i < n; i++) {
    const u = i % 3;
    t += await step(u);
    t += inner(i);
  }
  const done = t;
  if (done < 0) throw new Error('never');
  return done;
}
`;

/** LONG_RUN's main(300) recorded sparse into a ring of `bytes`, decoded. */
async function longRun(bytes: number, name: string): Promise<{ ex: Execution; base: number; wrapped: boolean }> {
  const file = path.join(dir, `${name}.js`);
  const out = instrument(LONG_RUN, file, undefined, { sparse: true });
  writeFileSync(file, out.code);
  const runtime = probeRuntime();
  const base = runtime.sites.length;
  const mod = (await import(pathToFileURL(file).href)) as { main(n: number): Promise<number> };
  const buffer = new ArrayBuffer(ringBytes(bytes));
  const ring = new RingWriter(buffer, 1);
  runtime.record(ring);
  try {
    await mod.main(300);
    const ex = decodeRecording({ ring: new Uint8Array(buffer), modules: [{ url: file, base, sites: runtime.sites.slice(base, base + out.sites.length) }] });
    return { ex, base, wrapped: ring.written > new Uint32Array(buffer).length };
  } finally {
    runtime.reset(undefined);
  }
}

describe('a ring that wrapped, its oldest frames entered before its first event', () => {
  it("decodes to the whole trace's last events, the quiet statements of those frames put back", async () => {
    const whole = await longRun(1024 * 1024, 'long-whole');
    const wrapped = await longRun(4096, 'long-wrapped');
    assert.ok(wrapped.wrapped && !whole.wrapped, 'the small ring wrapped, the large one did not');
    // the start of the wrapped trace may miss what came before its first event in each frame
    const tail = Math.floor(wrapped.ex.length / 2);
    assert.deepEqual(events(wrapped.ex, wrapped.base).slice(-tail), events(whole.ex, whole.base).slice(-tail));
    const last = wrapped.ex.length - 1;
    assert.equal(wrapped.ex.siteOf(last - 1)?.line, 22, 'main ends on its last statement, which was quiet');
    assert.equal(wrapped.ex.frameSynthetic(wrapped.ex.frame(last)), true, "main's entry is not in the wrapped trace");
  });
});
