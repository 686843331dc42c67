import { countBelow, EventKind, type Execution } from '../trace/index.js';

/**
 * Where exceptions were thrown. An exception that leaves a function leaves a Throw event in each
 * frame it leaves, innermost first: right after the callee's Throw, or after the Resume it makes an
 * awaiting caller take (an async function's rejection), or after the statements of the `finally`
 * blocks it runs on its way (their sites say so). The statement before the innermost Throw, in its
 * frame, threw it. An exception caught in the function that threw it leaves no Throw. One that
 * reaches an awaiting caller through untraced code (`await Promise.all(items.map(load))`, a
 * wrapper of a library's) leaves the trace in between: see rejectedCall.
 */

/** Where the error that killed the process was thrown, and the frames it left on its way out. */
export interface CrashPoint {
  /** The statement that threw it (or the innermost Throw, when the statement is not in the trace). */
  readonly index: number;
  readonly frames: ReadonlySet<number>;
}

/**
 * The throw of the exception the trace ends with, followed back to where it was thrown (a debugger
 * stops there on an uncaught exception, with the whole stack of the throw). Undefined when the
 * trace does not end with a Throw.
 */
export function crashPoint(execution: Execution): CrashPoint | undefined {
  let i = execution.length - 1;
  if (i < 0 || execution.kinds[i] !== EventKind.Throw) return undefined;
  const frames = new Set<number>([execution.frames[i]!]);
  for (let from = passedOn(execution, i); from >= 0; from = passedOn(execution, i)) {
    // the frames it left on its way: the thrower's and its callers' (not those of other calls that
    // ran while it went through untraced code: see rejectedCall)
    const thrower = execution.frames[from]!;
    for (let k = from; k < i; k++) {
      const f = execution.frames[k]!;
      if ((execution.kinds[k] === EventKind.Throw || execution.kinds[k] === EventKind.Resume) && (f === thrower || calledFrom(execution, thrower, f))) frames.add(f);
    }
    i = from;
  }
  return { index: throwingStatement(execution, i), frames };
}

/** Where each exception that left a function was thrown (the statements that threw, ascending): not its way out. */
export function throwPoints(execution: Execution): Uint32Array {
  const out = new Set<number>();
  for (const i of throwEvents(execution)) if (passedOn(execution, i) < 0) out.add(throwingStatement(execution, i));
  return Uint32Array.from(out).sort();
}

/**
 * The Throw that Throw event i passes on (the same exception, leaving a callee), or -1 when the
 * exception was thrown in i's own frame. The awaits of an exception's way out (the Resume of each
 * frame awaiting it; a `for await` loop left by it awaits its iterator's return()) stand between.
 */
function passedOn(execution: Execution, i: number): number {
  const { kinds, frames } = execution;
  const f = frames[i]!;
  // its callers' Resumes, and its own await of a `for await` loop's return() as it leaves the loop
  let k = i - 1;
  while (k >= 0 && (kinds[k] === EventKind.Resume || (kinds[k] === EventKind.Suspend && frames[k] === f))) k--;
  if (k >= 0 && kinds[k] === EventKind.Throw) return k;
  const resumed = execution.previousInFrame(f, i);
  if (resumed >= 0 && kinds[resumed] === EventKind.Resume) return rejectedCall(execution, f, resumed);
  // after the finally blocks it ran: the last Throw of a callee before the first of them
  const before = ownBefore(execution, f, i);
  if (before < 0 || kinds[before] !== EventKind.Statement || !inFinally(execution, before) || throwsAnew(execution, before)) return -1;
  let first = before;
  let j = ownBefore(execution, f, before);
  while (j >= 0 && kinds[j] === EventKind.Statement && inFinally(execution, j)) [first, j] = [j, ownBefore(execution, f, j)];
  for (let e = first - 1; e > j; e--) if (kinds[e] === EventKind.Throw && frames[e] !== f) return e;
  return -1;
}

/**
 * Frame f threw as it resumed (event `resumed`) from an await: the Throw of the async call that
 * frame f (through any callees) made and that rejected first while f waited, which the await
 * passes on through whatever untraced code stood between (Promise.all rejects with the first
 * rejection). -1 when there is none: the rejection came from untraced code, and the await is
 * where the exception enters the trace.
 */
function rejectedCall(execution: Execution, f: number, resumed: number): number {
  const waited = execution.previousInFrame(f, resumed);
  if (waited < 0 || execution.kinds[waited] !== EventKind.Suspend) return -1;
  const throws = throwEvents(execution);
  for (let k = countBelow(throws, waited + 1); k < throws.length && throws[k]! < resumed; k++) {
    const e = throws[k]!;
    const callee = execution.frames[e]!;
    if (execution.frameExit(callee) === e && calledFrom(execution, callee, f)) return e;
  }
  return -1;
}

/** Whether frame `callee` was called by frame f, directly or through other frames. */
function calledFrom(execution: Execution, callee: number, f: number): boolean {
  for (let p = execution.frameParent(callee); p >= 0; p = execution.frameParent(p)) if (p === f) return true;
  return false;
}

const throwIndexes = new WeakMap<Execution, Uint32Array>();

/** The Throw events of the execution, ascending: once per Execution (immutable). */
function throwEvents(execution: Execution): Uint32Array {
  let list = throwIndexes.get(execution);
  if (list === undefined) {
    const out: number[] = [];
    for (let i = 0; i < execution.length; i++) if (execution.kinds[i] === EventKind.Throw) out.push(i);
    throwIndexes.set(execution, (list = Uint32Array.from(out)));
  }
  return list;
}

/** The statement before Throw event i, in its frame, and before the finally blocks it ran: it threw; the Throw itself when the trace does not hold it. */
function throwingStatement(execution: Execution, i: number): number {
  const f = execution.frames[i]!;
  let before = ownBefore(execution, f, i);
  while (before >= 0 && execution.kinds[before] === EventKind.Statement && inFinally(execution, before) && !throwsAnew(execution, before)) {
    const earlier = ownBefore(execution, f, before);
    if (earlier < 0 || execution.kinds[earlier] !== EventKind.Statement) break;
    before = earlier;
  }
  return before >= 0 && execution.kinds[before] === EventKind.Statement ? before : i;
}

/**
 * Frame f's event before event i, its awaits (Suspend and Resume) and the branches its statements
 * took passed over (a statement's Branch follows its Statement); -1 for none.
 */
function ownBefore(execution: Execution, f: number, i: number): number {
  let j = execution.previousInFrame(f, i);
  while (j >= 0 && (execution.kinds[j] === EventKind.Suspend || execution.kinds[j] === EventKind.Resume || execution.kinds[j] === EventKind.Branch)) j = execution.previousInFrame(f, j);
  return j;
}

function inFinally(execution: Execution, i: number): boolean {
  return execution.siteOf(i)?.finally === true;
}

/** Statement event i is a `throw` of a `finally` block: the exception after it is a new one, not the one on its way out. */
function throwsAnew(execution: Execution, i: number): boolean {
  return execution.siteOf(i)?.throws === true;
}
