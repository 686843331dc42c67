import { countBelow, type Execution } from '../trace/index.js';
import type { Cursor } from './cursor.js';

/**
 * Where a breakpoint stops: a site, every statement site of a line, the entry of a function, or a
 * given list of events (ascending; a watchpoint: the events where a watched value changed).
 */
export type BreakpointLocation = { site: number } | { file: string; line: number } | { function: string | number } | { events: Uint32Array };

export type BreakpointSpec = BreakpointLocation & {
  /** Stop only at the n-th hit (1-based), counted from the start of the trace, whichever way the cursor moves. */
  hitCount?: number;
  /** Evaluated at each candidate hit, with a cursor standing there; the breakpoint stops only when it returns true. */
  condition?: (at: Cursor) => boolean;
};

/** A breakpoint resolved against one Execution. */
export interface Breakpoint {
  readonly id: number;
  readonly spec: BreakpointSpec;
  /** The sites it resolved to; empty when the location matches no site (it never stops: unverified, as DAP says). */
  readonly sites: readonly number[];
  readonly verified: boolean;
}

/** Internal: a breakpoint with its occurrence lists. */
export class ResolvedBreakpoint implements Breakpoint {
  readonly sites: readonly number[];
  readonly #lists: Uint32Array[];
  /** With a hit count: the one event that is its n-th hit, or -1 when it is never hit that often. */
  readonly #only: number;

  constructor(
    readonly id: number,
    readonly spec: BreakpointSpec,
    execution: Execution,
  ) {
    let lists: Uint32Array[];
    if ('events' in spec) {
      this.sites = [];
      lists = [spec.events];
    } else if ('site' in spec) {
      this.sites = [spec.site];
      lists = [execution.siteOccurrences(spec.site)];
    } else if ('line' in spec) {
      this.sites = execution.sites.sitesOnLine(spec.file, spec.line, 'statement');
      lists = this.sites.map((s) => execution.siteOccurrences(s));
    } else {
      this.sites = typeof spec.function === 'number' ? [spec.function] : execution.sites.functionSites(spec.function);
      lists = this.sites.map((s) => execution.functionOccurrences(s));
    }
    this.#lists = lists.filter((l) => l.length > 0);
    this.#only = spec.hitCount === undefined ? -2 : nth(this.#lists, spec.hitCount, execution.length);
  }

  get verified(): boolean {
    return this.sites.length > 0 || 'events' in this.spec;
  }

  /** Its first hit after event i (before it, reversed), or -1. O(lists x log n). */
  nextHit(i: number, reverse: boolean): number {
    if (this.#only !== -2) {
      if (this.#only === -1) return -1;
      return (reverse ? this.#only < i : this.#only > i) ? this.#only : -1;
    }
    let best = -1;
    for (const list of this.#lists) {
      if (reverse) {
        const r = countBelow(list, i);
        if (r > 0 && list[r - 1]! > best) best = list[r - 1]!;
      } else {
        const r = countBelow(list, i + 1);
        if (r < list.length && (best === -1 || list[r]! < best)) best = list[r]!;
      }
    }
    return best;
  }
}

/** The n-th (1-based) smallest event of the union of ascending lists, by binary search on the event index; -1 if fewer. */
function nth(lists: Uint32Array[], n: number, length: number): number {
  const count = (x: number) => lists.reduce((c, l) => c + countBelow(l, x + 1), 0);
  if (!(n >= 1) || count(length - 1) < n) return -1;
  let lo = 0;
  let hi = length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (count(mid) >= n) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
