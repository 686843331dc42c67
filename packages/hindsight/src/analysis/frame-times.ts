import { EventKind, type Execution } from '../trace/index.js';

/** Per frame, its start and end in ms. */
export interface FrameTimes {
  /** The time of its Enter (a generator's run: its Resume); of the trace's first event for a frame the trace began inside. */
  readonly start: Float64Array;
  /** The time of its Exit or Throw; of the trace's last event for a frame the trace ends inside. */
  readonly end: Float64Array;
}

const cache = new WeakMap<Execution, FrameTimes>();
const CHUNK = 1 << 16;

/**
 * The start and end of every frame, from one pass over the events in chunks (`time(i)` per frame
 * would cost up to 255 additions each: most of an analysis's time). Cached per Execution, which
 * is immutable. O(events); 16 bytes per frame.
 */
export function frameTimes(ex: Execution): FrameTimes {
  const known = cache.get(ex);
  if (known) return known;
  const n = ex.length;
  const first = n ? ex.time(0) : 0;
  const last = n ? ex.time(n - 1) : 0;
  const start = new Float64Array(ex.frameCount).fill(first);
  const end = new Float64Array(ex.frameCount).fill(last);
  const buffer = new Float64Array(CHUNK);
  const { kinds, frames } = ex;
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK);
    ex.times(from, to, buffer);
    for (let i = from; i < to; i++) {
      const k = kinds[i];
      if (k === EventKind.Enter) start[frames[i]!] = buffer[i - from]!;
      else if (k === EventKind.Exit || k === EventKind.Throw) end[frames[i]!] = buffer[i - from]!;
      // a generator's run is a frame from a Resume to a Suspend
      else if (k === EventKind.Resume && ex.frameEnter(frames[i]!) === i) start[frames[i]!] = buffer[i - from]!;
      else if (k === EventKind.Suspend && ex.frameExit(frames[i]!) === i) end[frames[i]!] = buffer[i - from]!;
    }
  }
  // a caller the trace made up for a return ends with its last callee, at that one's event
  for (let f = 0; f < ex.frameCount; f++) {
    const exit = ex.frameExit(f);
    if (exit >= 0 && frames[exit] !== f) end[f] = ex.time(exit);
  }
  const times = { start, end };
  cache.set(ex, times);
  return times;
}
