/**
 * Exports that trace viewers open: the Chrome Trace Event Format (Perfetto, chrome://tracing) and
 * speedscope's file format. Viewers reject or misdraw a lane whose closes do not match its opens,
 * so every test checks that each lane is a balanced stack in time order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromeTrace, speedscope, type ChromeTrace, type SpeedscopeFile } from '../../src/analysis/index.js';
import { ServiceTrace, flushingService } from './service-trace.js';
import { assertChromeBalanced, assertSpeedscopeBalanced } from './viewers.js';

describe('chromeTrace: Chrome Trace Event Format for Perfetto and chrome://tracing', () => {
  it('one B and one E per frame, named after the function, with file:line; a request and the calls it awaits share a lane', () => {
    const trace = JSON.parse(JSON.stringify(chromeTrace(flushingService(), { name: 'service' }))) as ChromeTrace;
    const opened = assertChromeBalanced(trace);
    assert.deepEqual([...opened.keys()], [1], 'requests one after another reuse one lane');
    assert.deepEqual(opened.get(1)!.slice(0, 6), ['handle', 'get', 'handle', 'get', 'handle', 'get']);
    const flush = trace.traceEvents.find((e) => e.name === 'flush' && e.ph === 'B')!;
    assert.deepEqual([flush.args?.at, flush.cat, flush.pid], ['service.ts:9', 'function', 1]);
    const first = trace.traceEvents.filter((e) => e.ph === 'B').slice(0, 2);
    assert.deepEqual(first.map((e) => e.ts), [0, 0]);
    const firstEnd = trace.traceEvents.find((e) => e.ph === 'E' && e.name === 'handle')!;
    assert.equal(firstEnd.ts, 1000, 'µs: the first handle takes 1 ms');
    assert.ok(trace.traceEvents.some((e) => e.ph === 'M' && e.name === 'process_name' && e.args?.name === 'service'));
  });

  it('work that outlives its caller takes a lane of its own, so every lane stays a proper stack', () => {
    const trace = chromeTrace(new ServiceTrace().routed(4, 7).routed(1, 1).build());
    const opened = assertChromeBalanced(trace);
    assert.deepEqual(
      [...opened.values()].map((names) => names.join(' ')),
      ['route audit route audit', 'handle get handle get'],
      '`route` returns before `handle`, and `audit` after `handle`: each takes a free lane',
    );
  });

  it('a partial trace: frames the trace began inside open at its start, frames it ends inside close at its end', () => {
    const trace = chromeTrace(new ServiceTrace().tailOfHandle().idle(1).handle(2).idle(1).unfinishedHandle().build());
    const opened = assertChromeBalanced(trace);
    assert.deepEqual([...opened.values()].flat().sort(), ['get', 'get', 'handle', 'handle', 'handle']);
  });
});

describe('speedscope: evented profiles in speedscope file format', () => {
  it('one evented profile per lane over shared frames (one per function, with file, line and column)', () => {
    const file = JSON.parse(JSON.stringify(speedscope(new ServiceTrace().routed(4, 7).build()))) as SpeedscopeFile;
    assertSpeedscopeBalanced(file);
    assert.deepEqual(file.shared.frames.map((f) => f.name), ['route', 'handle', 'get', 'audit']);
    assert.deepEqual(file.shared.frames[1], { name: 'handle', file: 'service.ts', line: 1, col: 1 });
    assert.deepEqual(file.profiles.map((p) => [p.name, p.startValue, p.endValue, p.events.length]), [
      ['lane 1', 0, 11, 4],
      ['lane 2', 0, 11, 4],
    ]);
    assert.deepEqual(file.profiles[0]!.events.map((e) => `${e.type}${file.shared.frames[e.frame]!.name}@${e.at}`), ['Oroute@0', 'Croute@0', 'Oaudit@4', 'Caudit@11']);
    assert.deepEqual(file.profiles[1]!.events.map((e) => `${e.type}${file.shared.frames[e.frame]!.name}@${e.at}`), ['Ohandle@0', 'Oget@0', 'Cget@4', 'Chandle@4']);
  });
});
