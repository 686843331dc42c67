import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../common/clock.js';
import { toMillis, type Duration } from '../common/duration.js';
import { HindsightError, InvalidInputError } from '../common/errors.js';
import { recordable } from '../common/serialize.js';
import { localBus } from '../engine/local-bus.js';
import {
  CLOSING_EVENTS,
  HISTORY_FORMAT,
  HISTORY_VERSION,
  checkHistoryFile,
  type HistoryFile,
  type RecordedEvent,
  type WorkflowStarted,
} from '../history/index.js';
import { isClosed, type Page, type RunFilter, type RunPage, type RunRecord, type Store } from '../store/index.js';
import type { WorkflowDefinition } from '../workflow/define.js';
import { ResultTimeoutError, WorkflowBlockedError, WorkflowFailedError, WorkflowNotFoundError } from './errors.js';

export interface ClientOptions {
  store: Store;
  clock?: Clock;
  /** Task queue for runs whose workflow names none. Default 'default'. */
  taskQueue?: string;
  /** When given, starting an unknown workflow name is refused at once. */
  workflows?: WorkflowDefinition[];
  /** How often `result()` and `query()` look at the store when no local worker tells them. Default 100ms. */
  pollInterval?: Duration;
}

export interface StartOptions {
  /** Idempotency: starting the same workflow id again returns the existing run. Default: a new UUID. */
  workflowId?: string;
  taskQueue?: string;
}

/** Talks to runs through the store: start, wait, signal, query, cancel, export, fork. */
export class Client {
  readonly store: Store;
  private readonly clock: Clock;
  private readonly taskQueue: string;
  private readonly known: Set<string> | null;
  private readonly pollMs: number;

  constructor(opts: ClientOptions) {
    this.store = opts.store;
    this.clock = opts.clock ?? systemClock;
    this.taskQueue = opts.taskQueue ?? 'default';
    this.known = opts.workflows ? new Set(opts.workflows.map((w) => w.name)) : null;
    this.pollMs = toMillis(opts.pollInterval ?? 100, 'pollInterval');
  }

  async start<I, O>(workflow: WorkflowDefinition<I, O> | string, input: I, opts: StartOptions = {}): Promise<WorkflowHandle<O>> {
    const name = typeof workflow === 'string' ? workflow : workflow.name;
    if (this.known && !this.known.has(name)) {
      throw new InvalidInputError(`unknown workflow '${name}'; known workflows: ${[...this.known].sort().join(', ')}`, 'HS_E_UNKNOWN_WORKFLOW');
    }
    const taskQueue = opts.taskQueue ?? (typeof workflow === 'string' ? undefined : workflow.options.taskQueue) ?? this.taskQueue;
    const workflowId = opts.workflowId ?? randomUUID();
    const runId = randomUUID();
    const recordedInput = recordable(input, `input of workflow '${name}'`);
    const started: RecordedEvent<WorkflowStarted> = {
      type: 'WorkflowStarted', id: 1, ts: this.clock.now(), workflowType: name, workflowId, runId, taskQueue, input: recordedInput,
    };
    const { created } = await this.store.createRun(
      { runId, workflowId, workflowType: name, taskQueue, input: recordedInput, events: [started] },
      this.clock.now(),
    );
    if (created) localBus(this.store).work();
    return this.getHandle<O>(workflowId);
  }

  getHandle<O = unknown>(workflowId: string): WorkflowHandle<O> {
    return new WorkflowHandle<O>(this, workflowId);
  }

  list(filter: RunFilter = {}, page: Page = { limit: 50 }): Promise<RunPage> {
    return this.store.listRuns(filter, page);
  }

  /** A run by run id, or the newest run of a workflow id. */
  async describe(id: string): Promise<RunRecord> {
    const run = (await this.store.findRun(id)) ?? (await this.store.getRun(id));
    if (!run) throw new WorkflowNotFoundError(id);
    return run;
  }

  async history(id: string): Promise<RecordedEvent[]> {
    const run = await this.describe(id);
    return this.store.readHistory(run.runId);
  }

  async exportHistory(id: string): Promise<HistoryFile> {
    const run = await this.describe(id);
    const events = await this.store.readHistory(run.runId);
    return {
      format: HISTORY_FORMAT,
      version: HISTORY_VERSION,
      exportedAt: new Date(this.clock.now()).toISOString(),
      run: {
        workflowId: run.workflowId, runId: run.runId, workflowType: run.workflowType, taskQueue: run.taskQueue,
        status: run.status, createdAt: run.createdAt, closedAt: run.closedAt,
      },
      events,
    };
  }

  /**
   * Stores an exported history as a run of this store. Closed runs stay as they
   * were; an open run goes on under this store's workers.
   */
  async importHistory(data: unknown, source = 'history file'): Promise<RunRecord> {
    const file = checkHistoryFile(data, source);
    const existing = await this.store.getRun(file.run.runId);
    if (existing) {
      throw new HindsightError('HS_E_RUN_EXISTS', `run ${file.run.runId} is already in ${this.store.location}; nothing was imported`);
    }
    const closing = file.events.find((e) => CLOSING_EVENTS.has(e.type));
    const status = closing ? (file.run.status as RunRecord['status']) : 'RUNNING';
    const started = file.events[0] as RecordedEvent<WorkflowStarted>;
    const { created, run } = await this.store.createRun(
      {
        runId: file.run.runId, workflowId: file.run.workflowId, workflowType: file.run.workflowType,
        taskQueue: file.run.taskQueue, input: started.input, events: file.events, status, createdAt: file.run.createdAt,
      },
      this.clock.now(),
    );
    if (!created) {
      throw new HindsightError('HS_E_WORKFLOW_EXISTS', `workflow id ${file.run.workflowId} already has run ${run.runId} in ${this.store.location}; nothing was imported`);
    }
    localBus(this.store).work();
    return run;
  }

  /**
   * Starts a new run that reuses a run's history up to event `atEvent` and runs
   * anew from there: the fix-and-rerun path. The source run is not changed.
   */
  async fork(id: string, opts: { atEvent: number; workflowId?: string }): Promise<WorkflowHandle> {
    const source = await this.describe(id);
    const events = await this.store.readHistory(source.runId);
    const open = events.findIndex((e) => CLOSING_EVENTS.has(e.type));
    const last = open < 0 ? events.length : open; // the closing event is never kept
    if (!Number.isInteger(opts.atEvent) || opts.atEvent < 1 || opts.atEvent > last) {
      throw new InvalidInputError(`--at must be an event id from 1 to ${last} of run ${source.runId}; see \`hindsight workflow history ${source.workflowId}\``, 'HS_E_BAD_EVENT');
    }
    const runId = randomUUID();
    const workflowId = opts.workflowId ?? `${source.workflowId}~fork-${runId.slice(0, 8)}`;
    const first = events[0] as RecordedEvent<WorkflowStarted>;
    const prefix: RecordedEvent[] = [
      // The same seed: code before the fork point must draw the same random numbers it drew then.
      { ...first, workflowId, runId, seed: first.seed ?? first.runId, forkedFrom: { runId: source.runId, eventId: opts.atEvent } },
      ...events.slice(1, opts.atEvent),
    ];
    const { created } = await this.store.createRun(
      { runId, workflowId, workflowType: source.workflowType, taskQueue: source.taskQueue, input: first.input, events: prefix },
      this.clock.now(),
    );
    if (!created) throw new HindsightError('HS_E_RUN_EXISTS', `workflow id ${workflowId} is taken; pass another --workflow-id`);
    localBus(this.store).work();
    return this.getHandle(workflowId);
  }

  /**
   * @internal waits for a run change: a local worker's notice at once, or the
   * poll interval, growing for long runs so that many waiters cost the store little.
   */
  waitForChange(run: RunRecord, deadline: number, attempt: number): Promise<void> {
    const runId = run.runId;
    // A worker in this process announces the close at once; polling is then only a safety net.
    const announced = localBus(this.store).servedHere(run.taskQueue);
    return new Promise((resolve) => {
      const interval = announced ? 2000 : Math.min(this.pollMs * 1.5 ** Math.min(attempt, 10), 2000);
      const wait = Math.max(0, Math.min(interval, deadline - Date.now()));
      let off: () => void = () => {};
      const timer = setTimeout(() => (off(), resolve()), wait);
      off = localBus(this.store).onClosed(runId, () => {
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  /** @internal */
  get now(): number {
    return this.clock.now();
  }
}

export class WorkflowHandle<O = unknown> {
  constructor(
    private readonly client: Client,
    readonly workflowId: string,
  ) {}

  describe(): Promise<RunRecord> {
    return this.client.describe(this.workflowId);
  }

  history(): Promise<RecordedEvent[]> {
    return this.client.history(this.workflowId);
  }

  /** Waits for the workflow's result, across continue-as-new. */
  async result(opts: { timeout?: Duration } = {}): Promise<O> {
    const timeoutMs = opts.timeout === undefined ? Infinity : toMillis(opts.timeout, 'timeout');
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const run = await this.client.describe(this.workflowId);
      if (run.status === 'COMPLETED') return run.result as O;
      if (run.status === 'BLOCKED') throw new WorkflowBlockedError(this.workflowId, run.blockedReason ?? '');
      if (isClosed(run.status) && run.status !== 'CONTINUED_AS_NEW') throw new WorkflowFailedError(this.workflowId, run.status, run.error);
      if (Date.now() >= deadline) throw new ResultTimeoutError(this.workflowId, timeoutMs);
      await this.client.waitForChange(run, deadline, attempt);
    }
  }

  async signal(name: string, payload?: unknown): Promise<void> {
    const run = await this.openRun('signal');
    await this.client.store.send(run.runId, { kind: 'signal', name, payload: recordable(payload, `payload of signal '${name}'`) }, this.client.now);
    localBus(this.client.store).work();
  }

  /** Asks the worker running the workflow; answers from the workflow's state now. */
  async query<R = unknown>(name: string, ...args: unknown[]): Promise<R> {
    const run = await this.openRun('query');
    const store = this.client.store;
    const id = await store.postQuery(run.runId, name, recordable(args, `arguments of query '${name}'`) as unknown[], this.client.now);
    localBus(store).work();
    const deadline = Date.now() + 10_000;
    for (let polls = 0; ; ) {
      const answer = await store.readQueryAnswer(id);
      if (answer.done) {
        if (answer.error) throw new HindsightError(answer.error.code ?? 'HS_E_QUERY_FAILED', answer.error.message);
        return answer.result as R;
      }
      if (Date.now() >= deadline) {
        throw new HindsightError('HS_E_QUERY_TIMEOUT', `no worker answered query '${name}' within 10s; start a worker for task queue '${run.taskQueue}'`);
      }
      await new Promise((r) => setTimeout(r, 5));
      if (++polls % 40 === 0) await this.openRun('query'); // a run that closed meanwhile will never answer
    }
  }

  async cancel(reason = 'cancelled by request'): Promise<void> {
    const run = await this.openRun('cancel');
    await this.client.store.send(run.runId, { kind: 'cancel', reason }, this.client.now);
    localBus(this.client.store).work();
  }

  /** Ends the run at once; no workflow code (no finally, no cleanup) runs. */
  async terminate(reason = 'terminated by request'): Promise<void> {
    const run = await this.openRun('terminate');
    await this.client.store.terminate(run.runId, reason, this.client.now);
    localBus(this.client.store).closed(run.runId);
  }

  private async openRun(action: string): Promise<RunRecord> {
    const run = await this.client.describe(this.workflowId);
    if (isClosed(run.status)) {
      throw new HindsightError('HS_E_RUN_CLOSED', `cannot ${action} workflow ${this.workflowId}: it is ${run.status}`);
    }
    return run;
  }
}
