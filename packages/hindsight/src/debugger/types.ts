import type { StopReason } from '../timetravel/index.js';
import type { EventKindName, Scope, Value } from '../trace/index.js';

/** Where the cursor stands, in words a front end can print. */
export interface Position {
  /** Event index, 0-based (what `goto` takes). */
  readonly index: number;
  /** Number of events in the trace. */
  readonly total: number;
  readonly kind: EventKindName | 'unknown';
  /** The TypeScript file the site names (absolute), or null for a site the table does not know. */
  readonly file: string | null;
  readonly line: number | null;
  readonly function: string | null;
  /** The text of that source line, or null when the file cannot be read on this machine. */
  readonly source: string | null;
  /** Just after a call returned (Cursor.returned): the function it returned from; the place is the caller's statement that called it. */
  readonly returnedFrom?: string;
}

/** A watched value's change: at `index` it is first seen as `to`; the statement at `by` (on `line`) changed it. */
export interface WatchChange {
  readonly index: number;
  readonly by: number;
  readonly line: number | null;
  readonly from: string;
  readonly to: string;
}

/** One hit of a logpoint (`log`): its event, when (ms on the trace's clock), and its message with the values put in. */
export interface LogLine {
  readonly index: number;
  readonly time: number;
  readonly text: string;
}

export interface StopView extends Position {
  readonly reason: StopReason;
  /** For a catchpoint's stop (`catch throw`): its id; the cursor is at a statement that threw. */
  readonly caught?: number;
  /** For a watchpoint's stop: which watch, and the change that stopped it. */
  readonly watch?: { readonly id: number; readonly expression: string } & WatchChange;
  /** For 'start'/'end': what was looked for and not found. */
  readonly message?: string;
  /** For 'breakpoint': the ids that stopped here. */
  readonly breakpoints?: readonly number[];
  /** The step results the code awaits or just received here (their code is not replayed). */
  readonly history?: readonly HistoryNote[];
  /** Just after a return (Position.returnedFrom): what the function returned, where the values source sees it. */
  readonly returnValue?: string;
}

/**
 * A step's recorded result, told at a stop where the code waits for it ('awaits': the frame's
 * statement awaits it, and it is delivered next) or has just got it ('received').
 */
export interface HistoryNote {
  /** The history event's id (`goto #id`). */
  readonly id: number;
  readonly type: 'StepCompleted' | 'StepFailed';
  /** The step's name. */
  readonly name: string;
  readonly at: 'awaits' | 'received';
  /** The step's recorded arguments. */
  readonly input: readonly unknown[];
  readonly result?: unknown;
  readonly error?: { readonly name: string; readonly message: string };
  /** The same in one sentence, values cut short. */
  readonly note: string;
}

/** One line of `info history`. */
export interface HistoryLine {
  readonly id: number;
  readonly type: string;
  /** The step, signal, child workflow type or patch it is about, when there is one. */
  readonly name?: string;
  /** Input, result or error in a few words. */
  readonly summary: string;
  /** Milliseconds since the run started (its WorkflowStarted), for `goto time +<t>`. */
  readonly offset: number;
  /** The trace event where the code reached it; null when it never does (WorkerAttached, past a divergence). */
  readonly index: number | null;
  /** Where it is from the cursor: reached before it, at it, after it, or never. */
  readonly at: 'before' | 'cursor' | 'after' | 'unreached';
}

/** A request of a recording in flight at the cursor (`info threads`), and where it stands. */
export interface ThreadLine {
  readonly id: number;
  readonly name: string;
  /** The cursor is in it. */
  readonly current: boolean;
  /** Its last event at or before the cursor. */
  readonly index: number;
  readonly function: string | null;
  readonly file: string | null;
  readonly line: number | null;
}

export interface BreakpointView {
  readonly id: number;
  /** `file:line` (absolute file), `function <name>`, `watch <expression>` or `catch throw`. */
  readonly location: string;
  readonly hitCount?: number;
  /** An expression evaluated at each hit: it stops only where that is truthy. */
  readonly condition?: string;
  /** How many times its location runs in the whole trace (for a watchpoint: how often the value changes). */
  readonly hits: number;
  /** Said when the location is a step's code: steps are not replayed, their results are recorded. */
  readonly note?: string;
}

export interface FrameLine {
  readonly level: number;
  readonly function: string | null;
  readonly file: string | null;
  readonly line: number | null;
  /** Its event at the cursor, -1 for a frame with none (a synthetic caller that the trace shows nothing of). */
  readonly index: number;
  /** The trace does not hold its caller (a ring that wrapped starts in the middle of the program): its entry, or what called it, was overwritten. */
  readonly callerLost?: true;
  /** Its activation gave the frame above it as a continuation, which the event loop called later (BacktraceFrame.continued). */
  readonly continued?: true;
}

export interface SourceListing {
  readonly file: string;
  readonly current: number;
  readonly lines: readonly { line: number; text: string; current: boolean }[];
}

/** What one command answered; exactly one of stop, result, error (start has both stop and result). */
export type CommandResult =
  | { command: string; stop: StopView; result?: undefined; error?: undefined }
  | { command: string; result: ResultBody; stop?: undefined; error?: undefined }
  | { command: string; error: { code: string; message: string }; stop?: undefined; result?: undefined };

export type ResultBody =
  | { kind: 'breakpoint'; breakpoint: BreakpointView }
  | { kind: 'deleted'; ids: number[] }
  | { kind: 'breakpoints'; breakpoints: BreakpointView[] }
  | { kind: 'backtrace'; frames: FrameLine[]; more?: number }
  | { kind: 'list'; listing: SourceListing }
  /** The cursor's position, or with `level` the frame `frame`, `up` or `down` selected. */
  | { kind: 'where'; position: Position; level?: number }
  | { kind: 'history'; cursor: number; events: HistoryLine[] }
  | { kind: 'threads'; threads: ThreadLine[] }
  | { kind: 'help'; commands: { name: string; aliases: string[]; usage: string; help: string }[] }
  | { kind: 'value'; expression: string; at: number; note?: string; value: Value; text: string }
  | { kind: 'scopes'; at: number; note?: string; scopes: Scope[]; this?: Value }
  | { kind: 'watch'; id: number; expression: string; function: string | null; initial: string; changes: WatchChange[] }
  | { kind: 'log'; location: string; message: string; lines: LogLine[] }
  | { kind: 'message'; message: string }
  | { kind: 'quit' }
  | { kind: 'divergence'; divergence: DivergenceView | null }
  | { kind: 'whatif'; whatif: WhatIfView };

/** A place in the trace, for the two sides of a comparison. */
export interface TracePlace {
  readonly index: number;
  readonly file: string | null;
  readonly line: number | null;
  readonly function: string | null;
}

/**
 * Where replaying the history against the code at hand stops: the first command the code issues that
 * the history did not record. Both sides, each with where it is.
 */
export interface DivergenceView {
  readonly message: string;
  /** The history's side: the event the code no longer matches (absent when no event is named, as for a determinism violation). */
  readonly recorded?: {
    readonly eventId: number;
    readonly type: string;
    readonly step?: string;
    /** The step's arguments as recorded (only StepCompleted and StepFailed record them). */
    readonly args?: readonly unknown[];
    readonly description: string;
  };
  /** The code's side: what it did instead, and the trace event where it did it (the cursor starts there). */
  readonly code: TracePlace & {
    /** step, child, timer, patch, end (the code ended differently), none (it stopped short) or other. */
    readonly command: string;
    readonly step?: string;
    readonly description: string;
  };
}

/** One side of where two executions part: the event, and the next statement (the arm a branch took). */
export type DifferenceSide = TracePlace & { readonly next: TracePlace | null };

/** How one Execution of a what-if comparison ends. */
export type RunOutcome =
  | { readonly status: 'completed'; readonly value: unknown }
  | { readonly status: 'failed'; readonly error: string }
  | { readonly status: 'cancelled' | 'terminated' | 'continued-as-new'; readonly detail: string }
  /** The code issues a command the history does not have (or stops short of one): the what-if replay ends at that line. */
  | { readonly status: 'diverged'; readonly divergence: DivergenceView }
  /** The code waits for something the history does not hold (a signal, a timer), or the run was still open. */
  | { readonly status: 'waiting'; readonly place: TracePlace };

/** A what-if next to the recorded run: the overrides, where the two executions part, how each ends. */
export interface WhatIfView {
  /** Each override as typed: `step score#1.result`, and the history event it replaces. */
  readonly overrides: readonly { readonly target: string; readonly eventId: number; readonly value: unknown }[];
  /**
   * The first trace event where the executions differ (often a branch that goes the other way), on each
   * side with the statement it goes on to; null when the control flow is the same throughout.
   */
  readonly firstDifference: { readonly recorded: DifferenceSide | null; readonly whatIf: DifferenceSide | null } | null;
  readonly recorded: RunOutcome;
  readonly whatIf: RunOutcome;
  /** Where the cursor is now (in the what-if execution). */
  readonly cursor: Position;
}

/** What a command returns: the cursor moved, or an answer. */
export type Outcome = { stop: StopView } | { result: ResultBody };

/** Bad input to a command: becomes an `error` result; the session stays usable. */
export class DebugError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A function the recorder demoted (the store's DemotedFunction), where that is in the trace: its
 * calls after trace event `from` are not in it; -1 when it was demoted before the trace began.
 */
export interface DemotedCalls {
  readonly functionName: string;
  readonly from: number;
}

/** Which calls of a function demoted from trace event `from` on (DemotedCalls) the trace holds, in words. */
export function demotedCalls(from: number): string {
  return from >= 0 ? `its calls after event ${from} are not in the trace` : 'that was before the trace began, so none of its calls are in it';
}
