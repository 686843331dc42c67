import type { Execution } from '../../src/trace/index.js';

/** Everything an Execution answers, as plain data: two Executions are the same when these are deep-equal. */
export function snapshot(ex: Execution): unknown {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  // the table's sites and those the events name (not every number up to the largest: ids go up to 2^32)
  const sites = [...new Set([...range(ex.sites.size + 2), ...Array.from(ex.siteIds)])].sort((a, b) => a - b);
  return {
    length: ex.length,
    frameCount: ex.frameCount,
    byteSize: ex.byteSize,
    kinds: Array.from(ex.kinds),
    siteIds: Array.from(ex.siteIds),
    frames: Array.from(ex.frames),
    times: Array.from(ex.times(0, ex.length)),
    atTime: range(ex.length).map((i) => ex.indexAtTime(ex.time(i))),
    time: range(ex.length).map((i) => ex.time(i)),
    events: range(ex.length).map((i) => ex.event(i)),
    frameInfo: range(ex.frameCount).map((f) => ex.frameInfo(f)),
    frameEvents: range(ex.frameCount).map((f) => Array.from(ex.frameEvents(f))),
    occurrences: sites.map((s) => [s, Array.from(ex.siteOccurrences(s))]),
    functionOccurrences: sites.map((s) => [s, Array.from(ex.functionOccurrences(s))]),
    stacks: range(ex.length).map((i) => ex.stackAt(i)),
  };
}
