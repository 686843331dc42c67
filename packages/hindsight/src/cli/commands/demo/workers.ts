/** The demo's `hindsight worker --log json` child processes, and what their event lines say. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pc from 'picocolors';
import { HindsightError } from '../../../common/errors.js';
import { LEDGER_ENV } from './ledger.js';
import { shortPath } from './output.js';
import { CLI_MAIN, EXAMPLE_WORKFLOWS, LEASE_TIMEOUT, TASK_QUEUE } from './settings.js';
import { within } from './wait.js';

/** Both workers run the same command line; only the process differs. */
export function workerArgs(storeArg: string): string[] {
  return [CLI_MAIN, 'worker', '--workflows', EXAMPLE_WORKFLOWS, '--store', storeArg, '--task-queue', TASK_QUEUE, '--log', 'json', '--lease-timeout', LEASE_TIMEOUT];
}

/** The command line as a user would type it. */
export function commandLine(args: string[]): string {
  return ['hindsight', ...args.slice(1).map((a) => (path.isAbsolute(a) ? shortPath(a) : a))].join(' ');
}

/** Spawns a worker and resolves once it printed its ready line. */
export async function startWorker(label: string, args: string[], ledger: string): Promise<WorkerProcess> {
  const worker = new WorkerProcess(label, args, { [LEDGER_ENV]: ledger });
  await worker.ready();
  return worker;
}

/** Every worker process still alive; they must not outlive the demo. */
const alive = new Set<WorkerProcess>();
let killOnExitInstalled = false;

/** However the demo ends (an error, Ctrl-C, a closed terminal), its workers end with it. */
export function killWorkersOnExit(): void {
  if (killOnExitInstalled) return;
  killOnExitInstalled = true;
  const killAll = () => {
    for (const w of alive) w.killNow();
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAll();
      process.stderr.write(`\n${pc.yellow('demo interrupted')}: its worker processes were stopped\n`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Stops the workers still alive, one after the other, in the order they started. */
export async function stopWorkers(): Promise<void> {
  for (const w of [...alive]) await w.stop();
}

interface WorkerLine {
  type?: string;
  [key: string]: unknown;
}

export class WorkerProcess {
  readonly pid: number;
  /** Counts from the worker's event lines. */
  steps = 0;
  retries = 0;
  claimed = 0;
  replayed = 0;
  onEvent: () => void = () => {};
  private workerId: string | null = null;
  private readonly child: ChildProcess;
  private readonly stderrTail: string[] = [];
  private readonly isReady: Promise<void>;
  private readonly exited: Promise<void>;
  private killedByUs = false;

  constructor(
    private readonly label: string,
    args: string[],
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    alive.add(this);
    this.pid = this.child.pid ?? -1;
    this.exited = new Promise((resolve) => this.child.once('exit', () => (alive.delete(this), resolve())));
    this.child.once('error', () => {});
    this.keepStderrTail();
    this.isReady = this.readEventLines();
    this.isReady.catch(() => {});
  }

  ready(timeoutMs = 20_000): Promise<void> {
    return within(this.isReady, timeoutMs, () => {
      throw this.failure(`printed no {"type":"ready"} line within ${timeoutMs / 1000}s`);
    });
  }

  /** Resolves with a message once the process ended without being asked to; never, if it was asked. */
  async died(): Promise<string> {
    await this.exited;
    if (this.killedByUs) return new Promise<string>(() => {});
    return this.failure(`exited (${this.exitText()}) while runs were open`).message;
  }

  assertAlive(): void {
    if (this.hasExited()) throw this.failure(`exited (${this.exitText()})`);
  }

  /** SIGKILL, and wait until it is gone. */
  async kill(): Promise<void> {
    this.killedByUs = true;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGKILL without waiting: for the process's 'exit' handler, where nothing asynchronous runs. */
  killNow(): void {
    if (!this.hasExited()) this.child.kill('SIGKILL');
  }

  /** A gentle stop (SIGTERM), then SIGKILL if it does not go within 3 seconds. */
  async stop(): Promise<void> {
    if (this.hasExited()) return;
    this.killedByUs = true;
    this.child.kill('SIGTERM');
    const gone = await within(this.exited.then(() => true), 3000, () => false);
    if (!gone) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Whether a WorkerAttached event was written by this process. */
  owns(workerId: string): boolean {
    return workerId === this.workerId || workerId.startsWith(`worker-${this.pid}-`);
  }

  /** The last lines of stderr, for the message if the worker fails. */
  private keepStderrTail(): void {
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
    });
  }

  /** Counts the event lines on stdout; resolves at the ready line, rejects if the process goes first. */
  private readEventLines(): Promise<void> {
    return new Promise((resolve, reject) => {
      createInterface({ input: this.child.stdout! }).on('line', (line) => {
        const e = parseLine(line);
        if (!e) return;
        if (e.type === 'ready') {
          if (typeof e.workerId === 'string') this.workerId = e.workerId;
          return resolve();
        }
        this.count(e);
      });
      this.child.once('error', (err) => reject(this.failure(`could not be started: ${err.message}`)));
      void this.exited.then(() => reject(this.failure(`exited (${this.exitText()}) before it was ready`)));
    });
  }

  private count(e: WorkerLine): void {
    if (e.type === 'step-executed') this.steps++;
    else if (e.type === 'step-retrying') this.retries++;
    else if (e.type === 'run-claimed') {
      this.claimed++;
      if (typeof e.replayed === 'number') this.replayed += e.replayed;
    }
    this.onEvent();
  }

  private hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  private exitText(): string {
    return this.child.signalCode ? `signal ${this.child.signalCode}` : `code ${this.child.exitCode}`;
  }

  private failure(what: string): HindsightError {
    const tail = this.stderrTail.filter((l) => l.trim() !== '').slice(-3).join(' | ');
    return new HindsightError('HS_E_DEMO_WORKER', `${this.label} (pid ${this.pid}) ${what}${tail ? `: ${tail}` : ''}; try \`hindsight worker --workflows ${path.relative(process.cwd(), EXAMPLE_WORKFLOWS)}\` by hand to see why`);
  }
}

/** Null for anything that is not an event line. */
function parseLine(line: string): WorkerLine | null {
  try {
    return JSON.parse(line) as WorkerLine;
  } catch {
    return null;
  }
}
