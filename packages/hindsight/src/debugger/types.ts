import type { StopReason } from '../timetravel/index.js';
import type { EventKindName } from '../trace/index.js';

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
}

export interface StopView extends Position {
  readonly reason: StopReason;
  /** For 'start'/'end': what was looked for and not found. */
  readonly message?: string;
  /** For 'breakpoint': the ids that stopped here. */
  readonly breakpoints?: readonly number[];
}

export interface BreakpointView {
  readonly id: number;
  /** `file:line` (absolute file) or `function <name>`. */
  readonly location: string;
  readonly hitCount?: number;
  /** How many times its location runs in the whole trace. */
  readonly hits: number;
  /** Said when the location is a step's code: steps are not replayed, their results are recorded. */
  readonly note?: string;
}

export interface FrameLine {
  readonly level: number;
  readonly function: string | null;
  readonly file: string | null;
  readonly line: number | null;
  readonly index: number;
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
  | { kind: 'backtrace'; frames: FrameLine[] }
  | { kind: 'list'; listing: SourceListing }
  | { kind: 'where'; position: Position }
  | { kind: 'help'; commands: { name: string; aliases: string[]; usage: string; help: string }[] }
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
