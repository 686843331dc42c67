import { HindsightError } from '../common/errors.js';
import type { FailureInfo } from '../history/index.js';

/** Thrown by a step to stop its retries at once (a declined card will not be accepted on retry). */
export class NonRetryableError extends Error {
  readonly nonRetryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Raised in workflow code when a step gave up (retries exhausted, a non-retryable
 * error, a timeout). `failure` is the step's last error as recorded; the same
 * object comes back on replay, so branching on `failure.name` is deterministic.
 */
export class StepFailedError extends HindsightError {
  constructor(
    readonly stepName: string,
    readonly attempts: number,
    readonly failure: FailureInfo,
  ) {
    super(
      'HS_E_STEP_FAILED',
      `step '${stepName}' failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${failure.name}: ${failure.message}`,
      // The step's own error (with its stack in user code) travels along as the cause.
      { cause: rebuild(failure) },
    );
  }
}

/** An Error standing for a recorded failure: same name, message, code and stack on every replay. */
export function rebuild(info: FailureInfo): Error {
  const err = new Error(info.message, info.cause ? { cause: rebuild(info.cause) } : undefined);
  err.name = info.name;
  if (info.stack) err.stack = info.stack;
  if (info.code) (err as Error & { code?: string }).code = info.code;
  return err;
}

/** One attempt of a step ran longer than its start-to-close timeout, or missed its heartbeat. */
export class StepTimeoutError extends HindsightError {
  constructor(
    stepName: string,
    readonly kind: 'start-to-close' | 'schedule-to-close' | 'heartbeat',
    limitMs: number,
    options?: { cause?: unknown },
  ) {
    super('HS_E_STEP_TIMEOUT', `step '${stepName}' exceeded its ${kind} timeout of ${limitMs}ms`, options);
  }
}

/** An attempt of a step was running when its worker died (the process was killed, crashed, ran out of memory). */
export class StepLostError extends HindsightError {
  constructor(stepName: string, attempt: number) {
    super('HS_E_STEP_LOST', `attempt ${attempt} of step '${stepName}' was lost with its worker (killed, crashed or out of memory)`);
  }
}

export class ChildWorkflowFailedError extends HindsightError {
  constructor(
    readonly workflowId: string,
    readonly failure: FailureInfo,
  ) {
    super('HS_E_CHILD_FAILED', `child workflow ${workflowId} failed: ${failure.name}: ${failure.message}`, { cause: rebuild(failure) });
  }
}

/**
 * Raised at the workflow's pending operations when the run is cancelled.
 * Cleanup code (finally blocks, compensating steps) still runs; a workflow
 * that lets it escape ends CANCELLED.
 */
export class CancelledError extends HindsightError {
  constructor(reason: string) {
    super('HS_E_CANCELLED', `workflow cancelled: ${reason}`);
  }
}

/**
 * The workflow code does not do what its history says it did: the code changed
 * in a way that is not covered by a `ctx.patched()` marker, or the code is not
 * deterministic. The run is parked as BLOCKED with this report; it is not failed.
 */
export class NonDeterminismError extends HindsightError {
  constructor(
    message: string,
    readonly details: { eventId?: number; expected?: string; actual?: string; location?: string },
  ) {
    super('HS_E_NON_DETERMINISM', message);
  }
}

/** Workflow code used something that cannot be replayed (a real timer, I/O, ...). */
export class DeterminismViolationError extends HindsightError {
  constructor(what: string, advice: string, location?: string) {
    super(
      'HS_E_DETERMINISM_VIOLATION',
      `workflow code called ${what}${location ? ` at ${location}` : ''}: it cannot be replayed; ${advice}`,
    );
  }
}
