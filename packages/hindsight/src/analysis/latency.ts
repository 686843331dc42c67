import type { Execution } from '../trace/index.js';
import { requests as allRequests, type Request } from './requests.js';
import { histogram, mean, percentile, type Bucket } from './stats.js';

/** The latency of one entry point's requests (complete ones; ms). */
export interface GroupLatency {
  /** The entry point: the root frame's function name. */
  readonly entry: string;
  readonly count: number;
  /** Requests the trace holds only part of (it began or ended inside them): not in the figures. */
  readonly partial: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly histogram: readonly Bucket[];
}

export interface LatencyReport {
  /** Complete requests in all groups. */
  readonly requests: number;
  readonly partial: number;
  /** Most requests first (then by name): the entry points that matter most come first. */
  readonly groups: readonly GroupLatency[];
}

export interface AnalysisOptions {
  /** The requests of the execution, when the caller has them already (from `requests(execution)`). */
  readonly requests?: readonly Request[];
}

/** Per entry point: count and percentiles of request durations, with histogram buckets. O(frames + r log r). */
export function latency(ex: Execution, options: AnalysisOptions = {}): LatencyReport {
  const groups = groupRequests(options.requests ?? allRequests(ex));
  const out: GroupLatency[] = [];
  for (const [entry, list] of groups) {
    const d = completeDurations(list);
    out.push({
      entry,
      count: d.length,
      partial: list.length - d.length,
      min: d.length ? d[0]! : Number.NaN,
      mean: mean(d),
      p50: percentile(d, 50),
      p90: percentile(d, 90),
      p99: percentile(d, 99),
      max: d.length ? d[d.length - 1]! : Number.NaN,
      histogram: histogram(d),
    });
  }
  out.sort((a, b) => b.count - a.count || (a.entry < b.entry ? -1 : a.entry > b.entry ? 1 : 0));
  return { requests: out.reduce((s, g) => s + g.count, 0), partial: out.reduce((s, g) => s + g.partial, 0), groups: out };
}

/** Requests by entry point, each list in start order. */
export function groupRequests(list: readonly Request[]): Map<string, Request[]> {
  const groups = new Map<string, Request[]>();
  for (const r of list) {
    const g = groups.get(r.entry);
    if (g) g.push(r);
    else groups.set(r.entry, [r]);
  }
  return groups;
}

/** The durations of the complete requests, ascending. */
function completeDurations(list: readonly Request[]): Float64Array {
  const d = new Float64Array(list.length);
  let n = 0;
  for (const r of list) if (r.complete) d[n++] = r.duration;
  return d.subarray(0, n).sort();
}
