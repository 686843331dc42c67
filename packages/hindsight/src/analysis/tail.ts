import { HindsightError } from '../common/index.js';
import type { Execution } from '../trace/index.js';
import { groupRequests, type AnalysisOptions } from './latency.js';
import { frameTimes, type FrameTimes } from './frame-times.js';
import { frameNamer } from './names.js';
import { isRootActivation, requests as allRequests, type Request } from './requests.js';
import { mean } from './stats.js';
import { callees, type Callees } from './tree.js';

/** Per request, on average over a set of requests: how often a call path is taken and how long it takes. */
export interface PathUse {
  readonly calls: number;
  /** Inclusive ms (awaits included). */
  readonly time: number;
}

/** One call path below the entry point, compared between the slow tail and the typical requests. */
export interface PathDifference {
  /** Function names from the entry point down, e.g. ['handle', 'flush']. */
  readonly path: readonly string[];
  readonly slow: PathUse;
  readonly typical: PathUse;
  /** slow.time - typical.time: what this path adds to a slow request, ms. */
  readonly addedTime: number;
  /** slow.calls - typical.calls. */
  readonly addedCalls: number;
  /** In the slow requests, the call that most often comes next from the same caller (`flush` before `get`). */
  readonly before?: string;
}

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
  const trie = new PathTrie(ex, callees(ex));
  for (const r of slow) trie.add(r.frame, SLOW);
  for (const r of typical) trie.add(r.frame, TYPICAL);
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

function describe(set: readonly Request[]): RequestSet {
  const d = set.map((r) => r.duration);
  return { count: set.length, meanDuration: mean(d), minDuration: Math.min(...d), maxDuration: Math.max(...d) };
}

const SLOW = 0;
const TYPICAL = 1;

/**
 * Call paths as a trie over (caller path, function site), with per-set totals of calls and
 * inclusive time, and, for the slow set, which path follows which under the same caller.
 */
class PathTrie {
  readonly #parent: number[] = [-1];
  readonly #name: string[] = [];
  readonly #depth: number[] = [0];
  readonly #calls: [number[], number[]] = [[0], [0]];
  readonly #time: [number[], number[]] = [[0], [0]];
  readonly #next = new Map<number, Map<number, number>>();
  /** Child nodes by (node, function site), keyed node × span + site + 1: small integers, one Map. */
  readonly #children = new Map<number, number>();
  readonly #span: number;
  readonly #nameOf: (f: number) => { name: string };
  readonly #times: FrameTimes;

  constructor(
    readonly ex: Execution,
    readonly tree: Callees,
  ) {
    this.#name.push('');
    this.#nameOf = frameNamer(ex);
    this.#times = frameTimes(ex);
    this.#span = tree.maxSite + 2;
  }

  /** Adds one request's call tree (root frame `root`) to set `set`. Hot: no allocation per frame. */
  add(root: number, set: typeof SLOW | typeof TYPICAL): void {
    const ex = this.ex;
    const { start, end } = this.#times;
    const { offsets, list } = this.tree;
    const calls = this.#calls[set];
    const time = this.#time[set];
    const stack: number[] = [root, this.#node(0, root)];
    while (stack.length > 0) {
      const node = stack.pop()!;
      const f = stack.pop()!;
      calls[node]!++;
      time[node]! += end[f]! - start[f]!;
      let previous = -1;
      for (let k = offsets[f]!, last = offsets[f + 1]!; k < last; k++) {
        const c = list[k]!;
        if (isRootActivation(ex, c)) continue; // a request of its own: it does not slow this one down
        const child = this.#node(node, c);
        if (set === SLOW && previous !== -1 && previous !== child) this.#tally(previous, child);
        previous = child;
        stack.push(c, child);
      }
    }
  }

  /**
   * The `limit` paths below the roots that add the most time (then shallower first). Real call
   * trees have many distinct paths, so the ranking is a bounded selection and only the paths
   * returned are made into objects. O(paths × log limit).
   */
  differences(slowCount: number, typicalCount: number, limit: number): PathDifference[] {
    const added = (node: number) => this.#time[SLOW][node]! / slowCount - this.#time[TYPICAL][node]! / typicalCount;
    const before = (a: number, b: number) => added(a) - added(b) || this.#depth[b]! - this.#depth[a]! || b - a;
    const top = new TopK(limit, before);
    for (let node = 1; node < this.#parent.length; node++) {
      if (this.#depth[node] !== 1) top.offer(node); // the entry point itself: its difference is the requests' own
    }
    return top.sorted().map((node) => {
      const slow = { calls: this.#calls[SLOW][node]! / slowCount, time: this.#time[SLOW][node]! / slowCount };
      const typical = { calls: this.#calls[TYPICAL][node]! / typicalCount, time: this.#time[TYPICAL][node]! / typicalCount };
      const next = this.#mostOftenAfter(node);
      return { path: this.#path(node), slow, typical, addedTime: slow.time - typical.time, addedCalls: slow.calls - typical.calls, ...(next ? { before: next } : {}) };
    });
  }

  #node(parent: number, f: number): number {
    const key = parent * this.#span + this.ex.frameSite(f) + 1;
    let node = this.#children.get(key);
    if (node === undefined) {
      node = this.#parent.length;
      this.#children.set(key, node);
      this.#parent.push(parent);
      this.#name.push(this.#nameOf(f).name);
      this.#depth.push(this.#depth[parent]! + 1);
      this.#calls[0].push(0);
      this.#calls[1].push(0);
      this.#time[0].push(0);
      this.#time[1].push(0);
    }
    return node;
  }

  #tally(from: number, to: number): void {
    let m = this.#next.get(from);
    if (!m) this.#next.set(from, (m = new Map()));
    m.set(to, (m.get(to) ?? 0) + 1);
  }

  #mostOftenAfter(node: number): string | undefined {
    let best = -1;
    let most = 0;
    for (const [to, count] of this.#next.get(node) ?? []) if (count > most) [best, most] = [to, count];
    return best === -1 ? undefined : this.#name[best];
  }

  #path(node: number): string[] {
    const out: string[] = [];
    for (let n = node; n > 0; n = this.#parent[n]!) out.push(this.#name[n]!);
    return out.reverse();
  }
}

/** The k greatest items under `compare` (> 0: first is greater), kept in a small min-heap. */
class TopK {
  readonly #heap: number[] = [];

  constructor(
    readonly k: number,
    readonly compare: (a: number, b: number) => number,
  ) {}

  offer(x: number): void {
    const h = this.#heap;
    if (h.length < this.k) {
      h.push(x);
      this.#up(h.length - 1);
    } else if (this.compare(x, h[0]!) > 0) {
      h[0] = x;
      this.#down(0);
    }
  }

  /** Greatest first. */
  sorted(): number[] {
    return [...this.#heap].sort((a, b) => this.compare(b, a));
  }

  #up(i: number): void {
    const h = this.#heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.compare(h[p]!, h[i]!) <= 0) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  #down(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.compare(h[l]!, h[m]!) < 0) m = l;
      if (r < h.length && this.compare(h[r]!, h[m]!) < 0) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
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
