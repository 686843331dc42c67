import { countBelow } from './search.js';

/**
 * Timestamps, 4 bytes an event: each event keeps the difference from the previous one in ticks
 * (Uint32), and every 256th event keeps its absolute tick count (Float64), so a time is at most
 * 255 additions away and time search is a binary search over the checkpoints plus one block.
 * A difference that does not fit in 32 bits is kept aside (sparse; a recording with an hour-long
 * gap at microsecond resolution has one).
 */
export const BLOCK_SHIFT = 8;
const BLOCK = 1 << BLOCK_SHIFT;
export const OVERFLOW = 0xffffffff;

export interface TimeColumn {
  /** The time of event 0, in the caller's unit. */
  base: number;
  /** Ticks per unit of the timestamps given (1000: microsecond ticks for millisecond timestamps). */
  ticksPerUnit: number;
  deltas: Uint32Array;
  checkpoints: Float64Array;
  overflow: Map<number, number>;
}

function delta(c: TimeColumn, j: number): number {
  const d = c.deltas[j]!;
  return d === OVERFLOW ? c.overflow.get(j)! : d;
}

/** Ticks since event 0 at event i. O(block). */
export function ticksAt(c: TimeColumn, i: number): number {
  const b = i >>> BLOCK_SHIFT;
  let q = c.checkpoints[b]!;
  for (let j = (b << BLOCK_SHIFT) + 1; j <= i; j++) q += delta(c, j);
  return q;
}

export function timeAt(c: TimeColumn, i: number): number {
  return c.base + ticksAt(c, i) / c.ticksPerUnit;
}

/** The first event whose time is >= t; the last when all are earlier; -1 when empty. O(log n + block). */
export function indexAtTime(c: TimeColumn, t: number): number {
  const n = c.deltas.length;
  if (n === 0) return -1;
  const exact = (t - c.base) * c.ticksPerUnit;
  // Float noise (65536.001 - 65536 = 1.0000000002 ms) must not push a time past the tick it names.
  const nearest = Math.round(exact);
  const q = Math.abs(exact - nearest) < 1e-6 ? nearest : exact;
  if (!(q > 0)) return 0;
  const cps = c.checkpoints;
  const lo = countBelow(cps, q);
  // cps[lo] >= q (or lo is past the end): the answer is in block lo - 1, or is the first event of block lo
  const start = (lo - 1) << BLOCK_SHIFT;
  const end = Math.min(n, start + BLOCK);
  let acc = cps[lo - 1]!;
  for (let j = start; j < end; j++) {
    if (j > start) acc += delta(c, j);
    if (acc >= q) return j;
  }
  return Math.min(end, n - 1);
}

/** Times of events from..to-1 into out[0..to-from): one lookup, then one addition per event. */
export function timesInto(c: TimeColumn, from: number, to: number, out: Float64Array): Float64Array {
  if (to <= from) return out;
  let q = ticksAt(c, from);
  out[0] = c.base + q / c.ticksPerUnit;
  for (let j = from + 1; j < to; j++) {
    q += delta(c, j);
    out[j - from] = c.base + q / c.ticksPerUnit;
  }
  return out;
}
