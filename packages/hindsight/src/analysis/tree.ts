import type { Execution } from '../trace/index.js';

/**
 * The call tree downwards: each frame's callees in the order they were called (frame ids are
 * given at entry, so ascending ids are call order). The Execution only knows parents. O(frames).
 */
export interface Callees {
  readonly offsets: Uint32Array;
  readonly list: Uint32Array;
}

export function callees(ex: Execution): Callees {
  const n = ex.frameCount;
  const offsets = new Uint32Array(n + 1);
  for (let f = 0; f < n; f++) {
    const p = ex.frameParent(f);
    if (p >= 0) offsets[p + 1]!++;
  }
  for (let f = 0; f < n; f++) offsets[f + 1]! += offsets[f]!;
  const list = new Uint32Array(offsets[n]!);
  const fill = offsets.slice(0, n);
  for (let f = 0; f < n; f++) {
    const p = ex.frameParent(f);
    if (p >= 0) list[fill[p]!++] = f;
  }
  return { offsets, list };
}

export function calleesOf(c: Callees, f: number): Uint32Array {
  return c.list.subarray(c.offsets[f]!, c.offsets[f + 1]!);
}
