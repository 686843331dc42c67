import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The built CLI: dist/test/cli/x.test.js -> dist/src/cli/main.js. */
export const CLI = path.resolve(here, '../../src/cli/main.js');
export const WORKFLOWS = path.join(here, 'fixtures', 'workflows.js');
export const CHANGED_WORKFLOWS = path.join(here, 'fixtures', 'workflows-changed.js');

const RUN_TIMEOUT_MS = 30_000;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  /** The store to pass with --store; null passes none. Default: the sandbox's store. */
  store?: string | null;
  env?: Record<string, string>;
}

type Json = Record<string, any>;

/** One temp folder with its own store, and every child process started in it. */
export class Sandbox {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'hindsight-cli-'));
  readonly store = path.join(this.dir, 'store', 'hindsight.db');
  private readonly children = new Map<ChildProcess, Promise<void>>();

  spawn(args: string[], opts: SpawnOptions = {}): ChildProcess {
    const storeArgs = opts.store === null ? [] : ['--store', opts.store ?? this.store];
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...opts.env };
    delete env.FORCE_COLOR;
    if (!opts.env?.HINDSIGHT_STORE) delete env.HINDSIGHT_STORE;
    const child = spawn(process.execPath, [CLI, ...args, ...storeArgs], { cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    this.children.set(child, exited);
    void exited.then(() => this.children.delete(child));
    return child;
  }

  /** Runs the CLI to its end. */
  run(args: string[], opts: SpawnOptions = {}): Promise<CliResult> {
    const child = this.spawn(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    return new Promise((resolve) => {
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  /** Runs the CLI and expects success; returns stdout. */
  async ok(args: string[], opts: SpawnOptions = {}): Promise<string> {
    const r = await this.run(args, opts);
    assert.equal(r.code, 0, `hindsight ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  }

  /** Runs the CLI with --json and parses what it prints. */
  async json<T = Json>(args: string[], opts: SpawnOptions = {}): Promise<T> {
    return JSON.parse(await this.ok([...args, '--json'], opts)) as T;
  }

  /** Runs the CLI, expects it to fail with exactly one line on stderr carrying `code`; returns that line. */
  async fails(args: string[], code: string, opts: SpawnOptions = {}): Promise<{ line: string; stdout: string }> {
    const r = await this.run(args, opts);
    assert.equal(r.code, 1, `hindsight ${args.join(' ')} should exit 1; stdout: ${r.stdout} stderr: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
    assert.match(lines[0]!, new RegExp(`\\[${code}\\]$`), `expected ${code} in: ${lines[0]}`);
    return { line: lines[0]!, stdout: r.stdout };
  }

  /** Starts `hindsight worker --log json` and waits for its ready line. */
  async startWorker(args: string[] = ['--workflows', WORKFLOWS], opts: SpawnOptions = {}): Promise<WorkerProcess> {
    const worker = new WorkerProcess(this.spawn(['worker', ...args, '--log', 'json'], opts));
    await worker.waitFor((e) => e.type === 'ready', 'the ready line');
    return worker;
  }

  /** Starts a long-running command (worker, dev) with its raw output lines. */
  startProcess(args: string[], opts: SpawnOptions = {}): WorkerProcess {
    return new WorkerProcess(this.spawn(args, opts));
  }

  /** Kills every child still running except `keep` (a worker shared by a whole suite). */
  async reap(keep: WorkerProcess[] = []): Promise<void> {
    const kept = new Set(keep.map((w) => w.child));
    for (const [child, exited] of [...this.children]) {
      if (kept.has(child)) continue;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  }

  /** Kills what is still running and removes the folder. */
  async dispose(): Promise<void> {
    await this.reap();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A child process whose stdout is read line by line as it comes (a worker's log). */
export class WorkerProcess {
  readonly lines: string[] = [];
  readonly events: Json[] = [];
  stderr = '';
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      if (line.startsWith('{')) this.events.push(JSON.parse(line) as Json);
      this.notify();
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.stderr += s;
      this.notify();
    });
    this.exit = new Promise((resolve) => child.once('close', (code, signal) => (resolve({ code, signal }), this.notify())));
  }

  private notify(): void {
    for (const check of [...this.waiters]) check();
  }

  get ready(): Json {
    return this.events.find((e) => e.type === 'ready')!;
  }

  waitFor(match: (e: Json) => boolean, what: string, timeoutMs = 15_000): Promise<Json> {
    return this.waitUntil(() => this.events.find(match), what, timeoutMs);
  }

  waitForLine(match: (line: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
    return this.waitUntil(() => this.lines.find(match), what, timeoutMs);
  }

  /** Sends the signal and waits for the process to end. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill(signal);
    return this.exit;
  }

  private waitUntil<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found !== undefined) return done(() => resolve(found));
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done(() => reject(new Error(`process ended before ${what}; stderr: ${this.stderr}\nstdout: ${this.lines.join('\n')}`)));
        }
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no ${what} within ${timeoutMs}ms; stderr: ${this.stderr}\nstdout: ${this.lines.join('\n')}`))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      check();
    });
  }
}
