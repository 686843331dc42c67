/**
 * Percentiles and histogram buckets over durations. Percentiles use the nearest-rank method: the
 * p-th percentile is the smallest value that at least p% of the values do not exceed, always one of
 * the values (no interpolation), so a test can say exactly what it is.
 */

/** The nearest-rank p-th percentile (0 < p <= 100) of ascending values; NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** One bar of a latency histogram: durations in [from, to) ms (the last bucket includes `to`). */
export interface Bucket {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/**
 * Buckets on a 1-2-5 logarithmic scale (…, 1, 2, 5, 10, 20 ms …): latency spreads over orders of
 * magnitude, and a tail that is 20 times slower still gets its own bars. From the bound at or below
 * the smallest value to the first bound above the largest; empty buckets in between are kept so
 * that the histogram reads as a distribution.
 */
export function histogram(sorted: ArrayLike<number>): Bucket[] {
  if (sorted.length === 0) return [];
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  const bounds = [boundAtOrBelow(min)];
  while (bounds[bounds.length - 1]! <= max) bounds.push(nextBound(bounds[bounds.length - 1]!));
  const out: Bucket[] = [];
  let i = 0;
  for (let b = 0; b + 1 < bounds.length; b++) {
    const to = bounds[b + 1]!;
    let count = 0;
    while (i < sorted.length && sorted[i]! < to) {
      i++;
      count++;
    }
    out.push({ from: bounds[b]!, to, count });
  }
  return out;
}

/** The smallest bound of the scale: 1 µs. Shorter durations go in the first bucket, from 0. */
const SMALLEST = 0.001;
const STEPS = [1, 2, 5];

function boundAtOrBelow(v: number): number {
  if (!(v >= SMALLEST)) return 0;
  const decade = 10 ** Math.floor(Math.log10(v) + 1e-9);
  let bound = decade;
  for (const s of STEPS) if (s * decade <= v * (1 + 1e-9)) bound = s * decade;
  return clean(bound);
}

function nextBound(b: number): number {
  if (b < SMALLEST) return SMALLEST;
  const decade = 10 ** Math.floor(Math.log10(b) + 1e-9);
  const step = Math.round(b / decade);
  return clean(step === 1 ? 2 * decade : step === 2 ? 5 * decade : 10 * decade);
}

/** 0.1 * 3 is 0.30000000000000004: bounds are printed, so keep them round. */
const clean = (v: number) => Number(v.toPrecision(6));

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return values.length ? s / values.length : Number.NaN;
}
