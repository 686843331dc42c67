/**
 * Worker child processes for the crash tests: spawn, wait until ready, kill
 * with real signals, and make sure none outlives the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { WorkerEvent } from '../../src/engine/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { LedgerLine } from './fixtures/workflows.js';
import type { WorkerLine } from './fixtures/worker-main.js';

const WORKER_MAIN = fileURLToPath(new URL('./fixtures/worker-main.js', import.meta.url));

export interface WorkerProcess {
  readonly workerId: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Notable worker events, in the order the worker printed them. */
  readonly events: WorkerEvent[];
  readonly stderr: string[];
  /** Resolves once the worker polls the store. */
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stoppedGracefully: boolean;
  /** The signal the test sent, and when. */
  killedWith: NodeJS.Signals | null;
  killedAt: number | null;
  isAlive(): boolean;
}

export interface FleetOptions {
  store: string;
  ledger: string;
  leaseMs: number;
  pollMs?: number;
  /** Prefix of worker ids: `<prefix>-<n>`. */
  name: string;
  /** A compiled workflows module the workers run instead of the crash fixtures. */
  workflows?: string;
}

/** Every worker process a test started; `shutdown()` kills whatever is left. */
export class Fleet {
  readonly all: WorkerProcess[] = [];
  private n = 0;

  constructor(private readonly opts: FleetOptions) {}

  get live(): WorkerProcess[] {
    return this.all.filter((w) => w.isAlive() && w.killedWith === null);
  }

  /** Starts a worker and waits until it is ready. */
  async start(): Promise<WorkerProcess> {
    const w = this.spawn();
    await w.ready;
    return w;
  }

  spawn(): WorkerProcess {
    const workerId = `${this.opts.name}-${++this.n}`;
    const child = spawn(
      process.execPath,
      [
        WORKER_MAIN,
        '--store', this.opts.store,
        '--ledger', this.opts.ledger,
        '--worker-id', workerId,
        '--lease-ms', String(this.opts.leaseMs),
        '--poll-ms', String(this.opts.pollMs ?? 20),
        ...(this.opts.workflows ? ['--workflows', this.opts.workflows] : []),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const exited = once(child, 'exit').then(([code, signal]) => (exitInfo = { code, signal }));
    const events: WorkerEvent[] = [];
    const stderr: string[] = [];
    let markReady!: () => void;
    let failReady!: (e: Error) => void;
    const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
    const w: WorkerProcess = {
      workerId,
      pid: child.pid!,
      child,
      events,
      stderr,
      ready,
      exited,
      stoppedGracefully: false,
      killedWith: null,
      killedAt: null,
      isAlive: () => exitInfo === null,
    };
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: WorkerLine;
      try {
        line = JSON.parse(text) as WorkerLine;
      } catch {
        stderr.push(`stdout: ${text}`);
        return;
      }
      if (line.type === 'ready') markReady();
      else if (line.type === 'event') events.push(line.event);
      else if (line.type === 'stopped') w.stoppedGracefully = true;
    });
    createInterface({ input: child.stderr! }).on('line', (text) => stderr.push(text));
    void exited.then(({ code, signal }) =>
      failReady(new Error(`worker ${workerId} exited before it was ready (code ${code}, signal ${signal}): ${stderr.join('\n')}`)),
    );
    const timer = setTimeout(() => failReady(new Error(`worker ${workerId} not ready within 15s: ${stderr.join('\n')}`)), 15_000);
    void ready.then(() => clearTimeout(timer), () => clearTimeout(timer));
    this.all.push(w);
    return w;
  }

  /** Sends a real signal; remembers it so that the test can tell crashes from surprises. */
  kill(w: WorkerProcess, signal: NodeJS.Signals): void {
    if (w.killedWith === null) {
      w.killedWith = signal;
      w.killedAt = Date.now();
    }
    w.child.kill(signal);
  }

  /** Workers that exited without the test killing them: always a failure. */
  unexpectedExits(): WorkerProcess[] {
    return this.all.filter((w) => !w.isAlive() && w.killedWith === null);
  }

  /** SIGTERM for the live ones (graceful), then SIGKILL for anything still there after `graceMs`. */
  async shutdown(graceMs = 3000): Promise<void> {
    for (const w of this.all) if (w.isAlive() && w.killedWith === null) this.kill(w, 'SIGTERM');
    const deadline = new Promise((r) => setTimeout(r, graceMs).unref());
    await Promise.race([Promise.all(this.all.map((w) => w.exited)), deadline]);
    this.killAll();
    await Promise.all(this.all.map((w) => w.exited));
  }

  /** Synchronous last resort for `after` hooks and process exit. */
  killAll(): void {
    for (const w of this.all) {
      if (w.isAlive()) {
        try {
          w.child.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }
}

/** mulberry32: a seeded PRNG, so a failing schedule can be replayed with the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The ledger's lines; a line cut short by a kill (never seen so far) is skipped and counted. */
export function readLedger(file: string): { lines: LedgerLine[]; torn: number } {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { lines: [], torn: 0 };
  }
  const lines: LedgerLine[] = [];
  let torn = 0;
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    try {
      lines.push(JSON.parse(raw) as LedgerLine);
    } catch {
      torn++;
    }
  }
  return { lines, torn };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A crash test's ground: a temp folder with a store and a ledger, and a fleet of worker processes over them. */
export interface CrashBed {
  dir: string;
  storePath: string;
  ledgerPath: string;
  fleet: Fleet;
  /** Opens the test's own connection to the store (closed by the bed). */
  openStore(): Promise<Store>;
  /** Set when the test passed: only then is the folder removed. */
  passed: boolean;
}

/**
 * Makes a CrashBed and registers, in the calling `describe`, the hook that kills
 * every worker (also if the test process exits) and keeps the folder of a failed
 * test (or of any with CRASH_KEEP=1) for a look.
 */
export function crashBed(opts: { prefix: string; name: string; leaseMs: number; label: string; workflows?: string }): CrashBed {
  const dir = mkdtempSync(path.join(tmpdir(), opts.prefix));
  const storePath = path.join(dir, 'hindsight.db');
  const ledgerPath = path.join(dir, 'ledger.jsonl');
  const fleet = new Fleet({ store: storePath, ledger: ledgerPath, leaseMs: opts.leaseMs, pollMs: 20, name: opts.name, ...(opts.workflows ? { workflows: opts.workflows } : {}) });
  let store: Store | null = null;
  const bed: CrashBed = {
    dir,
    storePath,
    ledgerPath,
    fleet,
    passed: false,
    openStore: async () => (store = await openStore({ path: storePath })),
  };
  const onExit = () => fleet.killAll();
  process.on('exit', onExit);
  after(async () => {
    fleet.killAll();
    await Promise.all(fleet.all.map((w) => w.exited));
    process.off('exit', onExit);
    await store?.close();
    if (!bed.passed || process.env.CRASH_KEEP) console.error(`${opts.label} kept its store and ledger in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  return bed;
}
