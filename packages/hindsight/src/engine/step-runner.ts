import type { Clock } from '../common/clock.js';
import { toMillis } from '../common/duration.js';
import { recordable } from '../common/serialize.js';
import type { FailureInfo, StepCompleted, StepFailed, StepRetrying } from '../history/index.js';
import type { RetryPolicy, StepContext, StepDefinition } from '../workflow/define.js';
import { StepLostError, StepTimeoutError } from '../workflow/errors.js';
import { toFailure } from './failure.js';
import { realClearTimeout, realRandom, realSetTimeout } from './timers.js';

export interface StepTask {
  workflowId: string;
  runId: string;
  seq: number;
  step: StepDefinition<any[], any>;
  args: unknown[];
  attempt: number;
  /** Workflow time the step was first scheduled: schedule-to-close counts from here. */
  scheduledAt: number;
  /** Do not start the (next) attempt before this time: a durable backoff. */
  startAt: number;
  lastError?: FailureInfo;
  /** This attempt was recorded as started and then lost with its worker: it counts as failed. */
  lostAttempt?: number;
}

export interface StepHooks {
  /** An attempt begins. */
  started(attempt: number): void;
  /** An attempt failed and another will follow at `nextAttemptAt`. */
  retrying(event: StepRetrying): void;
  /** The step is over: recorded result or final failure. */
  done(event: StepCompleted | StepFailed): void;
}

const DEFAULT_RETRY = { maxAttempts: 10, initialInterval: 1000, backoffCoefficient: 2, jitter: 0.2 };

/** Wait before attempt `attempt + 1`, after `attempt` failed. */
export function backoff(policy: RetryPolicy | undefined, attempt: number, random: () => number = realRandom): number {
  const initial = toMillis(policy?.initialInterval ?? DEFAULT_RETRY.initialInterval, 'retry initialInterval');
  const max = toMillis(policy?.maxInterval ?? initial * 100, 'retry maxInterval');
  const coefficient = policy?.backoffCoefficient ?? DEFAULT_RETRY.backoffCoefficient;
  const jitter = policy?.jitter ?? DEFAULT_RETRY.jitter;
  const base = Math.min(initial * coefficient ** (attempt - 1), max);
  return Math.round(base * (1 - jitter * random()));
}

/**
 * Runs one step: attempts with timeouts and heartbeats, backoff between them,
 * until it succeeds or gives up. Hosts start it outside activation chains, so
 * step code sees the real clock and real randomness.
 */
export class StepRunner {
  constructor(private readonly clock: Clock) {}

  run(task: StepTask, hooks: StepHooks): { abort(reason: string): void } {
    const controller = { aborted: false, current: null as LazyAbort | null };
    const abort = (reason: string) => {
      controller.aborted = true;
      controller.current?.abort(new Error(reason));
    };
    void this.attempts(task, hooks, controller);
    return { abort };
  }

  private async attempts(
    task: StepTask,
    hooks: StepHooks,
    controller: { aborted: boolean; current: LazyAbort | null },
  ): Promise<void> {
    const { step } = task;
    const policy = step.options.retry;
    const maxAttempts = policy?.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
    const s2c = step.options.scheduleToCloseTimeout ? toMillis(step.options.scheduleToCloseTimeout) : Infinity;
    let lastHeartbeat: unknown = undefined;
    let attempt = task.attempt;
    let startAt = task.startAt;
    // No backoff after a lost attempt: its worker died (or stopped), which says nothing against the step.
    const lost = task.lostAttempt;
    if (lost !== undefined && lost >= maxAttempts) {
      return hooks.done(this.failed(task, lost, toFailure(new StepLostError(step.name, lost))));
    }
    for (;;) {
      if (startAt > this.clock.now()) await this.waitUntil(startAt);
      if (controller.aborted) return;
      const ac = new LazyAbort();
      controller.current = ac;
      hooks.started(attempt);
      const budget = task.scheduledAt + s2c - this.clock.now();
      const outcome = await this.attempt(task, attempt, ac, lastHeartbeat, (d) => (lastHeartbeat = d), budget);
      if (controller.aborted) return;
      if (outcome.ok) {
        try {
          const result = recordable(outcome.value, `result of step '${step.name}'`);
          return hooks.done({ type: 'StepCompleted', seq: task.seq, name: step.name, args: task.args, result, attempts: attempt });
        } catch (err) {
          return hooks.done(this.failed(task, attempt, toFailure(err)));
        }
      }
      const error = toFailure(outcome.error);
      const now = this.clock.now();
      const wait = backoff(policy, attempt);
      if (isBudgetTimeout(outcome.error)) return hooks.done(this.failed(task, attempt, error));
      if (now + wait - task.scheduledAt >= s2c) {
        // The next attempt would start past the budget: give up now, as a schedule-to-close timeout.
        const timeout = new StepTimeoutError(step.name, 'schedule-to-close', s2c, { cause: outcome.error });
        return hooks.done(this.failed(task, attempt, toFailure(timeout)));
      }
      const final =
        error.nonRetryable ||
        (policy?.nonRetryableErrors ?? []).some((n) => n === error.name || n === error.code) ||
        attempt >= maxAttempts;
      if (final) return hooks.done(this.failed(task, attempt, error));
      hooks.retrying({ type: 'StepRetrying', seq: task.seq, name: step.name, attempt, error, nextAttemptAt: now + wait });
      attempt++;
      startAt = now + wait;
    }
  }

  private failed(task: StepTask, attempts: number, error: FailureInfo): StepFailed {
    return { type: 'StepFailed', seq: task.seq, name: task.step.name, args: task.args, error, attempts };
  }

  private waitUntil(at: number): Promise<void> {
    if (at <= this.clock.now()) return Promise.resolve();
    return new Promise((resolve) => this.clock.at(at, resolve));
  }

  private async attempt(
    task: StepTask,
    attempt: number,
    ac: LazyAbort,
    lastHeartbeat: unknown,
    onHeartbeat: (details: unknown) => void,
    budgetMs: number,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
    const { step } = task;
    const limits: { kind: 'start-to-close' | 'schedule-to-close'; ms: number }[] = [];
    if (step.options.startToCloseTimeout) limits.push({ kind: 'start-to-close', ms: toMillis(step.options.startToCloseTimeout) });
    if (Number.isFinite(budgetMs)) limits.push({ kind: 'schedule-to-close', ms: Math.max(0, budgetMs) });
    const heartbeatMs = step.options.heartbeatTimeout ? toMillis(step.options.heartbeatTimeout) : undefined;
    let beatAt = this.clock.now();
    const sctx: StepContext = {
      workflowId: task.workflowId,
      runId: task.runId,
      stepName: step.name,
      idempotencyKey: `${task.workflowId}/${task.runId}/${task.seq}`,
      attempt,
      get signal() {
        return ac.signal;
      },
      lastHeartbeat,
      heartbeat: (details?: unknown) => {
        beatAt = this.clock.now();
        if (details !== undefined) onHeartbeat(details);
      },
    };
    const run = (async () => step.fn(sctx, ...task.args))().then(
      (value) => ({ ok: true as const, value }),
      (error) => ({ ok: false as const, error }),
    );
    if (limits.length === 0 && heartbeatMs === undefined) return run; // nothing to race against
    const timers: ReturnType<typeof realSetTimeout>[] = [];
    const timedOut = new Promise<{ ok: false; error: unknown }>((resolve) => {
      for (const { kind, ms } of limits) {
        timers.push(realSetTimeout(() => {
          const limit = kind === 'schedule-to-close' ? toMillis(step.options.scheduleToCloseTimeout!) : ms;
          const error = new StepTimeoutError(step.name, kind, limit);
          ac.abort(error);
          resolve({ ok: false, error });
        }, ms));
      }
      if (heartbeatMs !== undefined) {
        const check = () => {
          if (this.clock.now() - beatAt > heartbeatMs) {
            const error = new StepTimeoutError(step.name, 'heartbeat', heartbeatMs);
            ac.abort(error);
            return resolve({ ok: false, error });
          }
          timers.push(realSetTimeout(check, heartbeatMs / 2));
        };
        timers.push(realSetTimeout(check, heartbeatMs));
      }
    });
    try {
      return await Promise.race([run, timedOut]);
    } finally {
      for (const t of timers) realClearTimeout(t);
    }
  }
}

function isBudgetTimeout(err: unknown): boolean {
  return err instanceof StepTimeoutError && err.kind === 'schedule-to-close';
}

/**
 * An AbortController made only when a step reads `ctx.signal` or something
 * aborts it: most steps never look, and a controller per attempt adds up.
 */
class LazyAbort {
  private controller: AbortController | null = null;
  private reason: unknown;
  private aborted = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
