import { HindsightError } from '../common/index.js';
import type { Execution } from '../trace/index.js';
import { groupRequests, type AnalysisOptions } from './latency.js';
import { PathTrie, SLOW, TYPICAL, type PathDifference } from './paths.js';
import { requestRoots, requests as allRequests, type Request } from './requests.js';
import { mean } from './stats.js';
import { callees } from './tree.js';

export type { PathDifference, PathUse } from './paths.js';

export interface RequestSet {
  readonly count: number;
  readonly meanDuration: number;
  readonly minDuration: number;
  readonly maxDuration: number;
}

export interface TailExplanation {
  readonly entry: string;
  /** The slowest tenth of the group's complete requests (at least one): those at or above p90 by rank. */
  readonly slow: RequestSet;
  /** The fastest half (at least one): those at or below the median by rank. */
  readonly typical: RequestSet;
  /** slow.meanDuration - typical.meanDuration, ms. */
  readonly addedTime: number;
  /** Call paths ranked by the time they add, most first (at most `limit`). */
  readonly paths: readonly PathDifference[];
  /** One sentence for people: which calls make the slow requests slow. */
  readonly summary: string;
}

export interface TailOptions extends AnalysisOptions {
  /** How many paths to return (default 10). */
  readonly limit?: number;
  /**
   * Function sites the recorder demoted (too hot and too small to trace): paths go through their
   * frames without naming them, so that a request before the demotion and one after it take the
   * same paths (`handle > <anonymous> > load` before, `handle > load` after, are both `handle > load`).
   */
  readonly demoted?: ReadonlySet<number>;
}

/**
 * Compares the slow tail of one entry point's requests with its typical requests, call path by
 * call path, and ranks the paths by the time they add to a slow request. A path is the chain of
 * function names from the entry point (recursion makes longer paths); its figures are per request,
 * averaged over each set, so a call the typical requests never make shows 0 calls there.
 *
 * Calls that became requests of their own (fired and not awaited before the caller returned) are
 * left out: they do not make the caller slower. O(frames) for the call tree (once per Execution), then
 * O(frames of the two sets).
 */
export function explainTail(ex: Execution, entry: string, options: TailOptions = {}): TailExplanation {
  const list = options.requests ?? allRequests(ex);
  const group = checkGroup(groupRequests(list), entry);
  const ranked = [...group].sort((a, b) => a.duration - b.duration); // stable: ties stay in start order
  const n = ranked.length;
  const slow = ranked.slice(n - Math.max(1, Math.floor(n / 10)));
  const typical = ranked.slice(0, Math.max(1, Math.ceil(n / 2)));
  const trie = new PathTrie(ex, callees(ex), options.demoted);
  for (const r of slow) for (const f of requestRoots(r)) trie.add(f, SLOW);
  for (const r of typical) for (const f of requestRoots(r)) trie.add(f, TYPICAL);
  const slowSet = describe(slow);
  const typicalSet = describe(typical);
  const paths = trie.differences(slow.length, typical.length, Math.max(1, options.limit ?? 10));
  const addedTime = slowSet.meanDuration - typicalSet.meanDuration;
  return { entry, slow: slowSet, typical: typicalSet, addedTime, paths, summary: summarize(entry, paths, addedTime, n) };
}

/** The group's complete requests; a typed error naming the known groups when there are none. */
function checkGroup(groups: Map<string, Request[]>, entry: string): Request[] {
  if (![...groups.values()].some((list) => list.some((r) => r.complete))) {
    throw new HindsightError('HS_E_NO_REQUESTS', 'this trace holds no complete request (an async call started from the event loop that began and ended in it); record for longer, or with a larger --ring');
  }
  const group = groups.get(entry)?.filter((r) => r.complete) ?? [];
  if (group.length === 0) {
    const known = [...groups.keys()].filter((k) => groups.get(k)!.some((r) => r.complete));
    throw new HindsightError('HS_E_UNKNOWN_GROUP', `no complete request enters at ${JSON.stringify(entry)}; the entry points are: ${known.join(', ')}`);
  }
  return group;
}

/** A non-empty set of requests. Math.min(...d) would pass every duration as an argument: past about 100,000 requests, more than the stack holds. */
function describe(set: readonly Request[]): RequestSet {
  const d = set.map((r) => r.duration);
  return { count: set.length, meanDuration: mean(d), minDuration: d.reduce((a, b) => Math.min(a, b)), maxDuration: d.reduce((a, b) => Math.max(a, b)) };
}

/**
 * The headline: the first ranked path the slow requests call more often than the typical ones, if
 * it adds at least half as much as the top path (a new call is the usual story: a cache flush, a
 * retry); otherwise the top path, which then takes longer for the same calls.
 */
function summarize(entry: string, paths: readonly PathDifference[], addedTime: number, n: number): string {
  if (n < 2) return 'only one request: nothing to compare it with';
  if (!(addedTime > 0)) return 'the slow requests take no longer than the typical ones';
  const top = paths[0];
  if (!top || !(top.addedTime > 0)) return `the slow requests spend the ${ms(addedTime)} they take longer in \`${entry}\` itself (its own code, or awaits of code that is not traced)`;
  const lead = paths.find((p) => p.addedCalls > 0 && p.addedTime >= top.addedTime / 2) ?? top;
  const name = `\`${lead.path[lead.path.length - 1]}\``;
  const share = `adding ${ms(lead.addedTime)} of the ${ms(addedTime)} they take longer`;
  const where = lead.path.length > 2 ? ` (${lead.path.join(' > ')})` : '';
  if (lead.addedCalls > 0) {
    const then = lead.before ? ` before \`${lead.before}\`` : '';
    const often = lead.typical.calls === 0 ? 'typical ones never do' : `typical ones ${calls(lead.typical.calls)}`;
    return `the slow requests call ${name}${where}${then} (${calls(lead.slow.calls)} per request; ${often}), ${share}`;
  }
  return `the slow requests spend longer in ${name}${where} for the same calls, ${share}`;
}

const calls = (c: number) => `${Number(c.toFixed(2))} time${c === 1 ? '' : 's'}`;

/** Milliseconds for a sentence: 3 significant digits. */
export function ms(v: number): string {
  return `${Number(v.toPrecision(3))} ms`;
}
