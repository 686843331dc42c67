/**
 * The engine's test bench: a real SQLite store in a fresh temp folder, real
 * in-process workers and a client, and the checks every test ends with
 * (every history in the store is dense).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { Client } from '../../src/client/index.js';
import type { Clock } from '../../src/common/index.js';
import { Worker, type WorkerEvent, type WorkerOptions } from '../../src/engine/index.js';
import type { EventType, RecordedEvent } from '../../src/history/index.js';
import { openStore, type Commit, type RunRecord, type Store } from '../../src/store/index.js';
import type { WorkflowDefinition } from '../../src/workflow/index.js';

export { delay };

export interface HarnessOptions {
  /** Clock shared by the client and, unless told otherwise, every worker. */
  clock?: Clock;
}

/** Worker options; `store` may wrap the harness store (to inject races). */
export type TestWorkerOptions = Partial<Omit<WorkerOptions, 'workflows'>>;

export class Harness {
  readonly workers: Worker[] = [];
  /** Everything every worker of this harness reported, in order. */
  readonly events: (WorkerEvent & { worker: string })[] = [];
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly store: Store,
    readonly client: Client,
    readonly clock: Clock | undefined,
  ) {}

  static async open(opts: HarnessOptions = {}): Promise<Harness> {
    const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-engine-'));
    const store = await openStore({ path: path.join(dir, 'hindsight.db') });
    const client = new Client({ store, pollInterval: 10, ...(opts.clock ? { clock: opts.clock } : {}) });
    return new Harness(dir, store, client, opts.clock);
  }

  /** Opens a harness that `t` closes (and checks) when the test ends. */
  static async for(t: TestContext, opts: HarnessOptions = {}): Promise<Harness> {
    const h = await Harness.open(opts);
    t.after(() => h.close());
    return h;
  }

  /** Starts a worker with fast polling; it is stopped when the harness closes. */
  worker(workflows: WorkflowDefinition[], opts: TestWorkerOptions = {}): Worker {
    const w = new Worker({
      workflows,
      store: this.store,
      pollInterval: 10,
      ...(this.clock ? { clock: this.clock } : {}),
      ...opts,
      onEvent: (e) => {
        this.events.push({ ...e, worker: w.workerId });
        opts.onEvent?.(e);
      },
    });
    this.workers.push(w);
    return w.start();
  }

  async history(id: string): Promise<RecordedEvent[]> {
    return this.client.history(id);
  }

  async types(id: string): Promise<EventType[]> {
    return (await this.history(id)).map((e) => e.type);
  }

  async run(id: string): Promise<RunRecord> {
    return this.client.describe(id);
  }

  /** Every run of the store, all pages. */
  async allRuns(): Promise<RunRecord[]> {
    const out: RunRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.listRuns({}, { limit: 100, ...(cursor ? { cursor } : {}) });
      out.push(...page.runs);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  /** Histories are dense: the events of every run are 1..n and n is the run's eventCount. */
  async assertDenseHistories(): Promise<void> {
    for (const run of await this.allRuns()) {
      const events = await this.store.readHistory(run.runId);
      assert.deepEqual(
        events.map((e) => e.id),
        events.map((_, i) => i + 1),
        `history of run ${run.runId} (${run.workflowId}) is not dense`,
      );
      assert.equal(run.eventCount, events.length, `eventCount of run ${run.runId} (${run.workflowId})`);
      assert.equal(events[0]?.type, 'WorkflowStarted', `first event of run ${run.runId}`);
    }
  }

  /** Stops every worker; a stop that hangs fails the test instead of hanging the suite. */
  async stopWorkers(): Promise<void> {
    const stopped = Promise.all(this.workers.map((w) => w.stop())).then(() => true);
    const hung = delay(5000, undefined, { ref: false }).then(() => false);
    assert.ok(await Promise.race([stopped, hung]), 'Worker.stop() did not finish within 5s');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.stopWorkers();
      await this.assertDenseHistories();
    } finally {
      await this.store.close();
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Polls `check` until it holds (truthy), or fails naming what it waited for. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await delay(5);
  }
}

/** A promise the test opens when it wants: holds a step in flight. */
export interface Gate<T = void> {
  readonly promise: Promise<T>;
  readonly isOpen: boolean;
  open(value: T): void;
}

export function gate<T = void>(): Gate<T> {
  let resolve!: (v: T) => void;
  let isOpen = false;
  const promise = new Promise<T>((r) => (resolve = r));
  return {
    promise,
    get isOpen() {
      return isOpen;
    },
    open(value: T) {
      isOpen = true;
      resolve(value);
    },
  };
}

/** Resolves when `signal` aborts (with its reason). */
export function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
}

/** Counts calls by name: how many times a step really executed. */
export class Counter {
  private readonly counts = new Map<string, number>();
  hit(name: string): number {
    const n = (this.counts.get(name) ?? 0) + 1;
    this.counts.set(name, n);
    return n;
  }
  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }
}

/** Rejection of `p`, for asserting on errors that cross the client. */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; [k: string]: unknown }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string; [k: string]: unknown };
  }
  assert.fail('expected a rejection, got a result');
}

/** The TypeScript source of a compiled test file: `import.meta.url` of dist/test/engine/x.test.js -> test/engine/x.test.ts. */
export function sourceOf(compiledUrl: string): { file: string; lineOf(marker: string): number } {
  const js = fileURLToPath(compiledUrl);
  const file = path.resolve(path.dirname(js), '../../../test/engine', path.basename(js).replace(/\.js$/, '.ts'));
  const lines = readFileSync(file, 'utf8').split('\n');
  return {
    file,
    lineOf(marker: string): number {
      const hits = lines.flatMap((l, i) => (l.includes(marker) && !l.includes('lineOf(') ? [i + 1] : []));
      assert.equal(hits.length, 1, `marker ${JSON.stringify(marker)} must appear on exactly one line of ${file}`);
      return hits[0]!;
    },
  };
}

/** Ids of a history's events are 1..n. */
export function assertDense(events: RecordedEvent[]): void {
  assert.deepEqual(
    events.map((e) => e.id),
    events.map((_, i) => i + 1),
  );
}

/**
 * The same store, but every commit first awaits `before` (another process
 * landing a write just before, or a slow disk). Give it to a worker as `store`.
 */
export function interceptCommits(inner: Store, before: (commit: Commit) => Promise<void>): Store {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'commit') {
        return async (commit: Commit, now: number) => {
          await before(commit);
          return target.commit(commit, now);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
