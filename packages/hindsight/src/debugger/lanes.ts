import { isRootActivation, requests, type Request } from '../analysis/index.js';
import { EventKind, lastBefore, type Execution } from '../trace/index.js';

/** A request lane as a DAP thread: its id is stable across stops (the root frame + 1). */
export interface LaneThread {
  readonly id: number;
  readonly name: string;
}

/** One request on the timeline: `index` is where it began (goto it with hindsight/gotoEvent), times in ms. */
export interface LaneEntry {
  readonly thread: number;
  readonly label: string;
  readonly index: number;
  readonly endIndex: number;
  readonly start: number;
  readonly duration: number;
  /** The trace holds it whole: it began after the trace did, and returned or threw before it ended. */
  readonly complete: boolean;
  readonly threw: boolean;
}

/**
 * The request lanes of a recording, as threads: a service handles many requests at once, and at any
 * point in time each one in flight stands somewhere (running, or suspended at an await). The cursor
 * is in one of them; the others show where they stood at that moment.
 */
export class RequestLanes {
  readonly #ex: Execution;
  readonly #requests: readonly Request[];
  readonly #byRoot = new Map<number, Request>();
  /** The root frame of each frame's request, found on first use. */
  readonly #root: Int32Array;
  /** The frames of each request, built on first use. */
  #frames: Map<number, number[]> | undefined;

  /** A dispatch (the sync callback that started requests: Request.dispatch) belongs to the first request it started. */
  readonly #dispatched = new Map<number, number>();

  constructor(ex: Execution) {
    this.#ex = ex;
    this.#requests = requests(ex, { startUp: true });
    this.#root = new Int32Array(ex.frameCount).fill(-2);
    for (const r of this.#requests) {
      this.#byRoot.set(r.frame, r);
      if (r.dispatch !== -1 && !this.#dispatched.has(r.dispatch)) this.#dispatched.set(r.dispatch, r.frame);
      // a continuation runs in its request's lane
      for (const c of r.continuations) this.#root[c] = r.frame;
    }
  }

  /** Where a request began: its dispatch's entry, or its root frame's. */
  #begin(r: Request): number {
    return this.#ex.frameEnter(r.dispatch === -1 ? r.frame : r.dispatch);
  }

  /** The thread of the request the event belongs to (in a dispatch, the first request it started). */
  threadOf(index: number): number {
    const root = this.#rootOf(this.#ex.frames[index]!);
    return (this.#dispatched.get(root) ?? root) + 1;
  }

  /**
   * The requests in flight at the event (begun, not yet returned), in the order they began; one
   * that began before the trace from its first event in it on (the trace shows nothing of it before).
   */
  inFlight(index: number): LaneThread[] {
    const ex = this.#ex;
    const current = this.threadOf(index);
    const begun = (r: Request) => this.#begin(r) <= index && (!ex.frameSynthetic(r.frame) || this.positionAt(r.frame + 1, index) !== -1);
    return this.#requests
      .filter((r) => r.frame + 1 === current || (begun(r) && (r.endIndex === -1 || r.endIndex >= index)))
      .map((r) => ({ id: r.frame + 1, name: `${r.entry} @${r.start.toFixed(1)}ms${ex.frameSynthetic(r.frame) || ex.frameCallerLost(r.frame) ? ' (began before the trace)' : ''}` }));
  }

  /** Where the thread's request stood at the event: its last event at or before it, or -1 before it began. */
  positionAt(thread: number, index: number): number {
    const root = thread - 1;
    if (!this.#byRoot.has(root)) return -1;
    let best = -1;
    for (const f of this.#framesOf(root)) best = Math.max(best, lastBefore(this.#ex.frameEvents(f), index + 1));
    return best;
  }

  /** Every request of the recording, in the order they began: thread, entry point, first and last event, duration. */
  timeline(): LaneEntry[] {
    const ex = this.#ex;
    return this.#requests.map((r) => {
      // it threw where it ended: its own exit, or that of the call it returned
      const threw = r.endIndex !== -1 && ex.kinds[r.endIndex] === EventKind.Throw;
      return { thread: r.frame + 1, label: r.entry, index: ex.frameSynthetic(r.frame) ? 0 : this.#begin(r), endIndex: r.endIndex === -1 ? ex.length - 1 : r.endIndex, start: r.start, duration: r.duration, complete: r.complete, threw };
    });
  }

  has(thread: number): boolean {
    return this.#byRoot.has(thread - 1);
  }

  #rootOf(frame: number): number {
    const path: number[] = [];
    let f = frame;
    while (f !== -1 && this.#root[f] === -2 && !isRootActivation(this.#ex, f)) {
      path.push(f);
      f = this.#ex.frameParent(f);
    }
    const root = f === -1 ? -1 : this.#root[f] === -2 ? f : this.#root[f]!;
    if (f !== -1) this.#root[f] = root;
    for (const p of path) this.#root[p] = root;
    return root;
  }

  #framesOf(root: number): number[] {
    if (!this.#frames) {
      this.#frames = new Map();
      for (let f = 0; f < this.#ex.frameCount; f++) {
        const r = this.#rootOf(f);
        let list = this.#frames.get(r);
        if (!list) this.#frames.set(r, (list = []));
        list.push(f);
      }
    }
    return this.#frames.get(root) ?? [];
  }
}
