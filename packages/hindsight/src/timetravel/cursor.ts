import { EventKind, type Execution, type Site } from '../trace/index.js';
import { ResolvedBreakpoint, type Breakpoint, type BreakpointSpec } from './breakpoints.js';

export type Direction = 'forward' | 'reverse';

export type StopReason = 'step' | 'breakpoint' | 'start' | 'end' | 'goto' | 'finish';

/** Where a command left the cursor, and why. */
export interface Stop {
  readonly index: number;
  readonly reason: StopReason;
  /** For reason 'breakpoint': the ids of the breakpoints that stopped here. */
  readonly breakpoints?: readonly number[];
  /** For 'start'/'end': what was looked for and not found, in words. */
  readonly message?: string;
  /** The cursor stands in the caller just after the frame of event `index` returned (Cursor.returned). */
  readonly returned?: boolean;
}

/** One line of a backtrace, innermost first. */
export interface BacktraceFrame {
  readonly frame: number;
  readonly functionSite: number;
  readonly site: Site | undefined;
  /** Where this frame is now: the cursor's event for the innermost frame, the call site for its callers. */
  readonly index: number;
  /** Its Enter event (0 for a synthetic frame). */
  readonly enterIndex: number;
  /** The caller's event that called it, or -1 when unknown. */
  readonly callIndex: number;
  readonly activation: number;
  readonly synthetic: boolean;
  /** The trace does not hold its caller: it is synthetic, or was entered before the trace showed what ran (Execution.frameCallerLost). */
  readonly callerLost: boolean;
  /**
   * Its activation gave the frame above it as a continuation (a `.then` callback: Execution.continues),
   * which the event loop called later: an async stack trace's boundary. It stands at its last event
   * before that continuation began.
   */
  readonly continued?: true;
}

/**
 * A position in an Execution (an event index, clamped to [0, length - 1]) with the navigation
 * commands of gdb and rr. Each command has one implementation; reverse is its direction parameter.
 * Every command answers from the indexes: O(log n) per frame it leaves or call it jumps over,
 * never a scan of the events inside a call.
 */
export class Cursor {
  readonly execution: Execution;
  #index = 0;
  #returned = false;
  readonly #breakpoints = new Map<number, ResolvedBreakpoint>();
  #nextBreakpointId = 1;

  constructor(execution: Execution, index = 0) {
    this.execution = execution;
    this.#index = this.#clamp(index);
  }

  get index(): number {
    return this.#index;
  }

  /**
   * The cursor stands in the caller just after a call returned: `index` is the callee's Exit (or
   * the Suspend that ends a generator's run), and the caller goes on with the rest of the statement
   * that called it (`finish` stops there, as gdb's does, so that a second call on the same line is
   * still ahead). Only where the caller ran nothing while the callee ran (a sync call, an async one
   * that never awaited): see returnsToCaller.
   */
  get returned(): boolean {
    return this.#returned;
  }

  /** The frame the cursor is in: its event's, or after a return, the caller's. */
  get frame(): number {
    const f = this.execution.frames[this.#index]!;
    return this.#returned ? this.execution.frameParent(f) : f;
  }

  /** The event where the cursor's frame stands (values are read there): its own, or after a return, the caller's event that made the call. */
  get frameEvent(): number {
    return this.#returned ? this.execution.frameCall(this.execution.frames[this.#index]!) : this.#index;
  }

  /**
   * step (reverse-step): to the next (previous) Statement or Enter event in time, whatever its frame,
   * or the caller just after a call returned (Cursor.returned), as gdb and DevTools stop back in the
   * caller's line before its next call. Scans only the events between (exits, suspends, resumes,
   * branches), not calls.
   */
  step(direction: Direction = 'forward'): Stop {
    const ex = this.execution;
    const d = direction === 'reverse' ? -1 : 1;
    // at a callee's Exit, not yet back in the caller: the return is the next position
    if (d > 0 && !this.#returned && returnsToCaller(ex, this.#index)) return this.#stop(this.#index, 'step', true);
    for (let j = this.#index + d; j >= 0 && j < ex.length; j += d) {
      const k = ex.kinds[j];
      if (k === EventKind.Statement || k === EventKind.Enter) return this.#stop(j, 'step');
      if (returnsToCaller(ex, j)) return this.#stop(j, 'step', true);
    }
    return this.#boundary(d, `no statement ${d < 0 ? 'before' : 'after'} this point`);
  }

  /**
   * next (reverse-next): to the next (previous) Statement of the current frame, jumping over calls
   * (and awaits) through the frame's own event list; when the frame has none left, to its caller, as
   * gdb does when stepping past a return: just after the call returned where the rest of the calling
   * statement is still ahead (backwards: just before the call, after an earlier call of that
   * statement), else its next (previous) statement. A root frame that returns to the event loop
   * falls back to step (what the event loop ran next); "end"/"start" when the trace ends (starts)
   * inside the frames left.
   */
  next(direction: Direction = 'forward'): Stop {
    const ex = this.execution;
    if (ex.length === 0) return this.#boundary(1, 'the trace is empty');
    const reverse = direction === 'reverse';
    let f = this.frame;
    let pos = this.#index;
    for (;;) {
      const j = reverse ? ex.previousInFrame(f, pos) : ex.nextInFrame(f, pos);
      if (j === -1) {
        // the frame has no more events this way: the trace ends (starts) inside it, or it returned (was called)
        if (!reverse && ex.frameExit(f) === -1) return this.#boundary(1, 'no statement of this frame or its callers after this point');
        if (reverse && ex.frameSynthetic(f)) return this.#boundary(-1, 'no statement of this frame or its callers before this point');
        const back = this.#inCaller(f, direction);
        if (back !== -1) return this.#stop(back, 'step', true);
        const parent = ex.frameParent(f);
        if (parent === -1) {
          this.#index = pos;
          this.#returned = false;
          return this.step(direction);
        }
        f = parent;
        continue;
      }
      if (ex.kinds[j] === EventKind.Statement) return this.#stop(j, 'step');
      pos = j;
    }
  }

  /**
   * finish: out of the current frame, to its caller just after the call returned, where the caller
   * runs nothing while it runs (returnsToCaller: the rest of the calling statement is still ahead);
   * else to the caller's next event after the frame's Exit/Throw (an async call that awaited: where
   * the caller resumes; the event right after the exit when the caller has none: a root, or a
   * fire-and-forget async call; "end" when the trace ends inside the frame). reverse-finish: back to
   * the call site, just before the call: after a call the same statement made before it returned,
   * else the caller's event that made the call ("start" when the trace does not show it).
   */
  finish(direction: Direction = 'forward'): Stop {
    const ex = this.execution;
    if (ex.length === 0) return this.#boundary(1, 'the trace is empty');
    const f = this.frame;
    const back = this.#inCaller(f, direction);
    if (back !== -1) return this.#stop(back, 'finish', true);
    if (direction === 'reverse') {
      const call = ex.frameCall(f);
      return call === -1 ? this.#boundary(-1, 'the call of this frame is not in the trace') : this.#stop(call, 'finish');
    }
    const exit = ex.frameExit(f);
    if (exit === -1) return this.#boundary(1, 'the frame does not return in the trace');
    const parent = ex.frameParent(f);
    // a root, or an async call whose caller already returned, continues with whatever ran next
    const inCaller = parent === -1 ? -1 : ex.nextInFrame(parent, exit);
    const after = inCaller !== -1 ? inCaller : exit + 1 < ex.length ? exit + 1 : -1;
    return after === -1 ? this.#boundary(1, 'nothing runs after the frame returns') : this.#stop(after, 'finish');
  }

  /**
   * The calls the rest of the cursor's statement makes: their Enter events, in order, one per
   * function (its first call), up to its frame's next event of its own. What DAP's "Step Into
   * Target" offers, and `step-into` takes. O(calls): a call's own events are jumped over.
   */
  callsAhead(): number[] {
    const ex = this.execution;
    if (ex.length === 0) return [];
    const f = this.frame;
    const next = ex.nextInFrame(f, this.#index);
    const end = next === -1 ? ex.length : next;
    const out: number[] = [];
    const seen = new Set<number>();
    for (let j = this.#index + 1; j < end; ) {
      const callee = ex.frames[j]!;
      if (ex.kinds[j] !== EventKind.Enter || ex.frameParent(callee) !== f) {
        j++;
        continue;
      }
      const site = ex.frameSite(callee);
      if (!seen.has(site)) out.push(j);
      seen.add(site);
      const back = handsBack(ex, callee, j);
      if (back === -1) break;
      j = back + 1;
    }
    return out;
  }

  /** step into the call entered at event `enter`, one of callsAhead(): the calls before it run, as `next` runs them. */
  stepInto(enter: number): Stop {
    if (!this.callsAhead().includes(enter)) throw new RangeError(`event ${enter} is not a call the rest of this statement makes (callsAhead)`);
    return this.#stop(enter, 'step');
  }

  /**
   * continue (reverse-continue): to the next (previous) hit of any breakpoint whose hit count and
   * condition accept it; "end" ("start") when there is none. Hits come from the occurrence lists
   * by binary search; only candidate hits are visited.
   */
  continue(direction: Direction = 'forward'): Stop {
    const reverse = direction === 'reverse';
    const bps = [...this.#breakpoints.values()];
    let pos = this.#index;
    for (;;) {
      let best = -1;
      for (const bp of bps) {
        const h = bp.nextHit(pos, reverse);
        if (h !== -1 && (best === -1 || (reverse ? h > best : h < best))) best = h;
      }
      if (best === -1) return this.#boundary(reverse ? -1 : 1, `no breakpoint hit ${reverse ? 'before' : 'after'} this point`);
      const hit: number[] = [];
      for (const bp of bps) {
        if (bp.nextHit(reverse ? best + 1 : best - 1, reverse) !== best) continue;
        if (bp.spec.condition && !bp.spec.condition(new Cursor(this.execution, best))) continue;
        hit.push(bp.id);
      }
      if (hit.length > 0) {
        this.#index = best;
        this.#returned = false;
        return { index: best, reason: 'breakpoint', breakpoints: hit };
      }
      pos = best;
    }
  }

  /** To event i (clamped); with `returned`, just after its frame returned, where it can stand there (Cursor.returned). */
  goto(index: number, returned = false): Stop {
    const i = this.#clamp(index);
    return this.#stop(i, 'goto', returned && returnsToCaller(this.execution, i));
  }

  /** To the first event at or after time t (the last event when t is later than all). O(log n). */
  gotoTime(t: number): Stop {
    const i = this.execution.indexAtTime(t);
    return this.#stop(i === -1 ? 0 : i, 'goto');
  }

  /** The frames from the current one to the root. O(depth). */
  backtrace(): BacktraceFrame[] {
    return backtraceAt(this.execution, this.#index, this.#returned);
  }

  /** Resolves and adds a breakpoint; it applies to continue in both directions. */
  addBreakpoint(spec: BreakpointSpec): Breakpoint {
    const bp = new ResolvedBreakpoint(this.#nextBreakpointId++, spec, this.execution);
    this.#breakpoints.set(bp.id, bp);
    return bp;
  }

  removeBreakpoint(id: number): boolean {
    return this.#breakpoints.delete(id);
  }

  clearBreakpoints(): void {
    this.#breakpoints.clear();
  }

  get breakpoints(): Breakpoint[] {
    return [...this.#breakpoints.values()];
  }

  /**
   * Where leaving frame f this way stands in its caller mid-statement (Cursor.returned), or -1:
   * forward, just after it returned (its end returnsToCaller); backwards, just before its call, when
   * the same statement made a call before it that had returned there.
   */
  #inCaller(f: number, direction: Direction): number {
    const ex = this.execution;
    if (direction === 'forward') {
      const exit = ex.frameExit(f);
      return returnsToCaller(ex, exit) ? exit : -1;
    }
    const before = ex.frameEnter(f) - 1;
    const parent = ex.frameParent(f);
    return parent !== -1 && before >= 0 && ex.frames[before] !== parent && ex.frameParent(ex.frames[before]!) === parent && returnsToCaller(ex, before) ? before : -1;
  }

  #stop(index: number, reason: StopReason, returned = false): Stop {
    this.#index = index;
    this.#returned = returned;
    return returned ? { index, reason, returned } : { index, reason };
  }

  #boundary(d: number, what: string): Stop {
    const ex = this.execution;
    this.#returned = false;
    if (d < 0) {
      this.#index = 0;
      return { index: 0, reason: 'start', message: `start of trace: ${what}` };
    }
    this.#index = Math.max(0, ex.length - 1);
    return { index: this.#index, reason: 'end', message: `end of trace: ${what}` };
  }

  #clamp(i: number): number {
    const last = this.execution.length - 1;
    if (!(i > 0) || last <= 0) return 0;
    return Math.min(Math.floor(i), last);
  }
}

/**
 * Where frame f, entered at event `enter`, first hands control back to its caller: its Exit or
 * Throw, or a Suspend (an await: the caller goes on with the promise; a generator's yield); -1 when
 * the trace ends first.
 */
function handsBack(ex: Execution, f: number, enter: number): number {
  // a sync call runs in its caller's activation, to its end
  if (ex.frameActivation(f) === ex.frameActivation(ex.frameParent(f))) return ex.frameExit(f);
  for (let j = ex.nextInFrame(f, enter); j !== -1; j = ex.nextInFrame(f, j)) {
    const k = ex.kinds[j];
    if (k === EventKind.Suspend || k === EventKind.Exit || k === EventKind.Throw) return j;
  }
  return -1;
}

/**
 * Whether event `i` ends a frame that returns to its caller mid-statement: the frame's Exit (or the
 * Suspend that ends a generator's run), with a caller in the trace that ran nothing while it ran
 * (not an async call that awaited: its caller went on at the first await, and resumes later).
 */
export function returnsToCaller(ex: Execution, i: number): boolean {
  if (i < 0 || i >= ex.length) return false;
  const kind = ex.kinds[i];
  const f = ex.frames[i]!;
  if ((kind !== EventKind.Exit && kind !== EventKind.Suspend) || ex.frameExit(f) !== i) return false;
  const parent = ex.frameParent(f);
  if (parent === -1 || ex.frameCall(f) === -1) return false;
  const ranMeanwhile = ex.nextInFrame(parent, ex.frameEnter(f));
  return ranMeanwhile === -1 || ranMeanwhile > i;
}

/**
 * The frames live at event `index`, innermost first, each at the event where it stands. With
 * `returned` (Cursor.returned), the frame of `index` has returned: its caller is the innermost,
 * at its call. Where the outermost is a continuation (Execution.continues), the stack of the
 * activation that gave it follows, as an async stack trace shows it (BacktraceFrame.continued).
 * O(depth).
 */
export function backtraceAt(ex: Execution, index: number, returned = false): BacktraceFrame[] {
  if (ex.length === 0) return [];
  const out: BacktraceFrame[] = [];
  let stack = ex.stackAt(index);
  let at = index;
  if (returned) at = ex.frameCall(stack.shift()!);
  for (let continued = false; ; continued = true) {
    stack.forEach((f, k) => {
      out.push({
        frame: f,
        functionSite: ex.frameSite(f),
        site: ex.sites.get(ex.frameSite(f)),
        index: at,
        enterIndex: ex.frameEnter(f),
        callIndex: ex.frameCall(f),
        activation: ex.frameActivation(f),
        synthetic: ex.frameSynthetic(f),
        callerLost: ex.frameSynthetic(f) || ex.frameCallerLost(f),
        ...(continued && k === 0 ? { continued: true as const } : {}),
      });
      at = ex.frameCall(f);
    });
    const root = stack.at(-1);
    if (root === undefined || ex.frameParent(root) !== -1) return out;
    // a continuation: the activation that gave it, where it stood last before it began
    const giver = ex.continuedFrame(ex.continues(ex.frameActivation(root)));
    const last = giver === -1 || giver >= root ? -1 : ex.previousInFrame(giver, ex.frameEnter(root));
    if (last === -1) return out;
    stack = ex.stackAt(last);
    at = last;
  }
}
