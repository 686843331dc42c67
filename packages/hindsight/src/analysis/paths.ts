import type { Execution } from '../trace/index.js';
import { frameTimes, type FrameTimes } from './frame-times.js';
import { frameNamer, shortName } from './names.js';
import { isRootActivation } from './requests.js';
import { TopK } from './top-k.js';
import type { Callees } from './tree.js';

/** Per request, on average over a set of requests: how often a call path is taken and how long it takes. */
export interface PathUse {
  readonly calls: number;
  /**
   * Wall time the request had a call on this path in flight (ms, awaits included): the union of
   * the calls' spans, so that calls in flight together (`Promise.all`) count once.
   */
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
  /** Per frame of the request being added: its path's node; the frame its callees hang from (a frame gone through: its caller's); the node of its last callee. */
  readonly #nodeOf: Int32Array;
  readonly #owner: Int32Array;
  readonly #lastCallee: Int32Array;
  /** The request being added's frames (#collect). */
  readonly #frames: Uint32Array;
  /** Per node: the last request that called it (a count of add()), and how far its calls in that request reach (ms). */
  readonly #stamp: number[] = [0];
  readonly #reach: number[] = [0];
  #requests = 0;

  /**
   * `through`: function sites whose frames a path goes through without naming them (the
   * recorder's demoted functions: traced before their demotion, not after, so that naming them
   * would split the same calls into two paths, one before and one after).
   */
  constructor(
    readonly ex: Execution,
    readonly tree: Callees,
    readonly through: ReadonlySet<number> = new Set(),
  ) {
    this.#name.push('');
    this.#nameOf = frameNamer(ex);
    this.#times = frameTimes(ex);
    this.#span = tree.maxSite + 2;
    ({ nodeOf: this.#nodeOf, owner: this.#owner, lastCallee: this.#lastCallee, frames: this.#frames } = scratchOf(ex));
  }

  /**
   * Adds one request's call tree (root frame `root`) to set `set`. Its frames go in call order
   * (ascending ids, ascending starts), so that a caller's node is known before its callees', and
   * the calls of one path come in start order: the wall time they cover is their union, summed as
   * they come (calls in flight together, as `Promise.all` makes them, count once). Hot: no
   * allocation per frame.
   */
  add(root: number, set: typeof SLOW | typeof TYPICAL): void {
    const ex = this.ex;
    const { start, end } = this.#times;
    const calls = this.#calls[set];
    const time = this.#time[set];
    const request = ++this.#requests;
    const frames = this.#collect(root);
    const through = this.through.size > 0 ? this.through : undefined;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      let node: number;
      if (f === root) node = this.#node(0, root);
      else {
        const owner = this.#owner[ex.frameParent(f)]!;
        if (through?.has(ex.frameSite(f))) {
          this.#owner[f] = owner; // its callees hang from its caller's path
          continue;
        }
        node = this.#node(this.#nodeOf[owner]!, f);
        const previous = this.#lastCallee[owner]!;
        if (set === SLOW && previous !== -1 && previous !== node) this.#tally(previous, node);
        this.#lastCallee[owner] = node;
      }
      this.#owner[f] = f;
      this.#nodeOf[f] = node;
      this.#lastCallee[f] = -1;
      calls[node]!++;
      const from = start[f]!;
      const to = end[f]!;
      if (this.#stamp[node] !== request) {
        this.#stamp[node] = request;
        time[node]! += to - from;
        this.#reach[node] = to;
      } else if (to > this.#reach[node]!) {
        time[node]! += to - Math.max(from, this.#reach[node]!);
        this.#reach[node] = to;
      }
    }
  }

  /**
   * The frames of the request at `root`, in call order: its call tree, less the requests of their
   * own it started. Depth first, callees in call order: that is call order already unless calls
   * were in flight together, and only then is it sorted.
   */
  #collect(root: number): Uint32Array {
    const { offsets, list } = this.tree;
    const frames = this.#frames;
    let n = 0;
    let ordered = true;
    const stack = [root];
    while (stack.length > 0) {
      const f = stack.pop()!;
      if (n > 0 && f < frames[n - 1]!) ordered = false;
      frames[n++] = f;
      for (let k = offsets[f + 1]! - 1, first = offsets[f]!; k >= first; k--) {
        const c = list[k]!;
        if (!isRootActivation(this.ex, c)) stack.push(c); // a request of its own: it does not slow this one down
      }
    }
    const all = frames.subarray(0, n);
    return ordered ? all : all.sort();
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
      this.#stamp.push(0);
      this.#reach.push(0);
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

/** The per-frame scratch of add(), one set per Execution: each frame's entries are written before they are read, so the tries of every group of a report share it. */
interface Scratch {
  readonly nodeOf: Int32Array;
  readonly owner: Int32Array;
  readonly lastCallee: Int32Array;
  readonly frames: Uint32Array;
}

const scratches = new WeakMap<Execution, Scratch>();

function scratchOf(ex: Execution): Scratch {
  let s = scratches.get(ex);
  if (!s) {
    const n = ex.frameCount;
    scratches.set(ex, (s = { nodeOf: new Int32Array(n), owner: new Int32Array(n), lastCallee: new Int32Array(n), frames: new Uint32Array(n) }));
  }
  return s;
}
