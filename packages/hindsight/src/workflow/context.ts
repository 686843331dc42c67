import type { Duration } from '../common/duration.js';
import type { StepDefinition, WorkflowDefinition } from './define.js';

export interface ChildOptions {
  /** Default: `<parent workflow id>/<child name>-<seq>`, stable across replays. */
  workflowId?: string;
  taskQueue?: string;
}

export interface SignalWaitOptions {
  /** Give up after this long; the wait then resolves to `undefined`. */
  timeout?: Duration;
}

/**
 * What workflow code talks to instead of the outside world. Every method is
 * deterministic: on replay it returns what it returned the first time.
 */
export interface WorkflowContext {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
  readonly taskQueue: string;
  /** True while the code re-runs events already in the history (log only when false). */
  readonly isReplaying: boolean;
  /** True once cancellation was requested. */
  readonly isCancelled: boolean;

  /** Runs a step, or returns its recorded result. */
  step<A extends unknown[], R>(step: StepDefinition<A, R>, ...args: A): Promise<Awaited<R>>;

  /** A durable timer: stored, survives restarts, fires once. */
  sleep(duration: Duration): Promise<void>;

  /** The workflow's time: when the event being handled was recorded (`Date.now()` in workflow code gives the same). */
  now(): number;
  /** Deterministic, seeded per run (`Math.random()` in workflow code gives the same). */
  random(): number;
  /** A deterministic UUID v4. */
  uuid(): string;

  /**
   * The next signal of that name (signals that arrived earlier are queued),
   * or `undefined` if the timeout passed first.
   */
  waitForSignal<T = unknown>(name: string, options?: SignalWaitOptions): Promise<T | undefined>;

  /** Answers queries by name with the workflow's current state. Handlers must not change state. */
  onQuery(name: string, handler: (...args: any[]) => unknown): void;

  /** Starts a child workflow and waits for its result. */
  child<I, O>(workflow: WorkflowDefinition<I, O>, input: I, options?: ChildOptions): Promise<O>;

  /** Ends this run and starts a fresh one with the same workflow id and an empty history. */
  continueAsNew(input: unknown): never;

  /**
   * Versioning: true when this run takes the code path added with `patchId`
   * (new runs), false when it replays a history recorded before the patch.
   */
  patched(patchId: string): boolean;
}
