import { systemClock, type Clock } from '../common/clock.js';
import type { CodeFingerprint, FailureInfo, RecordedEvent, WorkerAttached } from '../history/index.js';
import type { InboxMessage, RunAppend, RunStatus, RunUpdate, Store } from '../store/index.js';
import type { WorkflowDefinition } from '../workflow/define.js';
import type { CommitListener, CommitQueue } from './commit-queue.js';
import { afterChain } from './activation.js';
import { RunMachine } from './machine.js';
import { isDeliverable, type Output } from './outputs.js';
import type { StepRunner } from './step-runner.js';
import type { WorkerEvent } from './worker-events.js';

export interface DriverHost {
  readonly workerId: string;
  readonly store: Store;
  readonly queue: CommitQueue;
  readonly clock: Clock;
  readonly steps: StepRunner;
  readonly code: CodeFingerprint;
  ended(driver: RunDriver, how: 'closed' | 'blocked' | 'lost' | 'released'): void;
  emit(event: WorkerEvent): void;
}

export const CLOSED_STATUS: Record<string, RunStatus> = {
  WorkflowCompleted: 'COMPLETED',
  WorkflowFailed: 'FAILED',
  WorkflowCancelled: 'CANCELLED',
  WorkflowContinuedAsNew: 'CONTINUED_AS_NEW',
};

/**
 * Runs one leased run on this worker: executes what its machine asks for
 * (steps, timers, children), makes every new event durable through the group
 * commit, and hands results to the code only once they are committed.
 */
export class RunDriver implements CommitListener {
  readonly machine: RunMachine;
  private readonly steps = new Map<number, { abort(reason: string): void }>();
  private readonly timers = new Map<number, { fireAt: number; cancel(): void }>();
  private readonly seenInbox = new Set<number>();
  /** Attempts running now, and whether their StepStarted is recorded. */
  private readonly attempts = new Map<number, { name: string; attempt: number; recorded: boolean }>();
  private wakeAt: number | null;
  /** Events recorded but not yet durable: the run is busy until they are handed to the code. */
  private uncommitted = 0;
  private ending: 'closed' | 'blocked' | 'released' | null = null;
  private gone = false;
  private lastActivity: number;

  constructor(
    private readonly host: DriverHost,
    readonly epoch: number,
    def: WorkflowDefinition,
    history: RecordedEvent[],
    wakeAt: number | null,
  ) {
    this.wakeAt = wakeAt;
    this.lastActivity = systemClock.now();
    this.machine = new RunMachine({
      def,
      history,
      wallClock: () => host.clock.now(),
      onRecord: (e) => {
        if (this.gone) return;
        this.uncommitted++;
        this.lastActivity = systemClock.now();
        host.queue.append(this.runId, epoch, e, this);
      },
      onActivationDone: () => this.afterActivation(),
      firstRecord: { type: 'WorkerAttached', workerId: host.workerId, code: host.code } satisfies WorkerAttached,
    });
  }

  get runId(): string {
    return this.machine.runId;
  }

  start(): void {
    this.machine.start();
  }

  /** Moves an inbox message into the history (consumed in the same commit). */
  receive(msg: InboxMessage): void {
    // Not before the replay is complete: a run that turns out BLOCKED must keep its history as it was.
    if (this.seenInbox.has(msg.id) || this.machine.state !== 'running' || !this.machine.caughtUp) return;
    this.seenInbox.add(msg.id);
    const d = msg.data;
    if (d.kind === 'signal') this.machine.record({ type: 'SignalReceived', name: d.name, payload: d.payload });
    else if (d.kind === 'cancel') this.machine.record({ type: 'CancelRequested', reason: d.reason });
    else if (d.error) this.machine.record({ type: 'ChildFailed', seq: d.seq, error: d.error });
    else this.machine.record({ type: 'ChildCompleted', seq: d.seq, result: d.result });
    this.host.queue.consume(msg.id);
  }

  /**
   * Waiting only on far timers or signals: worth giving the lease back. Quiet
   * time is wall-clock time; how far the next timer is, is workflow time.
   */
  isIdle(stickyMs: number): boolean {
    if (this.ending || this.steps.size > 0 || this.uncommitted > 0 || !this.machine.caughtUp) return false;
    if (systemClock.now() - this.lastActivity < stickyMs) return false;
    return this.wakeAt === null || this.wakeAt - this.host.clock.now() > stickyMs;
  }

  /** Gives the lease back; `ready` when the run has work now (a stopping worker), not only far timers. */
  release(ready: boolean): void {
    if (this.ending) return;
    this.ending = 'released';
    this.stopAll('the run was released');
    this.host.queue.release(this.runId, this.epoch, ready);
    this.host.queue.update(this.runId, this.epoch, {}, this);
  }

  /** The lease is gone: stop everything, write nothing more. */
  lost(): void {
    if (this.gone) return;
    this.gone = true;
    this.stopAll('the lease was lost');
    this.host.ended(this, 'lost');
  }

  // --- CommitListener --------------------------------------------------------

  committed(append: RunAppend): void {
    if (this.gone) return;
    this.uncommitted -= append.events.length;
    this.lastActivity = systemClock.now();
    for (const e of append.events) if (isDeliverable(e)) this.machine.deliver(e);
    if (this.ending && (append.update?.status !== undefined || this.ending === 'released')) {
      this.gone = true;
      this.host.ended(this, this.ending);
    }
  }

  fenced(): void {
    this.lost();
  }

  // --- machine outputs ---------------------------------------------------------

  private afterActivation(): void {
    const outputs = this.machine.takeOutputs();
    // Steps are user code: they must not run inside the chain of activations.
    afterChain(() => {
      if (this.gone) return;
      this.lastActivity = systemClock.now();
      for (const out of outputs) this.execute(out);
      if (this.machine.state === 'closed' && !this.ending) this.close();
      else if (this.machine.state === 'blocked' && !this.ending) this.block();
      else this.updateWakeAt();
    });
  }

  private execute(out: Output): void {
    switch (out.type) {
      // A later activation of the same chain may have settled or cancelled the command already.
      case 'step':
        return this.machine.awaits(out.seq) ? this.startStep(out) : undefined;
      case 'timer':
        return this.machine.awaits(out.seq) ? this.arm(out.seq, out.fireAt) : undefined;
      case 'cancel-timer':
        this.timers.get(out.seq)?.cancel();
        this.timers.delete(out.seq);
        return;
      case 'start-child':
        return this.startChild(out);
      case 'abort-steps':
        for (const seq of out.seqs) {
          this.steps.get(seq)?.abort(out.reason);
          this.steps.delete(seq);
        }
        return;
      case 'cancel-children':
        for (const runId of out.runIds) {
          this.host.store.send(runId, { kind: 'cancel', reason: `parent cancelled: ${out.reason}` }, this.host.clock.now()).catch(() => {});
        }
        return;
    }
  }

  private startStep(out: Extract<Output, { type: 'step' }>): void {
    const m = this.machine;
    const handle = this.host.steps.run(
      {
        workflowId: m.workflowId, runId: m.runId, seq: out.seq, step: out.step, args: out.args, attempt: out.attempt,
        scheduledAt: out.scheduledAt, startAt: out.startAt,
        ...(out.lastError ? { lastError: out.lastError } : {}),
        ...(out.lostAttempt !== undefined ? { lostAttempt: out.lostAttempt } : {}),
      },
      {
        started: (attempt) => {
          this.attempts.set(out.seq, { name: out.step.name, attempt, recorded: false });
          this.host.queue.beforeFlush(this.recordStartedAttempts);
        },
        retrying: (event) => {
          this.attempts.delete(out.seq);
          if (this.live(out.seq)) {
            m.record(event);
            this.host.emit({ type: 'step-retrying', runId: m.runId, step: out.step.name, attempt: event.attempt, error: event.error.message });
          }
        },
        done: (event) => {
          this.steps.delete(out.seq);
          this.attempts.delete(out.seq);
          if (!this.live(out.seq)) return;
          m.record(event);
          this.host.emit({ type: 'step-executed', runId: m.runId, step: out.step.name, ok: event.type === 'StepCompleted' });
        },
      },
    );
    this.steps.set(out.seq, handle);
  }

  /**
   * A batch is about to go to disk: attempts still running get a StepStarted in
   * it, so one that dies with this worker counts toward maxAttempts. Attempts
   * that finish first (most) cost nothing.
   */
  private readonly recordStartedAttempts = (): void => {
    for (const [seq, a] of this.attempts) {
      if (a.recorded || !this.live(seq)) continue;
      a.recorded = true;
      this.machine.record({ type: 'StepStarted', seq, name: a.name, attempt: a.attempt });
    }
  };

  private live(seq: number): boolean {
    return !this.gone && !this.ending && this.machine.state === 'running' && !this.machine.isAbandoned(seq);
  }

  private arm(seq: number, fireAt: number): void {
    const cancel = this.host.clock.at(fireAt, () => {
      this.timers.delete(seq);
      if (this.live(seq)) this.machine.record({ type: 'TimerFired', seq });
      this.updateWakeAt();
    });
    this.timers.set(seq, { fireAt, cancel });
  }

  private startChild(out: Extract<Output, { type: 'start-child' }>): void {
    const m = this.machine;
    const e = out.event;
    this.host.queue.newRun({
      createdBy: m.runId,
      runId: e.runId,
      workflowId: e.workflowId,
      workflowType: e.workflowType,
      taskQueue: out.taskQueue,
      input: out.input,
      parentRunId: m.runId,
      events: [{
        type: 'WorkflowStarted', id: 1, ts: e.ts, workflowType: e.workflowType, workflowId: e.workflowId, runId: e.runId,
        taskQueue: out.taskQueue, input: out.input, parent: { workflowId: m.workflowId, runId: m.runId, seq: e.seq },
      }],
    });
  }

  private close(): void {
    const closing = this.machine.closing!;
    this.ending = 'closed';
    const update: RunUpdate = { status: CLOSED_STATUS[closing.type]!, closedAt: closing.ts, wakeAt: null };
    if (closing.type === 'WorkflowCompleted') update.result = closing.result;
    if (closing.type === 'WorkflowFailed') update.error = closing.error;
    this.stopAll('the workflow ended');
    this.host.queue.update(this.runId, this.epoch, update, this);
    this.host.queue.release(this.runId, this.epoch, false);
    this.notifyParent(closing);
    if (closing.type === 'WorkflowContinuedAsNew') this.continueAsNew(closing.nextRunId, closing.input, closing.ts);
  }

  private notifyParent(closing: RecordedEvent): void {
    const parent = this.machine.started.parent;
    // A run that continued as new leaves the report to its successor.
    if (!parent || closing.type === 'WorkflowContinuedAsNew') return;
    const outcome: { result?: unknown; error?: FailureInfo } =
      closing.type === 'WorkflowCompleted' ? { result: closing.result }
      : closing.type === 'WorkflowFailed' ? { error: closing.error }
      : { error: { name: closing.type, message: `child ${closing.type}` } };
    this.host.queue.message(this.runId, parent.runId, { kind: 'child', seq: parent.seq, childRunId: this.runId, ...outcome });
  }

  private continueAsNew(nextRunId: string, input: unknown, ts: number): void {
    const s = this.machine.started;
    this.host.queue.newRun({
      createdBy: s.runId,
      runId: nextRunId,
      workflowId: s.workflowId,
      workflowType: s.workflowType,
      taskQueue: s.taskQueue,
      input,
      ...(s.parent ? { parentRunId: s.parent.runId } : {}),
      events: [{
        type: 'WorkflowStarted', id: 1, ts, workflowType: s.workflowType, workflowId: s.workflowId, runId: nextRunId,
        taskQueue: s.taskQueue, input, continuedFrom: s.runId, ...(s.parent ? { parent: s.parent } : {}),
      }],
    });
  }

  private block(): void {
    const err = this.machine.blockedBy!;
    this.ending = 'blocked';
    this.stopAll('the run is blocked');
    this.host.queue.update(this.runId, this.epoch, { status: 'BLOCKED', blockedReason: err.message, blockedFingerprint: this.host.code.hash, wakeAt: null }, this);
    this.host.queue.release(this.runId, this.epoch, false);
    this.host.emit({ type: 'run-blocked', runId: this.runId, reason: err.message });
  }

  private stopAll(reason: string): void {
    for (const s of this.steps.values()) s.abort(reason);
    this.steps.clear();
    this.attempts.clear();
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  private updateWakeAt(): void {
    if (this.ending || this.gone) return;
    let next: number | null = null;
    for (const t of this.timers.values()) if (next === null || t.fireAt < next) next = t.fireAt;
    if (next !== this.wakeAt) {
      this.wakeAt = next;
      this.host.queue.update(this.runId, this.epoch, { wakeAt: next }, this);
    }
  }
}
