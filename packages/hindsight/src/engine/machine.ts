import { recordable } from '../common/serialize.js';
import { HindsightError } from '../common/errors.js';
import {
  CLOSING_EVENTS,
  type ChildStarted,
  type HistoryEvent,
  type RecordedEvent,
  type WorkflowStarted,
} from '../history/index.js';
import type { StepDefinition, WorkflowDefinition } from '../workflow/define.js';
import {
  CancelledError,
  ChildWorkflowFailedError,
  DeterminismViolationError,
  NonDeterminismError,
  StepFailedError,
} from '../workflow/errors.js';
import { activate, activeTarget, asActive } from './activation.js';
import { RunContext } from './context.js';
import { realRandomUUID, type DeterministicSource } from './determinism.js';
import { toFailure } from './failure.js';
import { Prng } from './prng.js';
import { HistoryIndex } from './history-index.js';
import { divergence, outsideActivation } from './divergence.js';
import { ContinueAsNew, isDeliverable, type Output } from './outputs.js';

export type MachineState = 'running' | 'closed' | 'blocked';

interface Pending {
  kind: 'step' | 'timer' | 'signal-timeout' | 'child';
  name: string;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  childRunId?: string;
  childWorkflowId?: string;
  waiter?: SignalWaiter;
}

const NO_OUTPUTS: Output[] = [];

/** Which pending command kinds each result event may answer. */
const RESULT_KINDS: Partial<Record<HistoryEvent['type'], Pending['kind'][]>> = {
  StepCompleted: ['step'],
  StepFailed: ['step'],
  TimerFired: ['timer', 'signal-timeout'],
  ChildCompleted: ['child'],
  ChildFailed: ['child'],
};

interface SignalWaiter {
  name: string;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  timerSeq?: number;
}

export interface MachineOptions {
  def: WorkflowDefinition;
  /** The history so far: at least `WorkflowStarted`. */
  history: RecordedEvent[];
  /** Wall clock for the timestamps of new events. */
  wallClock: () => number;
  /** Called for every new event, in id order, the moment it gets its id: the host makes it durable. */
  onRecord: (event: RecordedEvent) => void;
  /** Called at the end of every activation; read `takeOutputs()` and `state` there. */
  onActivationDone: (machine: RunMachine) => void;
  /**
   * Recorded just before the first new event (a worker's `WorkerAttached`), so
   * a claim that only reads, or a replay that finds divergence, changes nothing.
   */
  firstRecord?: HistoryEvent;
  /**
   * Called when the code reaches an event of the loaded history: WorkflowStarted as the code
   * starts, a result or signal as it is handed to the code, a command's records (StepStarted,
   * TimerStarted, ChildStarted, PatchMarker...) as the code issues the command again, TimerCancelled
   * as the code cancels, the closing event as the code ends. Only observes: the debugger uses it
   * to place history on its trace.
   */
  onReplayed?: (event: RecordedEvent) => void;
}

/**
 * One run's workflow code, driven by its history. It replays the events it is
 * given, checks every command the code issues against the history (by `seq`),
 * and turns new commands into outputs for the host. The same machine serves
 * live execution (host executes outputs) and replay checks (host ignores them).
 */
export class RunMachine implements DeterministicSource {
  readonly started: RecordedEvent<WorkflowStarted>;
  state: MachineState = 'running';
  blockedBy: NonDeterminismError | DeterminismViolationError | null = null;
  /** Set once the code has finished; the closing event is in `history` (or was there already). */
  closing: RecordedEvent | null = null;

  private readonly index = new HistoryIndex();
  private readonly pending = new Map<number, Pending>();
  private readonly abandoned = new Set<number>();
  private readonly signals = new Map<string, unknown[]>();
  private readonly waiters: SignalWaiter[] = [];
  private readonly queries = new Map<string, (...args: any[]) => unknown>();
  private outputs: Output[] = [];
  private seeded: Prng | null = null;
  private readonly ctx: RunContext;
  private readonly replayedUpTo: number;
  private readonly historicClose: RecordedEvent | undefined;
  private seq = 0;
  private current: RecordedEvent;
  private delivered = 0;
  private toDeliver = 0;
  private cancelled = false;
  private replayChecked = false;

  constructor(private readonly opts: MachineOptions) {
    const first = opts.history[0];
    if (!first || first.type !== 'WorkflowStarted') {
      throw new HindsightError('HS_E_HISTORY_INVALID', 'a history must begin with WorkflowStarted; the file or run is damaged');
    }
    this.started = first as RecordedEvent<WorkflowStarted>;
    this.current = this.started;
    this.replayedUpTo = opts.history[opts.history.length - 1]!.id;
    this.historicClose = opts.history.find((e) => CLOSING_EVENTS.has(e.type));
    this.ctx = new RunContext(this);
    for (const e of opts.history) this.index.add(e);
  }

  get runId(): string { return this.started.runId; }
  get workflowId(): string { return this.started.workflowId; }
  get workflowType(): string { return this.started.workflowType; }
  get taskQueue(): string { return this.started.taskQueue; }
  /** The code is re-running something it did before: the current event is not the newest one. */
  get isReplaying(): boolean { return this.current.id < this.replayedUpTo; }
  get isCancelled(): boolean { return this.cancelled; }
  /** Every event known: the loaded history and what was recorded since. */
  get history(): readonly RecordedEvent[] { return this.index.events; }
  get nextEventId(): number { return this.index.events.length + 1; }
  /** True until every event of the loaded history has been handed to the code. */
  get replaying(): boolean { return this.delivered < this.toDeliver; }
  /** The code has started and replayed the whole loaded history: its state is current (queries may read it). */
  get caughtUp(): boolean { return this.replayChecked; }

  /** Starts the code and replays the loaded history, one activation per event. */
  start(): void {
    activate(this, () => {
      this.opts.onReplayed?.(this.started);
      this.runCode();
    });
    for (const e of this.history) if (isDeliverable(e)) this.scheduleDelivery(e);
  }

  /** Gives a new event (from outside: a step result, a fired timer, a signal) its id and timestamp. */
  record<E extends HistoryEvent>(event: E): RecordedEvent<E> {
    const first = this.opts.firstRecord;
    if (first) {
      this.opts.firstRecord = undefined;
      this.record(first);
    }
    // The event objects are made for this call: stamping them in place is cheaper than a spread copy.
    const recorded = event as RecordedEvent<E>;
    recorded.id = this.nextEventId;
    recorded.ts = this.opts.wallClock();
    this.index.add(recorded);
    this.opts.onRecord(recorded);
    return recorded;
  }

  /** Hands a recorded (and now committed) event to the code. */
  deliver(e: RecordedEvent): void {
    if (isDeliverable(e)) this.scheduleDelivery(e);
  }

  takeOutputs(): Output[] {
    if (this.outputs.length === 0) return NO_OUTPUTS;
    const taken = this.outputs;
    this.outputs = [];
    return taken;
  }

  isAbandoned(seq: number): boolean {
    return this.abandoned.has(seq);
  }

  /** The code still waits for the command `seq` (hosts run outputs late, after a whole chain). */
  awaits(seq: number): boolean {
    return this.pending.has(seq);
  }

  query(name: string, args: unknown[]): unknown {
    const handler = this.queries.get(name);
    if (!handler) {
      const known = [...this.queries.keys()].join(', ') || 'none';
      throw new HindsightError('HS_E_UNKNOWN_QUERY', `workflow ${this.workflowId} has no query '${name}' (registered: ${known})`);
    }
    const saved = this.prng.save(); // a handler drawing random numbers must not shift the run's sequence
    try {
      return recordable(asActive(this, () => handler(...args)), `query '${name}' result`);
    } finally {
      this.prng.restore(saved);
    }
  }

  // --- DeterministicSource -------------------------------------------------

  /** Seeded on first use: most replays never draw a random number, and seeding hashes. */
  private get prng(): Prng {
    return (this.seeded ??= new Prng(this.started.seed ?? this.started.runId));
  }

  now(): number {
    return this.current.ts;
  }

  random(): number {
    return this.prng.next();
  }

  uuid(): string {
    return this.prng.uuid();
  }

  elapsed(): number {
    return this.now() - this.started.ts;
  }

  violation(err: DeterminismViolationError): void {
    this.block(err);
  }

  activationDone(): void {
    if (!this.replayChecked && this.state === 'running' && !this.replaying) {
      this.replayChecked = true;
      this.checkReplayComplete();
    }
    this.opts.onActivationDone(this);
  }

  // --- commands, called by RunContext -------------------------------------

  assertActive(what: string): void {
    if (activeTarget() !== this) {
      const err = outsideActivation(what);
      this.block(err);
      throw err;
    }
  }

  commandStep(step: StepDefinition<any[], any>, args: unknown[]): Promise<unknown> {
    const seq = this.nextSeq();
    const past = this.expect(seq, `step '${step.name}'`, (e) =>
      (e.type === 'StepCompleted' || e.type === 'StepFailed' || e.type === 'StepRetrying' || e.type === 'StepStarted') && e.name === step.name,
    );
    const promise = this.await(seq, 'step', step.name);
    const last = past[past.length - 1];
    if (last?.type === 'StepCompleted' || last?.type === 'StepFailed') return promise; // its result is in the history
    // Arguments are checked only when the step really runs: replay never pays for it.
    const recordedArgs = recordable(args, `arguments of step '${step.name}'`) as unknown[];
    const retry = last?.type === 'StepRetrying' ? last : undefined;
    // A started attempt with nothing after it died with its worker: the runner counts it as failed.
    const lost = last?.type === 'StepStarted' ? last.attempt : undefined;
    this.outputs.push({
      type: 'step',
      seq,
      step,
      args: recordedArgs,
      attempt: retry ? retry.attempt + 1 : (lost ?? 0) + 1,
      scheduledAt: this.now(),
      startAt: retry ? retry.nextAttemptAt : this.now(),
      ...(retry ? { lastError: retry.error } : {}),
      ...(lost !== undefined ? { lostAttempt: lost } : {}),
    });
    return promise;
  }

  commandSleep(ms: number): Promise<void> {
    const seq = this.nextSeq();
    const promise = this.await(seq, 'timer', 'sleep') as Promise<void>;
    this.startTimer(seq, ms);
    return promise;
  }

  commandWaitForSignal(name: string, timeoutMs: number | undefined): Promise<unknown> {
    const queued = this.signals.get(name);
    if (queued && queued.length > 0) return Promise.resolve(queued.shift());
    return new Promise((resolve, reject) => {
      const waiter: SignalWaiter = { name, resolve, reject };
      this.waiters.push(waiter);
      if (timeoutMs !== undefined) {
        const seq = this.nextSeq();
        waiter.timerSeq = seq;
        this.pending.set(seq, { kind: 'signal-timeout', name, resolve, reject, waiter });
        this.startTimer(seq, timeoutMs);
      }
    });
  }

  commandChild(def: WorkflowDefinition, input: unknown, options: { workflowId?: string; taskQueue?: string }): Promise<unknown> {
    const seq = this.nextSeq();
    const recordedInput = recordable(input, `input of child workflow '${def.name}'`);
    const past = this.expect(
      seq,
      `child workflow '${def.name}'`,
      (e) => (e.type === 'ChildStarted' && e.workflowType === def.name) || e.type === 'ChildCompleted' || e.type === 'ChildFailed',
    );
    const started = past.find((e) => e.type === 'ChildStarted') as RecordedEvent<ChildStarted> | undefined;
    const promise = this.await(seq, 'child', def.name);
    const pending = this.pending.get(seq)!;
    if (started) {
      pending.childRunId = started.runId;
      pending.childWorkflowId = started.workflowId;
    } else {
      const event = this.record<ChildStarted>({
        type: 'ChildStarted',
        seq,
        workflowType: def.name,
        workflowId: options.workflowId ?? `${this.workflowId}/${def.name}-${seq}`,
        runId: realRandomUUID(),
      });
      pending.childRunId = event.runId;
      pending.childWorkflowId = event.workflowId;
      this.outputs.push({ type: 'start-child', event, input: recordedInput, taskQueue: options.taskQueue ?? def.options.taskQueue ?? this.taskQueue });
    }
    return promise;
  }

  commandPatched(patchId: string): boolean {
    const seq = this.seq + 1;
    if (this.index.has(seq)) {
      const past = this.index.forSeq(seq);
      const marker = past.find((e) => e.type === 'PatchMarker');
      if (!marker) return false; // recorded before the patch: the old path
      if (marker.type === 'PatchMarker' && marker.patchId !== patchId) {
        this.nonDeterminism(marker, `patch '${patchId}'`);
      }
      this.opts.onReplayed?.(marker);
      this.seq = seq;
      return true;
    }
    // Commands recorded past this point mean the history was made by code without the patch.
    if (this.index.maxSeq > seq) return false;
    this.seq = seq;
    this.record({ type: 'PatchMarker', seq, patchId });
    return true;
  }

  onQuery(name: string, handler: (...args: any[]) => unknown): void {
    this.queries.set(name, handler);
  }

  // --- internals -----------------------------------------------------------

  private runCode(): void {
    const def = this.opts.def;
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(def.fn(this.ctx, this.started.input));
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (value) => this.guarded(() => this.finish(value, undefined)),
      (err) => this.guarded(() => this.finish(undefined, err ?? new Error('workflow rejected with no reason'))),
    );
  }

  private finish(value: unknown, err: unknown): void {
    if (this.state !== 'running') return;
    if (activeTarget() !== this) return this.block(outsideActivation('return from the workflow function'));
    if (err instanceof NonDeterminismError || err instanceof DeterminismViolationError) return this.block(err);
    let event: HistoryEvent;
    if (err === undefined) {
      try {
        event = { type: 'WorkflowCompleted', result: recordable(value, 'workflow result') };
      } catch (e) {
        event = { type: 'WorkflowFailed', error: toFailure(e) };
      }
    } else if (err instanceof ContinueAsNew) {
      event = { type: 'WorkflowContinuedAsNew', nextRunId: this.historicNextRunId() ?? realRandomUUID(), input: recordable(err.input, 'continue-as-new input') };
    } else if (err instanceof CancelledError && this.cancelled) {
      event = { type: 'WorkflowCancelled', reason: err.message };
    } else {
      event = { type: 'WorkflowFailed', error: toFailure(err) };
    }
    this.close(event);
  }

  private close(event: HistoryEvent): void {
    if (this.historicClose) {
      if (this.historicClose.type !== event.type) {
        return this.nonDeterminism(this.historicClose, `the code ended with ${event.type}`);
      }
      this.replayChecked = true;
      this.checkReplayComplete(); // ending early, before commands the history holds, is divergence too
      if (this.state !== 'running') return;
      this.closing = this.historicClose;
      this.opts.onReplayed?.(this.historicClose);
    } else {
      this.closing = this.record(event);
    }
    this.state = 'closed';
    const inFlight = [...this.pending.entries()];
    const steps = inFlight.filter(([, p]) => p.kind === 'step').map(([seq]) => seq);
    if (steps.length) this.outputs.push({ type: 'abort-steps', seqs: steps, reason: 'the workflow ended' });
  }

  private historicNextRunId(): string | undefined {
    const c = this.historicClose;
    return c?.type === 'WorkflowContinuedAsNew' ? c.nextRunId : undefined;
  }

  private scheduleDelivery(e: RecordedEvent): void {
    this.toDeliver++;
    activate(this, () => {
      this.delivered++;
      if (this.state !== 'running') return;
      this.current = e;
      this.opts.onReplayed?.(e);
      this.guarded(() => this.handle(e));
    });
  }

  /** Non-determinism found while handling an event has blocked the run already; nothing else to do. */
  private guarded(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof NonDeterminismError) || this.state !== 'blocked') throw err;
    }
  }

  private handle(e: RecordedEvent): void {
    switch (e.type) {
      case 'SignalReceived':
        return this.handleSignal(e.name, e.payload);
      case 'CancelRequested':
        return this.handleCancel(e.reason);
      case 'StepCompleted':
      case 'StepFailed':
      case 'TimerFired':
      case 'ChildCompleted':
      case 'ChildFailed':
        return this.handleResult(e);
      default:
        return;
    }
  }

  private handleResult(e: RecordedEvent): void {
    const seq = (e as { seq: number }).seq;
    if (this.abandoned.has(seq)) return;
    const p = this.pending.get(seq);
    if (!p || !RESULT_KINDS[e.type]!.includes(p.kind) || (p.kind === 'step' && 'name' in e && e.name !== p.name)) {
      return this.nonDeterminism(e, p ? `${p.kind} '${p.name}' (seq ${seq})` : `nothing with seq ${seq}`);
    }
    this.pending.delete(seq);
    switch (e.type) {
      case 'StepCompleted':
        return p.resolve(e.result);
      case 'StepFailed':
        return p.reject(new StepFailedError(e.name, e.attempts, e.error));
      case 'TimerFired':
        if (p.waiter) this.waiters.splice(this.waiters.indexOf(p.waiter), 1);
        return p.resolve(undefined);
      case 'ChildCompleted':
        return p.resolve(e.result);
      case 'ChildFailed':
        return p.reject(new ChildWorkflowFailedError(p.childWorkflowId ?? '?', e.error));
    }
  }

  private handleSignal(name: string, payload: unknown): void {
    const i = this.waiters.findIndex((w) => w.name === name);
    if (i < 0) {
      const queue = this.signals.get(name) ?? [];
      queue.push(payload);
      this.signals.set(name, queue);
      return;
    }
    const [waiter] = this.waiters.splice(i, 1);
    if (waiter!.timerSeq !== undefined) this.cancelTimer(waiter!.timerSeq);
    waiter!.resolve(payload);
  }

  private handleCancel(reason: string): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const error = new CancelledError(reason);
    const steps: number[] = [];
    const children: string[] = [];
    for (const [seq, p] of [...this.pending.entries()]) {
      if (p.kind === 'timer' || p.kind === 'signal-timeout') this.cancelTimer(seq);
      else {
        this.pending.delete(seq);
        this.abandoned.add(seq);
        if (p.kind === 'step') steps.push(seq);
        if (p.kind === 'child' && p.childRunId) children.push(p.childRunId);
      }
      p.reject(error);
    }
    for (const w of this.waiters.splice(0, this.waiters.length)) w.reject(error);
    if (steps.length) this.outputs.push({ type: 'abort-steps', seqs: steps, reason });
    if (children.length) this.outputs.push({ type: 'cancel-children', runIds: children, reason });
  }

  private startTimer(seq: number, ms: number): void {
    const past = this.expect(seq, 'timer', (e) => e.type === 'TimerStarted' || e.type === 'TimerFired' || e.type === 'TimerCancelled');
    const started = past.find((e) => e.type === 'TimerStarted');
    if (!started) {
      const fireAt = this.now() + ms;
      this.record({ type: 'TimerStarted', seq, fireAt, duration: ms });
      this.outputs.push({ type: 'timer', seq, fireAt });
    } else if (!past.some((e) => e.type === 'TimerFired' || e.type === 'TimerCancelled') && started.type === 'TimerStarted') {
      this.outputs.push({ type: 'timer', seq, fireAt: started.fireAt });
    }
  }

  private cancelTimer(seq: number): void {
    this.pending.delete(seq);
    this.abandoned.add(seq);
    const past = this.index.forSeq(seq);
    const cancelled = past.find((e) => e.type === 'TimerCancelled');
    if (cancelled) this.opts.onReplayed?.(cancelled);
    else if (!past.some((e) => e.type === 'TimerFired')) {
      this.record({ type: 'TimerCancelled', seq });
      this.outputs.push({ type: 'cancel-timer', seq });
    }
  }

  private await(seq: number, kind: Pending['kind'], name: string): Promise<unknown> {
    let pending!: Pending;
    const promise = new Promise((resolve, reject) => {
      pending = { kind, name, resolve, reject };
    });
    this.pending.set(seq, pending);
    return promise;
  }

  private nextSeq(): number {
    return ++this.seq;
  }

  /** The recorded events for `seq`; a recorded event of another kind is non-determinism. */
  private expect(seq: number, what: string, matches: (e: RecordedEvent) => boolean): readonly RecordedEvent[] {
    const past = this.index.forSeq(seq);
    const wrong = past.find((e) => !matches(e));
    if (wrong) this.nonDeterminism(wrong, what);
    // Results among them reach the code later, when delivered; a cancellation when the code cancels.
    if (this.opts.onReplayed) for (const e of past) if (!isDeliverable(e) && e.type !== 'TimerCancelled') this.opts.onReplayed(e);
    return past;
  }

  /** After the whole loaded history was replayed, every command it holds must have been issued again. */
  private checkReplayComplete(): void {
    for (const [seq, events] of this.index.seqs()) {
      if (seq > this.seq && events[0]!.id <= this.replayedUpTo) {
        return this.nonDeterminism(events[0]!, 'no command: the code did not get that far, or took another path');
      }
    }
  }

  private nonDeterminism(event: RecordedEvent, actual: string): never {
    const err = divergence(this, event, actual);
    this.block(err);
    throw err;
  }

  private block(err: NonDeterminismError | DeterminismViolationError): void {
    if (this.state !== 'running') return;
    this.state = 'blocked';
    this.blockedBy = err;
    // Found outside an activation (code resumed after foreign I/O): open one so the host hears of it.
    if (activeTarget() !== this) activate(this, () => {});
    const steps = [...this.pending.entries()].filter(([, p]) => p.kind === 'step').map(([seq]) => seq);
    if (steps.length) this.outputs.push({ type: 'abort-steps', seqs: steps, reason: 'the run is blocked' });
  }
}
