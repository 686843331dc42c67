import { systemClock, type Clock } from '../common/clock.js';
import { toMillis, type Duration } from '../common/duration.js';
import { HindsightError } from '../common/errors.js';
import { newWorkerId } from '../common/ids.js';
import type { CodeFingerprint } from '../history/index.js';
import type { ClaimedRun, Store } from '../store/index.js';
import type { WorkflowDefinition } from '../workflow/define.js';
import { CommitQueue } from './commit-queue.js';
import { installDeterminismGuards } from './determinism.js';
import { CLOSED_STATUS, RunDriver, type DriverHost } from './driver.js';
import { fingerprintOf } from './load.js';
import { localBus } from './local-bus.js';
import { StepRunner } from './step-runner.js';
import { realClearInterval, realSetImmediate, realSetInterval } from './timers.js';
import type { WorkerEvent } from './worker-events.js';

export interface WorkerOptions {
  store: Store;
  workflows: WorkflowDefinition[];
  /** The code fingerprint recorded in histories; computed from the definitions if absent. */
  code?: CodeFingerprint;
  taskQueue?: string;
  /** Runs held in memory at once. Default 2000. */
  maxConcurrentRuns?: number;
  /** A dead worker's runs are taken over after this. Default 5s. */
  leaseTimeout?: Duration;
  /** How often the store is asked for new work and messages. Default 50ms. */
  pollInterval?: Duration;
  /** Runs waiting only on timers or signals longer than this give their lease back. Default 10s. */
  stickyIdle?: Duration;
  clock?: Clock;
  workerId?: string;
  onEvent?: (event: WorkerEvent) => void;
}

/**
 * Claims runs from the store's task queue, replays their histories and runs
 * them on. Holds a lease per run and renews it; a worker that dies loses its
 * leases and another one resumes the runs by replay.
 */
export class Worker implements DriverHost {
  readonly workerId: string;
  readonly store: Store;
  readonly queue: CommitQueue;
  readonly clock: Clock;
  readonly steps: StepRunner;
  readonly code: CodeFingerprint;
  readonly taskQueue: string;
  private readonly workflows = new Map<string, WorkflowDefinition>();
  private readonly drivers = new Map<string, RunDriver>();
  private readonly maxRuns: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly stickyMs: number;
  private readonly onEvent: (e: WorkerEvent) => void;
  private timers: ReturnType<typeof realSetInterval>[] = [];
  private unsubscribe: (() => void) | null = null;
  private polling = false;
  private pollAgain = false;
  private stopped = true;
  readonly stats = { claimed: 0, replayedEvents: 0, closed: 0, blocked: 0 };

  constructor(opts: WorkerOptions) {
    installDeterminismGuards();
    process.setSourceMapsEnabled?.(true);
    this.store = opts.store;
    this.clock = opts.clock ?? systemClock;
    this.workerId = opts.workerId ?? newWorkerId();
    this.taskQueue = opts.taskQueue ?? 'default';
    this.maxRuns = opts.maxConcurrentRuns ?? 2000;
    this.leaseMs = toMillis(opts.leaseTimeout ?? '5s', 'leaseTimeout');
    this.pollMs = toMillis(opts.pollInterval ?? 50, 'pollInterval');
    this.stickyMs = toMillis(opts.stickyIdle ?? '10s', 'stickyIdle');
    this.onEvent = opts.onEvent ?? (() => {});
    for (const w of opts.workflows) {
      if (this.workflows.has(w.name)) {
        throw new HindsightError('HS_E_DUPLICATE_WORKFLOW', `two workflows are named '${w.name}'; give each workflow a unique name`);
      }
      this.workflows.set(w.name, w);
    }
    this.code = opts.code ?? fingerprintOf(opts.workflows);
    this.steps = new StepRunner(this.clock);
    this.queue = new CommitQueue(this.store, this.clock, (err) => this.emit({ type: 'store-error', message: (err as Error).message }));
  }

  get heldRuns(): number {
    return this.drivers.size;
  }

  start(): this {
    if (!this.stopped) return this;
    this.stopped = false;
    const bus = localBus(this.store);
    const offWork = bus.onWork(() => this.pollSoon());
    const unserve = bus.serve(this.taskQueue);
    this.unsubscribe = () => (offWork(), unserve());
    this.timers.push(realSetInterval(() => this.pollSoon(), this.pollMs));
    this.timers.push(realSetInterval(() => void this.renew(), Math.min(Math.max(50, this.leaseMs / 3), 2 ** 31 - 1)));
    this.pollSoon();
    return this;
  }

  /** Stops taking work, lets commits land and gives every lease back. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) realClearInterval(t);
    this.timers = [];
    for (const d of [...this.drivers.values()]) d.release(true);
    await this.queue.flushed().catch(() => {});
    this.drivers.clear();
  }

  emit(event: WorkerEvent): void {
    this.onEvent(event);
  }

  ended(driver: RunDriver, how: 'closed' | 'blocked' | 'lost' | 'released'): void {
    if (this.drivers.get(driver.runId) === driver) this.drivers.delete(driver.runId);
    const m = driver.machine;
    if (how === 'closed') {
      this.stats.closed++;
      this.emit({ type: 'run-closed', runId: m.runId, workflowId: m.workflowId, status: CLOSED_STATUS[m.closing!.type]! });
      localBus(this.store).closed(m.runId);
      localBus(this.store).work(); // a parent or a successor may have work now
    } else if (how === 'blocked') {
      this.stats.blocked++;
      localBus(this.store).closed(m.runId);
    } else if (how === 'lost') {
      this.emit({ type: 'lease-lost', runId: m.runId });
    } else {
      this.emit({ type: 'run-released', runId: m.runId });
    }
    if (!this.stopped) this.pollSoon();
  }

  private pollSoon(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    realSetImmediate(() => void this.poll());
  }

  private async poll(): Promise<void> {
    try {
      do {
        this.pollAgain = false;
        await this.claim();
        await this.readInbox();
        await this.answerQueries();
        this.releaseIdle();
      } while (this.pollAgain && !this.stopped);
    } catch (err) {
      this.emit({ type: 'store-error', message: (err as Error).message });
    } finally {
      this.polling = false;
    }
  }

  private async claim(): Promise<void> {
    const room = this.maxRuns - this.drivers.size;
    if (room <= 0 || this.stopped) return;
    const claimed = await this.store.claimRuns({
      workerId: this.workerId,
      taskQueues: [this.taskQueue],
      workflowTypes: [...this.workflows.keys()],
      limit: Math.min(room, 500),
      now: this.clock.now(),
      leaseNow: systemClock.now(),
      leaseMs: this.leaseMs,
      fingerprint: this.code.hash,
    });
    for (const c of claimed) await this.take(c);
    if (claimed.length > 0) this.pollAgain = true;
  }

  private async take({ run, epoch }: ClaimedRun): Promise<void> {
    const def = this.workflows.get(run.workflowType)!;
    // Claimed again (our lease ran out while we were slow): the old driver must write nothing more.
    this.drivers.get(run.runId)?.lost();
    const history = await this.store.readHistory(run.runId);
    const driver = new RunDriver(this, epoch, def, history, run.wakeAt);
    if (run.status === 'BLOCKED') {
      // New code gets a new chance: the run goes back to RUNNING if the replay now matches.
      this.queue.update(run.runId, epoch, { status: 'RUNNING', blockedReason: null, blockedFingerprint: null }, driver);
    }
    this.drivers.set(run.runId, driver);
    this.stats.claimed++;
    this.stats.replayedEvents += history.length;
    this.emit({ type: 'run-claimed', runId: run.runId, workflowId: run.workflowId, workflowType: run.workflowType, replayed: history.length });
    driver.start();
  }

  private async readInbox(): Promise<void> {
    if (this.drivers.size === 0) return;
    const messages = await this.store.readInbox([...this.drivers.keys()]);
    for (const msg of messages) this.drivers.get(msg.runId)?.receive(msg);
  }

  private async answerQueries(): Promise<void> {
    // A run still replaying would answer from a half-rebuilt state: its queries wait for the next poll.
    const ready = [...this.drivers.values()].filter((d) => d.machine.caughtUp).map((d) => d.runId);
    if (ready.length === 0) return;
    const queries = await this.store.takeQueries(ready);
    for (const q of queries) {
      const driver = this.drivers.get(q.runId);
      try {
        if (!driver) throw new HindsightError('HS_E_QUERY_UNAVAILABLE', `run ${q.runId} is not running on this worker`);
        const result = driver.machine.query(q.name, q.args);
        await this.store.answerQuery(q.id, { done: true, result });
      } catch (err) {
        const e = err as Error & { code?: string };
        await this.store.answerQuery(q.id, { done: true, error: { name: e.name, message: e.message, ...(e.code ? { code: e.code } : {}) } });
      }
    }
  }

  private releaseIdle(): void {
    for (const d of this.drivers.values()) if (d.isIdle(this.stickyMs)) d.release(false);
  }

  private async renew(): Promise<void> {
    if (this.drivers.size === 0) return;
    const runs = [...this.drivers.values()].map((d) => ({ runId: d.runId, epoch: d.epoch }));
    try {
      const lost = await this.store.renewLeases(this.workerId, runs, systemClock.now() + this.leaseMs);
      for (const runId of lost) this.drivers.get(runId)?.lost();
    } catch (err) {
      this.emit({ type: 'store-error', message: (err as Error).message });
    }
  }
}
