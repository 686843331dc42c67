/**
 * The events of a workflow run's history. A history is append-only: events are
 * only ever added at the end, each with the next `id` (1, 2, 3, ... no gaps).
 *
 * Events that answer a command of the workflow code carry the command's `seq`
 * (the n-th command the code issued); replay matches them against the code by
 * `seq` and kind, which is how non-determinism is detected.
 */

/** A failure as it is stored: enough to rebuild an Error with its (source-mapped) stack. */
export interface FailureInfo {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  /** Set when the error is known to be final (a non-retryable type, a cancellation). */
  nonRetryable?: boolean;
  cause?: FailureInfo;
}

/** The workflow code version a run was recorded with. */
export interface CodeFingerprint {
  /** Hash over all modules below. */
  hash: string;
  /** Module path (relative to the workflows module's folder) -> content hash. */
  modules: Record<string, string>;
}

export interface WorkflowStarted {
  type: 'WorkflowStarted';
  workflowType: string;
  workflowId: string;
  runId: string;
  taskQueue: string;
  input: unknown;
  code?: CodeFingerprint;
  parent?: { workflowId: string; runId: string; seq: number };
  continuedFrom?: string;
  forkedFrom?: { runId: string; eventId: number };
  /** Seed of the run's deterministic random numbers; default the run id. A fork keeps its source's. */
  seed?: string;
}

/**
 * A worker took the run (first start, a resume after a crash or an idle
 * release) with this code: the history says which worker and which code
 * version produced which events. Written just before the worker's first new
 * event, so a claim that only reads changes nothing. Replay skips it.
 */
export interface WorkerAttached {
  type: 'WorkerAttached';
  workerId: string;
  code: CodeFingerprint;
}

export interface StepCompleted {
  type: 'StepCompleted';
  seq: number;
  name: string;
  args: unknown[];
  result: unknown;
  attempts: number;
}

export interface StepFailed {
  type: 'StepFailed';
  seq: number;
  name: string;
  args: unknown[];
  error: FailureInfo;
  attempts: number;
}

/**
 * An attempt of a step was still running when a group commit went to disk.
 * Fast steps never get one (their result comes first); a slow attempt does,
 * so an attempt that dies with its worker still counts toward maxAttempts.
 */
export interface StepStarted {
  type: 'StepStarted';
  seq: number;
  name: string;
  attempt: number;
}

/** One failed attempt of a step that will be retried; keeps the attempt count durable. */
export interface StepRetrying {
  type: 'StepRetrying';
  seq: number;
  name: string;
  attempt: number;
  error: FailureInfo;
  nextAttemptAt: number;
}

export interface TimerStarted {
  type: 'TimerStarted';
  seq: number;
  fireAt: number;
  duration: number;
}

export interface TimerFired {
  type: 'TimerFired';
  seq: number;
}

export interface TimerCancelled {
  type: 'TimerCancelled';
  seq: number;
}

export interface SignalReceived {
  type: 'SignalReceived';
  name: string;
  payload: unknown;
}

export interface ChildStarted {
  type: 'ChildStarted';
  seq: number;
  workflowType: string;
  workflowId: string;
  runId: string;
}

export interface ChildCompleted {
  type: 'ChildCompleted';
  seq: number;
  result: unknown;
}

export interface ChildFailed {
  type: 'ChildFailed';
  seq: number;
  error: FailureInfo;
}

export interface PatchMarker {
  type: 'PatchMarker';
  seq: number;
  patchId: string;
}

export interface CancelRequested {
  type: 'CancelRequested';
  reason: string;
}

export interface WorkflowCompleted {
  type: 'WorkflowCompleted';
  result: unknown;
}

export interface WorkflowFailed {
  type: 'WorkflowFailed';
  error: FailureInfo;
}

export interface WorkflowCancelled {
  type: 'WorkflowCancelled';
  reason: string;
}

export interface WorkflowContinuedAsNew {
  type: 'WorkflowContinuedAsNew';
  nextRunId: string;
  input: unknown;
}

export interface WorkflowTerminated {
  type: 'WorkflowTerminated';
  reason: string;
}

export type HistoryEvent =
  | WorkflowStarted
  | WorkerAttached
  | StepCompleted
  | StepFailed
  | StepStarted
  | StepRetrying
  | TimerStarted
  | TimerFired
  | TimerCancelled
  | SignalReceived
  | ChildStarted
  | ChildCompleted
  | ChildFailed
  | PatchMarker
  | CancelRequested
  | WorkflowCompleted
  | WorkflowFailed
  | WorkflowCancelled
  | WorkflowContinuedAsNew
  | WorkflowTerminated;

export type EventType = HistoryEvent['type'];

/** An event as stored: its position in the history and when it was recorded. */
export type RecordedEvent<E extends HistoryEvent = HistoryEvent> = E & {
  /** 1-based position in the history; ids are dense. */
  id: number;
  /** Wall-clock milliseconds when recorded; the workflow's `now()` while it handles this event. */
  ts: number;
};

export const CLOSING_EVENTS = new Set<EventType>([
  'WorkflowCompleted',
  'WorkflowFailed',
  'WorkflowCancelled',
  'WorkflowContinuedAsNew',
  'WorkflowTerminated',
]);

export const EVENT_TYPES: readonly EventType[] = [
  'WorkflowStarted',
  'WorkerAttached',
  'StepCompleted',
  'StepFailed',
  'StepStarted',
  'StepRetrying',
  'TimerStarted',
  'TimerFired',
  'TimerCancelled',
  'SignalReceived',
  'ChildStarted',
  'ChildCompleted',
  'ChildFailed',
  'PatchMarker',
  'CancelRequested',
  'WorkflowCompleted',
  'WorkflowFailed',
  'WorkflowCancelled',
  'WorkflowContinuedAsNew',
  'WorkflowTerminated',
];
