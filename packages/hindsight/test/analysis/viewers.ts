// What trace viewers demand of an export: each lane a balanced stack, in time order.
import assert from 'node:assert/strict';
import type { ChromeTrace, SpeedscopeFile } from '../../src/analysis/index.js';

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

