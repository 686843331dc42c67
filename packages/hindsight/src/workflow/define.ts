import type { Duration } from '../common/duration.js';
import type { WorkflowContext } from './context.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. Default 10. */
  maxAttempts?: number;
  /** Wait before the first retry. Default 1s. */
  initialInterval?: Duration;
  /** Each wait is the previous times this. Default 2. */
  backoffCoefficient?: number;
  /** No wait is longer than this. Default 100 x initialInterval. */
  maxInterval?: Duration;
  /** Each wait is shortened by a random fraction up to this, so retries do not arrive in lockstep. Default 0.2. */
  jitter?: number;
  /** Error names (or `code`s) that end the step at once. */
  nonRetryableErrors?: string[];
}

export interface StepOptions {
  retry?: RetryPolicy;
  /** Longest time one attempt may take; it is then aborted and retried. */
  startToCloseTimeout?: Duration;
  /** Longest time for all attempts together, retries and waits included. */
  scheduleToCloseTimeout?: Duration;
  /** A long step must call `heartbeat()` at least this often, or the attempt counts as failed. */
  heartbeatTimeout?: Duration;
}

/** What a step function receives besides its arguments. */
export interface StepContext {
  readonly workflowId: string;
  readonly runId: string;
  readonly stepName: string;
  /** Stable across retries, replays and workers: pass it to payment APIs and the like. */
  readonly idempotencyKey: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted when the attempt times out or the workflow is cancelled. */
  readonly signal: AbortSignal;
  /** Progress details from the previous attempt's last heartbeat, to resume from. */
  readonly lastHeartbeat: unknown;
  /** Reports liveness (and optional progress details) for long steps. */
  heartbeat(details?: unknown): void;
}

export type StepFn<A extends unknown[], R> = (ctx: StepContext, ...args: A) => R | Promise<R>;

export interface StepDefinition<A extends unknown[] = unknown[], R = unknown> {
  readonly kind: 'step';
  readonly name: string;
  readonly fn: StepFn<A, R>;
  readonly options: StepOptions;
}

/**
 * Declares a step: a volatile function (network, disk, anything) whose result
 * is recorded once and replayed afterwards. Retried by its policy.
 */
export function step<A extends unknown[], R>(name: string, fn: StepFn<A, R>, options: StepOptions = {}): StepDefinition<A, R> {
  return { kind: 'step', name, fn, options };
}

export interface WorkflowOptions {
  /** Task queue new runs go to unless the starter says otherwise. Default 'default'. */
  taskQueue?: string;
}

export type WorkflowFn<I, O> = (ctx: WorkflowContext, input: I) => Promise<O>;

export interface WorkflowDefinition<I = any, O = any> {
  readonly kind: 'workflow';
  readonly name: string;
  readonly fn: WorkflowFn<I, O>;
  readonly options: WorkflowOptions;
}

/** Declares a workflow: a deterministic async function whose run is durable. */
export function workflow<I, O>(name: string, fn: WorkflowFn<I, O>, options: WorkflowOptions = {}): WorkflowDefinition<I, O> {
  return { kind: 'workflow', name, fn, options };
}

export const isWorkflowDefinition = (v: unknown): v is WorkflowDefinition =>
  typeof v === 'object' && v !== null && (v as WorkflowDefinition).kind === 'workflow' && typeof (v as WorkflowDefinition).fn === 'function';
