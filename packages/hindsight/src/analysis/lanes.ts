import { EventKind, type Execution } from '../trace/index.js';

/** A frame opening or closing on a lane, at a time in ms. */
export type LaneVisitor = (open: boolean, frame: number, lane: number, time: number) => void;

/**
 * Walks the frames in event order as opens and closes on lanes (the threads of a trace viewer),
 * so that every lane is a properly nested stack: what a viewer needs to draw a flame chart, and
 * what B/E events and speedscope's evented profiles demand (each close matches the last open).
 *
 * Frames overlap in time across activations (concurrent requests, Promise.all), so they cannot
 * share one stack. A frame goes on its caller's lane when its caller is on top there and it returns
 * first (a sync call, an awaited async call): the lane then shows a real call chain. Otherwise (a
 * request, a call that runs alongside others or outlives its caller) it takes a free lane, or a new
 * one. Frames the trace began inside open at its first event, callers first; frames it ends inside
 * close at its last. Returns the number of lanes. O(events + frames).
 */
export function walkLanes(ex: Execution, visit: LaneVisitor): number {
  const lanes = new Lanes(ex, visit);
  if (ex.length === 0) return 0;
  const t0 = ex.time(0);
  const synthetic: number[] = [];
  for (let f = 0; f < ex.frameCount; f++) if (ex.frameSynthetic(f)) synthetic.push(f);
  synthetic.sort((a, b) => ex.frameDepth(a) - ex.frameDepth(b) || a - b);
  for (const f of synthetic) lanes.open(f, t0);
  for (let i = 0; i < ex.length; i++) {
    const k = ex.kinds[i];
    if (k === EventKind.Enter) {
      const f = ex.frames[i]!;
      if (!ex.frameSynthetic(f) && ex.frameEnter(f) === i) lanes.open(f, ex.time(i));
    } else if (k === EventKind.Exit || k === EventKind.Throw) {
      const f = ex.frames[i]!;
      if (ex.frameExit(f) === i) lanes.close(f, ex.time(i));
    }
  }
  lanes.closeAll(ex.time(ex.length - 1));
  return lanes.count;
}

class Lanes {
  readonly #lane: Int32Array;
  readonly #stacks: number[][] = [];
  readonly #free: number[] = [];
  readonly #closed: Uint8Array;

  constructor(
    readonly ex: Execution,
    readonly visit: LaneVisitor,
  ) {
    this.#lane = new Int32Array(ex.frameCount).fill(-1);
    this.#closed = new Uint8Array(ex.frameCount);
  }

  get count(): number {
    return this.#stacks.length;
  }

  open(f: number, time: number): void {
    const p = this.ex.frameParent(f);
    const pl = p >= 0 ? this.#lane[p]! : -1;
    const stack = pl >= 0 ? this.#stacks[pl]! : undefined;
    const lane = stack && stack[stack.length - 1] === p && this.#returnsFirst(f, p) ? pl : this.#take();
    this.#lane[f] = lane;
    this.#stacks[lane]!.push(f);
    this.visit(true, f, lane, time);
  }

  close(f: number, time: number): void {
    const lane = this.#lane[f]!;
    const stack = this.#stacks[lane];
    if (!stack || this.#closed[f] === 1) return;
    // by construction f is on top; anything above it (never expected) is closed first to stay balanced
    while (stack.length > 0) {
      const g = stack.pop()!;
      this.#closed[g] = 1;
      this.visit(false, g, lane, time);
      if (g === f) break;
    }
    if (stack.length === 0) this.#free.push(lane);
  }

  closeAll(time: number): void {
    this.#stacks.forEach((stack, lane) => {
      while (stack.length > 0) this.visit(false, stack.pop()!, lane, time);
    });
  }

  /** Whether f returns before its caller p (a frame the trace ends inside returns last). */
  #returnsFirst(f: number, p: number): boolean {
    const pe = this.ex.frameExit(p);
    const fe = this.ex.frameExit(f);
    return pe === -1 || (fe !== -1 && fe < pe);
  }

  /** The most recently freed lane (fewer lanes in use), or a new one. */
  #take(): number {
    const free = this.#free.pop();
    if (free !== undefined) return free;
    this.#stacks.push([]);
    return this.#stacks.length - 1;
  }
}
