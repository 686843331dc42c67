import type { Execution } from '../trace/index.js';
import { frameTimes, type FrameTimes } from './frame-times.js';
import { frameNamer, shortName } from './names.js';
import { isRootActivation } from './requests.js';
import { TopK } from './top-k.js';
import type { Callees } from './tree.js';

/** Per request, on average over a set of requests: how often a call path is taken and how long it takes. */
export interface PathUse {
  readonly calls: number;
  /** Inclusive ms (awaits included). */
  readonly time: number;
}

/** One call path below the entry point, compared between the slow tail and the typical requests. */
export interface PathDifference {
  /** Function names from the entry point down, e.g. ['handle', 'flush'] (shortName: an anonymous one with where it is defined). */
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

export const SLOW = 0;
export const TYPICAL = 1;

/**
 * Call paths as a trie over (caller path, function site), with per-set totals of calls and
 * inclusive time, and, for the slow set, which path follows which under the same caller.
 */
export class PathTrie {
  readonly #parent: number[] = [-1];
  readonly #name: string[] = [];
  readonly #depth: number[] = [0];
  readonly #calls: [number[], number[]] = [[0], [0]];
  readonly #time: [number[], number[]] = [[0], [0]];
  readonly #next = new Map<number, Map<number, number>>();
  /** Child nodes by (node, function site), keyed node × span + site + 1: small integers, one Map. */
  readonly #children = new Map<number, number>();
  readonly #span: number;
  readonly #nameOf: ReturnType<typeof frameNamer>;
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
      this.#name.push(shortName(this.#nameOf(f)));
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

