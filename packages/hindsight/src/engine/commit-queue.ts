import type { Clock } from '../common/clock.js';
import type { Commit, InboxData, NewRun, RecordedEvent, RunAppend, RunUpdate, Store } from '../store/index.js';
import { realSetImmediate } from './timers.js';

/** Told what became of a run's writes in one group commit. */
export interface CommitListener {
  /** The append (events and run update) is durable. */
  committed(append: RunAppend): void;
  /** Another worker holds the run now: nothing of this batch was written for it. */
  fenced(): void;
}

interface RunPart {
  append: RunAppend;
  listener: CommitListener;
}

/**
 * Group commit: everything the workers of this process record during one turn
 * of the event loop goes to the store in one transaction, so W concurrent
 * workflows pay one disk sync, not W. Only one commit is in flight at a time;
 * what arrives meanwhile forms the next one.
 */
export class CommitQueue {
  /** Keyed by run and epoch: a stale holder's writes must not ride along with the current holder's. */
  private runs = new Map<string, RunPart>();
  private newRuns: NewRun[] = [];
  private consumed: number[] = [];
  private messages: { from: string; runId: string; data: InboxData }[] = [];
  private releases: { runId: string; epoch: number; ready: boolean }[] = [];
  private waiters: { resolve(): void; reject(e: unknown): void }[] = [];
  private readonly beforeFlushHooks = new Set<() => void>();
  private scheduled = false;
  private inFlight: Promise<void> | null = null;
  /** Sizes of the last commits, for stats. */
  readonly stats = { commits: 0, events: 0 };

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
  ) {}

  append(runId: string, epoch: number, event: RecordedEvent, listener: CommitListener): void {
    this.part(runId, epoch, listener).append.events.push(event);
    this.schedule();
  }

  update(runId: string, epoch: number, update: RunUpdate, listener: CommitListener): void {
    const part = this.part(runId, epoch, listener);
    part.append.update = { ...part.append.update, ...update };
    this.schedule();
  }

  newRun(run: NewRun): void {
    this.newRuns.push(run);
    this.schedule();
  }

  consume(inboxId: number): void {
    this.consumed.push(inboxId);
    this.schedule();
  }

  /** A message from run `from` (a child's result for its parent); dropped if `from` is fenced. */
  message(from: string, runId: string, data: InboxData): void {
    this.messages.push({ from, runId, data });
    this.schedule();
  }

  /** Gives the lease back; `ready` lets another worker claim the run at once. */
  release(runId: string, epoch: number, ready: boolean): void {
    this.releases.push({ runId, epoch, ready });
    this.schedule();
  }

  /** Runs `fn` once, just before the next batch is cut: what it records goes into that batch. */
  beforeFlush(fn: () => void): void {
    this.beforeFlushHooks.add(fn);
    this.schedule(); // a batch goes out soon even if nothing else is recorded meanwhile
  }

  /** Resolves once everything queued so far is durable. */
  flushed(): Promise<void> {
    // Nothing waits for the next batch: all that was queued is in the commit in flight, if any.
    if (!this.scheduled) return this.inFlight ?? Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private part(runId: string, epoch: number, listener: CommitListener): RunPart {
    // Almost always one holder per run and batch: key by run, and by run and epoch only when two meet.
    let key = runId;
    let part = this.runs.get(key);
    if (part && part.append.epoch !== epoch) {
      key = `${runId}@${epoch}`;
      part = this.runs.get(key);
    }
    if (!part) {
      part = { append: { runId, epoch, events: [] }, listener };
      this.runs.set(key, part);
    }
    return part;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (!this.inFlight) realSetImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    for (const hook of [...this.beforeFlushHooks]) hook();
    this.beforeFlushHooks.clear();
    this.scheduled = false;
    const parts = [...this.runs.values()];
    if (parts.length + this.newRuns.length + this.consumed.length + this.messages.length + this.releases.length === 0) {
      for (const w of this.waiters.splice(0)) w.resolve(); // nothing to write (the hooks recorded nothing)
      return;
    }
    const commit: Commit = {
      appends: parts.map((p) => p.append),
      newRuns: this.newRuns,
      consumed: this.consumed,
      messages: this.messages,
      releases: this.releases,
    };
    const waiters = this.waiters;
    this.runs = new Map();
    this.newRuns = [];
    this.consumed = [];
    this.messages = [];
    this.releases = [];
    this.waiters = [];
    let done!: () => void;
    this.inFlight = new Promise((r) => (done = r));
    try {
      const result = await this.store.commit(commit, this.clock.now());
      this.stats.commits++;
      const fenced = new Set(result.fenced);
      for (const p of parts) {
        this.stats.events += p.append.events.length;
        if (fenced.has(p.append.runId)) p.listener.fenced();
        else p.listener.committed(p.append);
      }
      for (const w of waiters) w.resolve();
    } catch (err) {
      // The store refused the whole batch (unreachable, locked, full disk): nothing of it was acknowledged.
      for (const p of parts) p.listener.fenced();
      for (const w of waiters) w.reject(err);
      this.onError(err);
    } finally {
      this.inFlight = null;
      done();
      if (this.scheduled) realSetImmediate(() => void this.flush());
    }
  }
}
