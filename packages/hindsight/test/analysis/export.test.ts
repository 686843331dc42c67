/**
 * Exports that trace viewers open: the Chrome Trace Event Format (Perfetto, chrome://tracing) and
 * speedscope's file format. Viewers reject or misdraw a lane whose closes do not match its opens,
 * so every test checks that each lane is a balanced stack in time order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromeTrace, speedscope, type ChromeTrace, type SpeedscopeFile } from '../../src/analysis/index.js';
import { ServiceTrace, flushingService } from './service-trace.js';

/** Per thread, B/E events in file order form a stack whose every E closes the last open B of the same name; ts never goes back. */
export function assertChromeBalanced(trace: ChromeTrace): Map<number, string[]> {
  const stacks = new Map<number, string[]>();
  const opened = new Map<number, string[]>();
  let ts = -Infinity;
  for (const e of trace.traceEvents) {
    if (e.ph === 'M') continue;
    assert.ok(e.ts! >= ts, 'events are in time order');
    ts = e.ts!;
    const stack = stacks.get(e.tid) ?? [];
    stacks.set(e.tid, stack);
    if (e.ph === 'B') {
      stack.push(e.name);
      opened.set(e.tid, [...(opened.get(e.tid) ?? []), e.name]);
    } else assert.equal(stack.pop(), e.name, `an E on tid ${e.tid} closes the last B opened there`);
  }
  for (const [tid, stack] of stacks) assert.deepEqual(stack, [], `every B on tid ${tid} has its E`);
  return opened;
}

/** Per profile, O/C events close in LIFO order, within [startValue, endValue], `at` never going back. */
export function assertSpeedscopeBalanced(file: SpeedscopeFile): void {
  assert.equal(file.$schema, 'https://www.speedscope.app/file-format-schema.json');
  for (const p of file.profiles) {
    assert.equal(p.type, 'evented');
    assert.equal(p.unit, 'milliseconds');
    const stack: number[] = [];
    let at = p.startValue;
    for (const e of p.events) {
      assert.ok(e.at >= at && e.at <= p.endValue, 'at is in order and within the profile');
      at = e.at;
      assert.ok(Number.isInteger(e.frame) && e.frame >= 0 && e.frame < file.shared.frames.length, 'frames index shared.frames');
      if (e.type === 'O') stack.push(e.frame);
      else assert.equal(stack.pop(), e.frame, 'a close matches the last open frame');
    }
    assert.deepEqual(stack, [], 'every open frame closes');
  }
}

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
