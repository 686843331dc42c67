/**
 * Continuations: a function written as the callback of `.then`, `.catch` or `.finally`, or given to
 * `queueMicrotask`, `process.nextTick` or `setImmediate`, runs later on behalf of the code that
 * wrote it. The recorder notes which activation it continues, and the latency analysis counts it
 * as part of that request: a handler that goes on in `.then` callbacks is one request, from its
 * entry to the end of its last continuation, not a request of a few microseconds and one more per
 * callback.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requests, type Request } from '../../src/analysis/index.js';
import { RequestLanes } from '../../src/debugger/lanes.js';
import { backtraceAt } from '../../src/timetravel/index.js';
import { instrument } from '../../src/instrument/index.js';
import type { Execution } from '../../src/trace/index.js';
import { recordAndDecode } from './oracle-helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-continuations-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Each route answers 20 ms or more after its handler returned (or awaited), in continuations of each kind. */
const SERVICE = `import http from 'node:http';
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function price(id) {
  return { id, cents: id * 100 };
}
function chained(res) {
  wait(20)
    .then(() => price(7))
    .then((item) => {
      res.end(JSON.stringify(item));
    });
}
function deferred(res) {
  queueMicrotask(() => {
    process.nextTick(() => {
      setImmediate(() => wait(20).then(() => res.end('late')));
    });
  });
}
function failing(res) {
  wait(20)
    .then(() => {
      throw new Error('no stock');
    })
    .catch((e) => res.end(e.message));
}
function named(res) {
  wait(20)
    .then(String)
    .then(undefined, report)
    .then(answer.bind(null, res));
}
function report(e) {
  return e.message;
}
function answer(res, body) {
  res.end(body);
}
async function awaited(res) {
  const body = await wait(20).then(async () => {
    await wait(1);
    return 'ok';
  });
  res.end(body);
}
function handle(req, res) {
  if (req.url === '/chained') chained(res);
  else if (req.url === '/deferred') deferred(res);
  else if (req.url === '/failing') failing(res);
  else if (req.url === '/named') named(res);
  else awaited(res);
}
const server = http.createServer(handle);
server.listen(0, async function client() {
  const base = 'http://127.0.0.1:' + server.address().port;
  for (let i = 0; i < 3; i++) for (const route of ['/chained', '/deferred', '/failing', '/named', '/awaited']) await (await fetch(base + route)).text();
  server.close();
});
`;

describe('continuations: instrumented', () => {
  const code = (source: string) => instrument(source, path.join(dir, 'shape.mjs'), undefined, { sparse: true, modules: true }).code;

  it("a callback written in .then, .catch, .finally, queueMicrotask, process.nextTick or setImmediate is told the activation of the function around it; others are not", () => {
    const out = code(`export function f(p, xs) {
  p.then((v) => v).catch(function (e) { return e; }).finally(() => 0);
  queueMicrotask(() => 1);
  process.nextTick(() => 2);
  setImmediate(async () => 3);
  xs.map((x) => x);
  setTimeout(() => 4, 10);
  p.then(named, undefined).catch(obj.method).finally(null);
  setTimeout(named);
}
function named() {}
`);
    assert.match(out, /const __hs_a = __hs\w+_en\(\d+\);const __hs_o1 = __hs_a;/, 'f holds its activation for its continuations');
    assert.equal(out.match(/_enc\(\d+, __hs_o1\)/g)?.length, 5, 'then, catch, finally, queueMicrotask, nextTick');
    assert.equal(out.match(/_eac\(\d+, __hs_o1\)/g)?.length, 1, 'an async continuation (setImmediate)');
    assert.equal(out.match(/_en\(/g)?.length, 5, 'the module, f, named, the map callback and the timer callback enter as before');
    assert.deepEqual(out.match(/_cf\([^)]*\)/g), ['_cf(named, __hs_a)', '_cf(obj.method, __hs_a)'], 'a function given by name is handed over with the activation giving it; undefined, null and a timer are not');
  });

  it('a continuation inside a continuation is told its own host, by depth; one at the top level the module body; none in a generator or a parameter\'s default', () => {
    const out = code(`p.then(() => {
  q.then(() => 1);
});
export function* g(p) {
  yield p.then(() => 2);
}
export function d(p, q = p.then(() => 3).then(named)) {
  return q;
}
`);
    assert.match(out, /_enc\(\d+, __hs_o0\);const __hs_o1 = __hs_a;/, "the module's continuation is told the module's activation, and hosts one of its own");
    assert.match(out, /_enc\(\d+, __hs_o1\)/);
    assert.equal(out.match(/const __hs_o0 = __hs_a;/g)?.length, 1, 'the module body declares its host once');
    assert.equal(out.match(/_enc\(/g)?.length, 2, "the generator's callback is not told a host: a generator's activation is its state's; nor one in a parameter's default, which runs before the body's locals exist");
    assert.doesNotMatch(out, /_cf\(/);
  });
});

describe('continuations: a recorded service whose handlers go on in .then callbacks, microtasks, ticks and immediates', () => {
  let ex: Execution;
  let all: Request[];
  const byEntry = (entry: string) => all.filter((r) => r.entry === entry);
  before(() => {
    writeFileSync(path.join(dir, 'service.mjs'), SERVICE);
    ex = recordAndDecode('service.mjs', path.join(dir, 'store.db'), dir, [path.join(dir, '*.mjs')]);
    all = requests(ex);
  });

  it('each route is one request per call, from the handler to its last continuation: 20 ms and more, not the handler alone', () => {
    assert.deepEqual(
      [...new Set(all.map((r) => r.entry))].sort(),
      ['awaited', 'client', 'handle'],
      'no continuation is an entry point of its own, written there or given by name',
    );
    assert.equal(byEntry('handle').length, 12);
    assert.equal(byEntry('awaited').length, 3);
    for (const r of [...byEntry('handle'), ...byEntry('awaited')]) {
      assert.ok(r.complete);
      assert.ok(r.duration >= 19, `${r.entry} at ${r.start.toFixed(1)} ms took ${r.duration.toFixed(2)} ms`);
    }
  });

  it('the continuations each request holds are those its code wrote, and theirs in turn; it ends where the last of them ends', () => {
    // chained: two .then; deferred: a microtask, a tick, an immediate, its .then; failing: .then and .catch; named: answer (String is not traced, report not called)
    assert.deepEqual(byEntry('handle').map((r) => r.continuations.length), [2, 4, 2, 1, 2, 4, 2, 1, 2, 4, 2, 1]);
    const answer = byEntry('handle')[3]!.continuations[0]!;
    assert.equal(ex.sites.get(ex.frameSite(answer))?.functionName, 'answer', 'a function given by name (bound) continues the request that gave it');
    assert.deepEqual(byEntry('awaited').map((r) => r.continuations.length), [1, 1, 1]);
    for (const r of [...byEntry('handle'), ...byEntry('awaited')]) {
      for (const c of r.continuations) {
        assert.equal(ex.frameParent(c), -1, 'called by the event loop');
        assert.notEqual(ex.continues(ex.frameActivation(c)), -1, 'the recording says whose it continues');
        assert.ok(ex.frameExit(c) <= r.endIndex, 'the request ends after it');
      }
    }
  });

  it('a backtrace in a continuation goes on into the activation that gave it, as an async stack trace does', () => {
    for (const r of byEntry('handle')) {
      for (const c of r.continuations) {
        const bt = backtraceAt(ex, ex.frameEnter(c));
        const outermost = bt.at(-1)!;
        assert.equal(outermost.site?.functionName, 'handle', 'the chain of givers ends at the request');
        assert.equal(outermost.continued, true);
        assert.equal(bt[0]!.continued, undefined, 'the continuation itself is not marked');
      }
    }
    // deferred: a microtask gave a tick, which gave an immediate: each boundary marked
    const deferredLast = byEntry('handle')[1]!.continuations.at(-1)!;
    assert.ok(backtraceAt(ex, ex.frameEnter(deferredLast)).filter((f) => f.continued).length >= 3);
  });

  it("the debugger shows each continuation in its request's lane", () => {
    const lanes = new RequestLanes(ex);
    for (const r of byEntry('handle')) {
      const lane = lanes.threadOf(ex.frameEnter(r.frame));
      assert.ok(r.continuations.length > 0);
      for (const c of r.continuations) assert.equal(lanes.threadOf(ex.frameEnter(c)), lane);
    }
  });
});
