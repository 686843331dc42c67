// Binary searches over ascending lists: occurrence lists (Uint32Array) and time checkpoints (Float64Array).

/** The first element of the ascending list that is > i, or -1. O(log n). */
export function firstAfter(list: Uint32Array, i: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! <= i) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length ? list[lo]! : -1;
}

/** The last element of the ascending list that is < i, or -1. O(log n). */
export function lastBefore(list: Uint32Array, i: number): number {
  const r = countBelow(list, i);
  return r > 0 ? list[r - 1]! : -1;
}

/** How many elements of the ascending list are < i. O(log n). */
export function countBelow(list: ArrayLike<number>, i: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < i) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
