import { EventKind, type Execution } from '../trace/index.js';
import { frameTimes } from './frame-times.js';
import { frameNamer, shortName } from './names.js';

/**
 * One request: a root async activation, from its root frame's entry to its exit. The frame spans
 * every await of the activation, so the duration includes everything the request awaited.
 */
export interface Request {
  /** The root frame. */
  readonly frame: number;
  readonly activation: number;
  /**
   * The root frame's function name: requests are grouped by it. An anonymous function (a callback
   * written inline) is named by where it is defined, `<anonymous> server.ts:19`: two such callbacks
   * are two entry points, not one.
   */
  readonly entry: string;
  /** The root frame's function site. */
  readonly site: number;
  /** ms, in the execution's clock. */
  readonly start: number;
  readonly end: number;
  readonly duration: number;
  /** The event it ends at: its root frame's exit, or where what that returned ended (`return load(id)`); -1 when the trace ends first. */
  readonly endIndex: number;
  /**
   * The root frame of the synchronous callback that started this request, -1 when the event loop
   * called the request's own root: an HTTP listener or a router that calls an async handler
   * without awaiting it, a timer's callback that starts a job. The request began with that
   * callback, so its start is the callback's; the callback is not a request of its own.
   */
  readonly dispatch: number;
  /**
   * False when the trace does not hold the whole request: it began inside it (a synthetic frame,
   * whose start is the trace's first event) or ended inside it (no exit; its end is the last event).
   * Latency figures count complete requests only.
   */
  readonly complete: boolean;
  /**
   * The root frames of its continuations, in the order they ran: the `.then` callbacks (and
   * functions given to `queueMicrotask`, `process.nextTick`, `setImmediate`) that its code wrote,
   * which the event loop called later on its behalf (Execution.continues), and theirs in turn. The
   * request goes on until the last of them ends; they are not requests of their own.
   */
  readonly continuations: readonly number[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The continuations of a request that has none: one array for all. */
const NONE: readonly number[] = Object.freeze([]);

/**
 * Whether frame f is the root of a root activation: a unit of work the event loop started.
 *
 * f is the first frame of its activation (it has no caller, or its caller runs in another
 * activation: an async call), and nothing waited for it to finish: it has no caller (the event loop
 * called it: a timer, an I/O callback, an HTTP request listener), or the activation that called it
 * was over before it was (an async call fired and not awaited: a request handler started by a
 * router). An async call the calling activation awaits ends before that activation does and is
 * part of its request, even when it was made through a callback that returned at once
 * (`Promise.all(ids.map((id) => load(id)))`), as is one it returned (`return load(id)`: see
 * returnedBy), and a run of a generator that has a caller.
 */
export function isRootActivation(ex: Execution, f: number): boolean {
  const parent = ex.frameParent(f);
  if (parent === -1) return true;
  if (ex.frameActivation(parent) === ex.frameActivation(f)) return false;
  // a step of the iteration its caller drives, however long it awaits (an async generator's run
  // under a yield* outlives the run of the outer one that called it)
  if (ex.kinds[ex.frameEnter(f)] === EventKind.Resume && !ex.frameSynthetic(f)) return false;
  const caller = outermostInActivation(ex, parent);
  const callerEnd = settles(ex, caller);
  if (callerEnd === -1) return false; // the caller is still running when the trace ends
  const end = settles(ex, f);
  return (end === -1 || callerEnd < end) && !returnedBy(ex, caller, f);
}

/** The first frame of frame f's activation: f's outermost caller that runs in it. */
function outermostInActivation(ex: Execution, f: number): number {
  const activation = ex.frameActivation(f);
  let root = f;
  for (let up = ex.frameParent(root); up !== -1 && ex.frameActivation(up) === activation; up = ex.frameParent(up)) root = up;
  return root;
}

/**
 * Whether async call f was made by the `return` that ended its caller (frame `caller`, an async
 * function: `return db.read(key)`, `return Promise.all(keys.map(read))`): the caller's promise then
 * follows f's, so whoever awaits the caller waits for f too, though the caller's frame is over.
 */
function returnedBy(ex: Execution, caller: number, f: number): boolean {
  const statement = finalReturn(ex, caller);
  const enter = ex.frameEnter(f);
  return statement !== -1 && statement < enter && enter < ex.frameExit(caller);
}

/** The event of the `return` of a value that ended frame f, an async function's (Site.returnsValue); -1 when none did. */
function finalReturn(ex: Execution, f: number): number {
  const exit = ex.frameExit(f);
  if (exit === -1 || ex.kinds[exit] !== EventKind.Exit || ex.sites.get(ex.frameSite(f))?.async !== true) return -1;
  const statement = ex.previousInFrame(f, exit);
  return statement !== -1 && ex.kinds[statement] === EventKind.Statement && ex.siteOf(statement)?.returnsValue === true ? statement : -1;
}

const settledCache = new WeakMap<Execution, Map<number, number>>();

/**
 * The event where frame f's work ends: its exit, or, for a frame that returned async calls
 * (returnedBy), the exit of the last of them, or of what that returned in turn; -1 when the trace
 * ends first. Memoized per Execution, which is immutable.
 */
function settles(ex: Execution, f: number): number {
  const exit = ex.frameExit(f);
  const statement = finalReturn(ex, f);
  if (statement === -1) return exit;
  let memo = settledCache.get(ex);
  if (!memo) settledCache.set(ex, (memo = new Map()));
  const known = memo.get(f);
  if (known !== undefined) return known;
  const activation = ex.frameActivation(f);
  let end = exit;
  // the calls the statement made: its own activation's, directly or from a callback
  for (let i = statement + 1; i < exit && end !== -1; i++) {
    if (ex.kinds[i] !== EventKind.Enter) continue;
    const g = ex.frames[i]!;
    const parent = ex.frameParent(g);
    if (parent === -1 || ex.frameActivation(parent) !== activation || ex.frameActivation(g) === activation) continue;
    const settled = settles(ex, g);
    end = settled === -1 ? -1 : Math.max(end, settled);
  }
  memo.set(f, end);
  return end;
}

/**
 * Every request of the execution, in the order they started: each root activation, except a
 * synchronous callback that started requests of its own (their dispatch; see Request.dispatch),
 * which would otherwise count as a request of a few microseconds per real one, and a module's
 * body, which is the program starting, unless the program did all its work there (a script, a
 * job run at the top level): then its bodies are its units of work. With `startUp`, the modules'
 * bodies are kept (the debugger's lanes: a crash at start-up runs in one). O(frames).
 */
export function requests(ex: Execution, { startUp = false } = {}): Request[] {
  const out: Mutable<Request>[] = [];
  const dispatches = new Map<number, number>();
  const name = frameNamer(ex);
  const times = frameTimes(ex);
  const named = namedFrame(ex);
  const owners = new RequestOwners(ex);
  for (let f = 0; f < ex.frameCount; f++) {
    if (!isRootActivation(ex, f)) {
      owners.inherit(f);
      continue;
    }
    // a request goes on until what it returned ends
    const settled = settles(ex, f);
    const end = settled === ex.frameExit(f) ? times.end[f]! : settled === -1 ? ex.time(ex.length - 1) : ex.time(settled);
    // one whose caller is lost may be part of a request that began before the trace
    const complete = !ex.frameSynthetic(f) && !ex.frameCallerLost(f) && ex.frameExit(f) !== -1 && settled !== -1;
    // a continuation: its request goes on until it ends (one of a sync callback that dispatched a request is that request's)
    const of = owners.continued(f);
    const continued = of !== undefined && dispatches.has(out[of]!.frame) ? dispatches.get(out[of]!.frame) : of;
    if (continued !== undefined) {
      const r = out[continued]!;
      if (r.continuations === NONE) r.continuations = [];
      (r.continuations as number[]).push(f);
      r.end = Math.max(r.end, end);
      r.duration = r.end - r.start;
      r.endIndex = r.endIndex === -1 || settled === -1 ? -1 : Math.max(r.endIndex, settled);
      r.complete &&= complete;
      owners.join(f, continued);
      continue;
    }
    const dispatch = dispatchOf(ex, f);
    if (dispatch !== -1 && !dispatches.has(dispatch)) dispatches.set(dispatch, out.length);
    const start = times.start[dispatch === -1 ? f : dispatch]!;
    owners.join(f, dispatch === -1 ? out.length : dispatches.get(dispatch)!);
    out.push({ frame: f, activation: ex.frameActivation(f), entry: shortName(name(named(f))), site: ex.frameSite(f), start, end, duration: end - start, endIndex: settled, dispatch, complete, continuations: NONE });
  }
  const work = out.filter((r) => !dispatches.has(r.frame));
  const loading = (r: Request) => ex.sites.get(r.site)?.module === true;
  const served = !startUp && work.some((r) => !loading(r)) ? work.filter((r) => !loading(r)) : work;
  // synthetic frames are made when their first event is seen, not at their (unseen) entry
  return served.sort((a, b) => a.start - b.start || a.frame - b.frame);
}

/** The root frames of request r's work: its own, then its continuations'. */
export function requestRoots(r: Request): number[] {
  return [r.frame, ...r.continuations];
}

/**
 * Which request each frame belongs to (its index in requests()' list), frame by frame in order: a
 * frame's callers and the activation a continuation continues come before it. Kept only where the
 * trace has continuations (Execution.hasContinuations).
 */
class RequestOwners {
  readonly #ex: Execution;
  /** Per frame: the request it belongs to, -1 for none yet; empty without continuations. */
  readonly #owner: Int32Array;

  constructor(ex: Execution) {
    this.#ex = ex;
    this.#owner = new Int32Array(ex.hasContinuations ? ex.frameCount : 0).fill(-1);
  }

  /** Frame f, not the root of an activation the event loop started, belongs to its caller's request. */
  inherit(f: number): void {
    if (this.#owner.length > 0) this.#owner[f] = this.#owner[this.#ex.frameParent(f)]!;
  }

  /** Root frame f belongs to request `r` (its own, or the one a dispatch or continuation is part of). */
  join(f: number, r: number): void {
    if (this.#owner.length > 0) this.#owner[f] = r;
  }

  /** The request root frame f is a continuation of (an activation of it gave the callback), or undefined. */
  continued(f: number): number | undefined {
    const ex = this.#ex;
    if (this.#owner.length === 0 || ex.frameParent(f) !== -1) return undefined;
    const from = ex.continuedFrame(ex.continues(ex.frameActivation(f)));
    const r = from === -1 || from >= f ? -1 : this.#owner[from]!;
    return r === -1 ? undefined : r;
  }
}

/**
 * The frame a request goes by: its root, or where the trace made that up (a caller for a return
 * whose call it lost, with no event of its own: no site), the first callee of it that has a name.
 */
function namedFrame(ex: Execution): (f: number) => number {
  const firstCallee = new Map<number, number>();
  for (let f = 0; f < ex.frameCount; f++) {
    const p = ex.frameParent(f);
    if (p >= 0 && ex.frameSite(p) < 0 && !firstCallee.has(p)) firstCallee.set(p, f);
  }
  return (f) => {
    let g = f;
    while (ex.frameSite(g) < 0 && firstCallee.has(g)) g = firstCallee.get(g)!;
    return g;
  };
}

/**
 * The synchronous callback that started root activation f, or -1: the first frame of its caller's
 * activation, when the event loop called that frame (a sync activation begins only there) and it
 * is a plain function (an async one, a generator or a module's body is a unit of work of its own,
 * and what it starts without awaiting is another request).
 */
function dispatchOf(ex: Execution, f: number): number {
  const parent = ex.frameParent(f);
  if (parent === -1) return -1;
  const root = outermostInActivation(ex, parent);
  // a callback the trace began inside is not seen whole: what it started is timed from its own start
  if (ex.frameParent(root) !== -1 || ex.frameSynthetic(root)) return -1;
  const site = ex.sites.get(ex.frameSite(root));
  return site?.kind === 'function' && !site.async && !site.generator && !site.module ? root : -1;
}
