import type { Execution } from '../trace/index.js';

/**
 * The call tree downwards: each frame's callees in the order they were called (frame ids are
 * given at entry, so ascending ids are call order). The Execution only knows parents.
 */
export interface Callees {
  readonly offsets: Uint32Array;
  readonly list: Uint32Array;
  /** The largest function site of any frame (-1 when none): sizes keys made of sites. */
  readonly maxSite: number;
}

const cache = new WeakMap<Execution, Callees>();

/** Built once per Execution (immutable) in O(frames), then cached: a report explains every group. */
export function callees(ex: Execution): Callees {
  const known = cache.get(ex);
  if (known) return known;
  const n = ex.frameCount;
  const offsets = new Uint32Array(n + 1);
  let maxSite = -1;
  for (let f = 0; f < n; f++) {
    const p = ex.frameParent(f);
    if (p >= 0) offsets[p + 1]!++;
    maxSite = Math.max(maxSite, ex.frameSite(f));
  }
  for (let f = 0; f < n; f++) offsets[f + 1]! += offsets[f]!;
  const list = new Uint32Array(offsets[n]!);
  const fill = offsets.slice(0, n);
  for (let f = 0; f < n; f++) {
    const p = ex.frameParent(f);
    if (p >= 0) list[fill[p]!++] = f;
  }
  const tree = { offsets, list, maxSite };
  cache.set(ex, tree);
  return tree;
}
