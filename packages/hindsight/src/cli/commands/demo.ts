/**
 * `hindsight demo`: checkout workflows, a worker killed with SIGKILL in the
 * middle of them, and a second worker that resumes every run by replaying its
 * history. Everything is real: a SQLite store file, two worker processes
 * (`hindsight worker`), a real signal. The example's fake services write every
 * request they receive to a ledger file with the sender's pid, which is how
 * the summary proves what executed where.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import type { Command } from 'commander';
import pc from 'picocolors';
import { Client, WorkflowBlockedError, WorkflowFailedError, type WorkflowHandle } from '../../client/index.js';
import { HindsightError, InvalidInputError } from '../../common/errors.js';
import type { RecordedEvent } from '../../history/index.js';
import { openStore, type RunRecord, type Store } from '../../store/index.js';
import { intFlag } from '../flags.js';
import { storePath } from '../store.js';
import type { RegisterCommand } from './index.js';

// --- where things are ------------------------------------------------------------

/** This file is dist/src/cli/commands/demo.js inside packages/hindsight. */
const CLI_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../../../', import.meta.url));
const EXAMPLE_WORKFLOWS = path.join(REPO_ROOT, 'examples', 'checkout', 'dist', 'workflows.js');

const LEASE_TIMEOUT = '2s';
const FOLLOW_UP_AFTER = '2s';
const APPROVAL_TIMEOUT = '3s';
const RESULT_TIMEOUT_MS = 40_000;
/** A queue of its own: a `hindsight dev` on the same store does not take the demo's runs. */
const TASK_QUEUE = 'checkout-demo';
const MAX_ORDERS = 100;

// --- the orders -----------------------------------------------------------------------

type Kind = 'normal' | 'flaky' | 'declined' | 'approved' | 'unapproved' | 'cancelled';

interface Scenario {
  kind: Kind;
  label: string;
  card: string;
  items: { sku: string; qty: number; price: number }[];
  /** What the demo does to the order while no worker runs. */
  action?: 'approve' | 'cancel';
  expect: { status: RunRecord['status']; outcome?: 'completed' | 'rejected' };
  note: string;
}

const MUGS = [{ sku: 'mug-blue', qty: 2, price: 1_450 }, { sku: 'beans-1kg', qty: 1, price: 2_900 }];
const BOOKS = [{ sku: 'book-ddia', qty: 1, price: 4_200 }];
const LAPTOP = [{ sku: 'laptop-14', qty: 1, price: 239_900 }];
const BIKE = [{ sku: 'e-bike', qty: 1, price: 310_000 }, { sku: 'helmet', qty: 1, price: 8_900 }];

const SCENARIOS: Scenario[] = [
  { kind: 'normal', label: 'normal', card: 'tok_visa', items: MUGS, expect: { status: 'COMPLETED', outcome: 'completed' }, note: 'reserve, charge, ship (child workflow), emails, loyalty points, follow-up timer' },
  { kind: 'flaky', label: 'flaky gateway', card: 'tok_flaky', items: BOOKS, expect: { status: 'COMPLETED', outcome: 'completed' }, note: 'the payment gateway times out on the first attempt(s); retried with backoff' },
  { kind: 'declined', label: 'declined card', card: 'tok_declined', items: MUGS, expect: { status: 'FAILED' }, note: 'NonRetryableError: no retries; inventory released, the run fails' },
  { kind: 'approved', label: 'needs approval', card: 'tok_visa', items: LAPTOP, action: 'approve', expect: { status: 'COMPLETED', outcome: 'completed' }, note: "above $1,000: waits for an 'approval' signal; the demo approves it" },
  { kind: 'normal', label: 'normal', card: 'tok_visa', items: BOOKS, expect: { status: 'COMPLETED', outcome: 'completed' }, note: 'as above' },
  { kind: 'unapproved', label: 'approval times out', card: 'tok_visa', items: BIKE, expect: { status: 'COMPLETED', outcome: 'rejected' }, note: `nobody approves it: after ${APPROVAL_TIMEOUT} the payment is refunded, inventory released` },
  { kind: 'flaky', label: 'flaky gateway', card: 'tok_flaky', items: MUGS, expect: { status: 'COMPLETED', outcome: 'completed' }, note: 'as above' },
  { kind: 'cancelled', label: 'cancelled', card: 'tok_visa', items: LAPTOP, action: 'cancel', expect: { status: 'CANCELLED' }, note: 'the customer cancels while it waits for approval: refund, release, CANCELLED' },
];

interface Order {
  id: string;
  scenario: Scenario;
  amount: number;
  handle: WorkflowHandle;
}

// --- the command ---------------------------------------------------------------------

export const register: RegisterCommand = (program) => {
  const cmd = program
    .command('demo')
    .description('run checkout workflows, SIGKILL their worker mid-run, and watch a second worker resume them by replay')
    .option('--orders <n>', 'how many checkout orders to start', '8');
  // The store flag is global when main.ts declares it; declare it here otherwise.
  if (!program.options.some((o) => o.long === '--store')) cmd.option('--store <path>', 'store file (default .hindsight/hindsight.db)');
  cmd.action(async (opts: { orders: string }, command: Command) => {
    const orders = intFlag('--orders', opts.orders, 1);
    if (orders > MAX_ORDERS) {
      throw new InvalidInputError(`--orders must be at most ${MAX_ORDERS}: the demo is a tour, not a load test (for that, see \`npm run bench\`)`);
    }
    await runDemo({ store: storePath(command), orders });
  });
};

export interface DemoOptions {
  store: string;
  orders: number;
}

/** The child processes the demo started: they die with it, whatever ends it. */
const children = new Set<ChildProcess>();
let cleanupInstalled = false;

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
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

async function runDemo(opts: DemoOptions): Promise<void> {
  const t0 = Date.now();
  if (!existsSync(EXAMPLE_WORKFLOWS) || !existsSync(CLI_MAIN)) {
    throw new HindsightError(
      'HS_E_DEMO_NOT_BUILT',
      `the demo needs the compiled checkout example at ${path.relative(process.cwd(), EXAMPLE_WORKFLOWS) || EXAMPLE_WORKFLOWS}; run \`npm run build\` at the repository root first`,
    );
  }
  installCleanup();
  const storeFile = opts.store.replace(/^sqlite:(\/\/)?/i, '');
  const storeArg = /^sqlite:/i.test(opts.store) ? opts.store : path.resolve(opts.store);
  const ledger = path.join(path.dirname(path.resolve(storeFile)), 'example-ledger.jsonl');
  mkdirSync(path.dirname(ledger), { recursive: true });
  writeFileSync(ledger, '');

  const store = await openStore({ path: opts.store });
  const workers: WorkerProcess[] = [];
  try {
    await demo(store, storeArg, ledger, opts, workers);
  } finally {
    for (const w of workers) await w.stop();
    await store.close();
  }
  out(`\n${pc.dim(`demo finished in ${((Date.now() - t0) / 1000).toFixed(1)}s`)}\n`);
}

async function demo(store: Store, storeArg: string, ledger: string, opts: DemoOptions, workers: WorkerProcess[]): Promise<void> {
  const client = new Client({ store, pollInterval: 50 });
  const rel = (p: string) => {
    const r = path.relative(process.cwd(), p);
    return r === '' || r.startsWith('..') ? p : r;
  };

  out(`\n${pc.bold('Hindsight demo')}: durable checkout workflows outlive a worker killed with SIGKILL\n\n`);
  out(`  ${pc.dim('store ')}  ${store.location}\n`);
  out(`  ${pc.dim('code  ')}  ${rel(path.join(REPO_ROOT, 'examples', 'checkout', 'src', 'workflows.ts'))}\n`);
  out(`  ${pc.dim('ledger')}  ${rel(ledger)}  ${pc.dim('(every request the fake services receive, with the pid of the worker that sent it)')}\n`);

  // 1. start the orders ------------------------------------------------------------------
  heading(1, `Starting ${opts.orders} checkout runs`);
  const tag = Date.now().toString(36).slice(-5);
  const width = String(opts.orders).length;
  const orders: Order[] = [];
  for (let i = 0; i < opts.orders; i++) {
    const scenario = SCENARIOS[i % SCENARIOS.length]!;
    const id = `ord-${tag}-${String(i + 1).padStart(Math.max(2, width), '0')}`;
    const input = {
      orderId: id,
      customer: { id: `cust-${(i % 5) + 1}`, email: `customer${(i % 5) + 1}@example.com` },
      items: scenario.items,
      card: scenario.card,
      shippingAddress: `${10 + i} Market Street, San Francisco`,
      approvalTimeout: APPROVAL_TIMEOUT,
      followUpAfter: FOLLOW_UP_AFTER,
    };
    const handle = await client.start('checkout', input, { workflowId: id, taskQueue: TASK_QUEUE });
    const amount = scenario.items.reduce((s, it) => s + it.qty * it.price, 0);
    orders.push({ id, scenario, amount, handle });
  }
  const seen = new Set<Kind>();
  for (const o of orders) {
    const first = !seen.has(o.scenario.kind);
    seen.add(o.scenario.kind);
    out(`  ${pc.cyan(o.id)}  ${pad(o.scenario.label, 19)} ${pad(money(o.amount), 10, 'right')}  ${pc.dim(first ? o.scenario.note : '')}\n`);
  }
  out(
    `\n  ${pc.dim(`Timers are short so that the demo ends soon: the follow-up email waits ${FOLLOW_UP_AFTER} and approval times out after ${APPROVAL_TIMEOUT}.`)}\n` +
      `  ${pc.dim(`In production the same code says ctx.sleep('30 days') and waitForSignal('approval', { timeout: '2 days' }): a timer is a row in the store, not a sleeping process.`)}\n`,
  );

  // 2. worker 1 --------------------------------------------------------------------------
  const workerArgs = [CLI_MAIN, 'worker', '--workflows', EXAMPLE_WORKFLOWS, '--store', storeArg, '--task-queue', TASK_QUEUE, '--log', 'json', '--lease-timeout', LEASE_TIMEOUT];
  heading(2, 'Worker 1 takes the runs');
  out(`  ${pc.dim('$')} ${pc.dim(['hindsight', ...workerArgs.slice(1).map((a) => (path.isAbsolute(a) ? rel(a) : a))].join(' '))}\n`);
  const ids = new Set(orders.map((o) => o.id));
  const w1 = new WorkerProcess('worker 1', workerArgs, { HINDSIGHT_EXAMPLE_LEDGER: ledger });
  workers.push(w1);
  await w1.ready();
  out(`  ${pc.green('●')} worker 1 is ready ${pc.dim(`(pid ${w1.pid})`)}\n`);

  // Kill once a good part of the work is done, while steps are in flight. The status
  // queries go first, half-way there, so that they do not hold the kill up.
  const killAfter = Math.max(3, Math.round(opts.orders * 2.5));
  const waitForRequests = async (n: number, label: string): Promise<number> => {
    const bar = progressBar(`  {bar} {value}/{total} ${label} | {steps} step results recorded, {retries} retries`);
    bar?.start(n, 0, { steps: 0, retries: 0 });
    const deadline = Date.now() + 15_000;
    let requests = 0;
    while (requests < n && Date.now() < deadline) {
      await w1.throwIfDied();
      await sleep(10);
      requests = readLedger(ledger).filter((e) => ids.has(e.orderId)).length;
      bar?.update(Math.min(requests, n), { steps: w1.steps, retries: w1.retries });
    }
    bar?.stop();
    return requests;
  };

  const asked = await waitForRequests(Math.ceil(killAfter / 2), 'service requests');
  out(`\n  After ${asked} service requests, asking each order where it is ${pc.dim("(ctx.onQuery('status'), answered by worker 1 from the run's state)")}\n`);
  const statuses = await Promise.all(orders.map((o) => queryStatus(o)));
  for (const [i, o] of orders.entries()) out(`    ${pc.cyan(o.id)}  ${statuses[i]}\n`);
  out('\n');
  await waitForRequests(killAfter, 'service requests before the kill');

  await w1.kill();
  const atKill = readLedger(ledger).filter((e) => ids.has(e.orderId));
  out(`  ${pc.red(pc.bold('✖ SIGKILL'))} worker 1 ${pc.dim(`(pid ${w1.pid})`)} after ${atKill.length} service requests, ${w1.steps} step results recorded. No shutdown, no cleanup.\n`);

  const runs1 = await loadRuns(client, orders);
  const inFlight = findInFlight(atKill, runs1, w1.pid);
  if (inFlight.length > 0) {
    out(`  Steps in flight when it died (the request reached the service, the result was never recorded):\n`);
    for (const f of inFlight) out(`    ${pc.yellow('↯')} ${pc.cyan(f.orderId)} ${f.step} ${pc.dim(`attempt ${f.attempt}, idempotency key …/${f.key.split('/').slice(-2).join('/').slice(-14)}`)}\n`);
  } else {
    out(`  ${pc.dim('No step was in flight at that instant: every request sent had its result recorded.')}\n`);
  }

  // 3. while no worker runs ---------------------------------------------------------------
  heading(3, 'No worker is running; the store takes messages anyway');
  for (const o of orders) {
    if (o.scenario.action === 'approve') {
      await o.handle.signal('approval', { approved: true, by: 'ops@shop.example', note: 'looks fine' });
      out(`  ${pc.green('→')} signal 'approval' to ${pc.cyan(o.id)} ${pc.dim('(waits in the run inbox)')}\n`);
    } else if (o.scenario.action === 'cancel') {
      await o.handle.cancel('the customer cancelled the order');
      out(`  ${pc.red('→')} cancel ${pc.cyan(o.id)} ${pc.dim('(the workflow will undo what it did, then end CANCELLED)')}\n`);
    }
  }
  if (!orders.some((o) => o.scenario.action)) out(`  ${pc.dim('(no order here needs a signal)')}\n`);

  // 4. worker 2 ----------------------------------------------------------------------------
  heading(4, 'Worker 2 resumes every run by replay');
  const w2 = new WorkerProcess('worker 2', workerArgs, { HINDSIGHT_EXAMPLE_LEDGER: ledger });
  workers.push(w2);
  await w2.ready();
  out(`  ${pc.green('●')} worker 2 is ready ${pc.dim(`(pid ${w2.pid})`)}. It claims each run once worker 1's lease on it expires (--lease-timeout ${LEASE_TIMEOUT}),\n`);
  out(`    replays the history (recorded step results are returned, not executed) and goes on from there.\n`);

  const bar2 = progressBar(`  {bar} {value}/{total} orders finished | worker 2: {claimed} runs taken over, {replayed} events replayed, {steps} steps executed`);
  bar2?.start(orders.length, 0, { claimed: 0, replayed: 0, steps: 0 });
  let finished = 0;
  const tick = () => bar2?.update(finished, { claimed: w2.claimed, replayed: w2.replayed, steps: w2.steps });
  w2.onEvent = tick;
  const outcomes = await Promise.all(
    orders.map(async (o) => {
      const r = await Promise.race([settle(o), w2.died().then((msg) => ({ error: msg }) as Outcome)]);
      finished++;
      tick();
      return r;
    }),
  );
  bar2?.stop();
  const ended = outcomes.filter((o) => o.status === 'COMPLETED' || o.status === 'FAILED' || o.status === 'CANCELLED').length;
  const mark = ended === orders.length ? pc.green('●') : pc.red('●');
  out(`  ${mark} ${ended} of ${orders.length} orders ended; worker 2 claimed ${w2.claimed} runs (orders and their shipments) and replayed ${w2.replayed} recorded events\n`);

  // 5. summary -------------------------------------------------------------------------------
  const runs = await loadRuns(client, orders);
  const entries = readLedger(ledger).filter((e) => ids.has(e.orderId));
  const summary = summarize(orders, outcomes, runs, entries, w1, w2);
  printSummary(summary, w1, w2);

  heading(6, 'Next');
  const example = orders.find((o) => o.scenario.kind === 'flaky') ?? orders[0]!;
  const storeFlag = storeArg === path.resolve('.hindsight/hindsight.db') ? '' : ` --store ${rel(storeArg)}`;
  out(`  hindsight workflow list${storeFlag}\n`);
  out(`  hindsight workflow show ${example.id}${storeFlag}\n`);
  out(`  hindsight workflow history ${example.id}${storeFlag}\n`);
  out(`  ${pc.dim(`the ledger of side effects: ${rel(ledger)}; how the checkout is written: docs/workflows.md`)}\n`);

  if (summary.problems.length > 0) {
    throw new HindsightError(
      'HS_E_DEMO_UNEXPECTED',
      `the demo saw ${summary.problems.length} thing${summary.problems.length === 1 ? '' : 's'} it should not have (marked ✖ above); please report them with the output of \`hindsight workflow show\` for the orders named`,
    );
  }
}

// --- worker processes ----------------------------------------------------------------

interface WorkerLine {
  type?: string;
  [key: string]: unknown;
}

/** One `hindsight worker --log json` child process and what its event lines said. */
class WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  workerId: string | null = null;
  steps = 0;
  retries = 0;
  claimed = 0;
  replayed = 0;
  onEvent: (e: WorkerLine) => void = () => {};
  private readonly stderrTail: string[] = [];
  private readonly isReady: Promise<void>;
  private readonly exited: Promise<void>;
  private killedByUs = false;

  constructor(
    readonly label: string,
    args: string[],
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    children.add(this.child);
    this.pid = this.child.pid ?? -1;
    this.exited = new Promise((resolve) => this.child.once('exit', () => (children.delete(this.child), resolve())));
    this.child.once('error', () => {});
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
    });
    this.isReady = new Promise((resolve, reject) => {
      createInterface({ input: this.child.stdout! }).on('line', (line) => {
        let e: WorkerLine;
        try {
          e = JSON.parse(line) as WorkerLine;
        } catch {
          return; // not an event line
        }
        if (e.type === 'ready') {
          if (typeof e.workerId === 'string') this.workerId = e.workerId;
          return resolve();
        }
        this.count(e);
      });
      this.child.once('error', (err) => reject(this.failure(`could not be started: ${err.message}`)));
      void this.exited.then(() => reject(this.failure(`exited (${this.exitText()}) before it was ready`)));
    });
    this.isReady.catch(() => {});
  }

  ready(timeoutMs = 20_000): Promise<void> {
    return within(this.isReady, timeoutMs, () => {
      throw this.failure(`printed no {"type":"ready"} line within ${timeoutMs / 1000}s`);
    });
  }

  /** Resolves with a message once the process ended without being asked to. */
  async died(): Promise<string> {
    await this.exited;
    if (this.killedByUs) return new Promise<string>(() => {});
    return this.failure(`exited (${this.exitText()}) while runs were open`).message;
  }

  async throwIfDied(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) throw this.failure(`exited (${this.exitText()})`);
  }

  async kill(): Promise<void> {
    this.killedByUs = true;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** A gentle stop (SIGTERM), then SIGKILL if it does not go within 3 seconds. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
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

  private count(e: WorkerLine): void {
    if (e.type === 'step-executed') this.steps++;
    else if (e.type === 'step-retrying') this.retries++;
    else if (e.type === 'run-claimed') {
      this.claimed++;
      if (typeof e.replayed === 'number') this.replayed += e.replayed;
    }
    this.onEvent(e);
  }

  private exitText(): string {
    return this.child.signalCode ? `signal ${this.child.signalCode}` : `code ${this.child.exitCode}`;
  }

  private failure(what: string): HindsightError {
    const tail = this.stderrTail.filter((l) => l.trim() !== '').slice(-3).join(' | ');
    return new HindsightError('HS_E_DEMO_WORKER', `${this.label} (pid ${this.pid}) ${what}${tail ? `: ${tail}` : ''}; try \`hindsight worker --workflows ${path.relative(process.cwd(), EXAMPLE_WORKFLOWS)}\` by hand to see why`);
  }
}

// --- runs, outcomes, ledger -------------------------------------------------------------

interface Outcome {
  status?: RunRecord['status'];
  result?: { outcome?: string; reason?: string; trackingNumber?: string; loyaltyPoints?: number | null; approvedBy?: string | null };
  error?: string;
}

async function settle(o: Order): Promise<Outcome> {
  try {
    const result = (await o.handle.result({ timeout: RESULT_TIMEOUT_MS })) as Outcome['result'];
    return { status: 'COMPLETED', result };
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      return { status: err.status as RunRecord['status'], ...(err.failure ? { error: `${err.failure.name}: ${err.failure.message}` } : {}) };
    }
    if (err instanceof WorkflowBlockedError) return { status: 'BLOCKED', error: err.message };
    return { error: (err as Error).message };
  }
}

/** The order's stage from its 'status' query; at most a second, so that the kill is not held up. */
async function queryStatus(o: Order): Promise<string> {
  const closed = async (note: string): Promise<string | null> => {
    const run = await o.handle.describe();
    return run.status === 'RUNNING' ? null : `${statusColour(run.status)} ${pc.dim(note)}`;
  };
  try {
    const s = await within(o.handle.query<{ stage: string }>('status'), 1000, () => null);
    if (s) return stageColour(s.stage);
    return (await closed('(closed while the query waited)')) ?? pc.dim('(no answer within 1s)');
  } catch (err) {
    if (HindsightError.is(err, 'HS_E_RUN_CLOSED')) return (await closed('(closed already: nothing left to ask)')) ?? '';
    return pc.dim(`(${(err as Error).message})`);
  }
}

/** A run of one order: its own history and its shipment child's, if there is one. */
interface OrderRuns {
  histories: Map<string, RecordedEvent[]>;
  parent: RecordedEvent[];
  child: RecordedEvent[];
}

async function loadRuns(client: Client, orders: Order[]): Promise<Map<string, OrderRuns>> {
  const all = new Map<string, OrderRuns>();
  for (const o of orders) {
    const histories = new Map<string, RecordedEvent[]>();
    const parentRun = await client.describe(o.id);
    const parent = await client.store.readHistory(parentRun.runId);
    histories.set(parentRun.runId, parent);
    let child: RecordedEvent[] = [];
    const childRun = await client.store.findRun(`${o.id}/shipment`);
    if (childRun) {
      child = await client.store.readHistory(childRun.runId);
      histories.set(childRun.runId, child);
    }
    all.set(o.id, { histories, parent, child });
  }
  return all;
}

interface LedgerEntry {
  service: string;
  action: string;
  orderId: string;
  idempotencyKey: string;
  step: string;
  attempt: number;
  outcome: string;
  pid: number;
  at: number;
}

function readLedger(file: string): LedgerEntry[] {
  if (!existsSync(file)) return [];
  const out: LedgerEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as LedgerEntry);
    } catch {
      // a line being written right now
    }
  }
  return out;
}

/** A step's idempotency key is `<workflowId>/<runId>/<seq>`. */
function parseKey(key: string): { runId: string; seq: number } | null {
  const parts = key.split('/');
  if (parts.length < 3) return null;
  const seq = Number(parts[parts.length - 1]);
  return Number.isInteger(seq) ? { runId: parts[parts.length - 2]!, seq } : null;
}

/** What the history recorded for one step call, up to (not including) event `before`. */
function recordedFor(runs: OrderRuns | undefined, key: string, before = Infinity): { done: boolean; failedAttempts: Set<number> } | null {
  const k = parseKey(key);
  const history = k && runs?.histories.get(k.runId);
  if (!k || !history) return null;
  const failedAttempts = new Set<number>();
  let done = false;
  for (const e of history) {
    if (e.id >= before || !('seq' in e) || e.seq !== k.seq) continue;
    if (e.type === 'StepCompleted' || e.type === 'StepFailed') done = true;
    if (e.type === 'StepRetrying') failedAttempts.add(e.attempt);
  }
  return { done, failedAttempts };
}

interface InFlight {
  orderId: string;
  step: string;
  attempt: number;
  key: string;
}

/** Requests worker 1 sent whose outcome never made it into the history. */
function findInFlight(entries: LedgerEntry[], runs: Map<string, OrderRuns>, pid: number): InFlight[] {
  const found: InFlight[] = [];
  for (const e of entries) {
    if (e.pid !== pid) continue;
    const rec = recordedFor(runs.get(e.orderId), e.idempotencyKey);
    if (!rec || rec.done || rec.failedAttempts.has(e.attempt)) continue;
    // A step that made several requests (packItems) counts once.
    if (found.some((f) => f.key === e.idempotencyKey && f.attempt === e.attempt)) continue;
    found.push({ orderId: e.orderId, step: e.step, attempt: e.attempt, key: e.idempotencyKey });
  }
  return found;
}

// --- summary ----------------------------------------------------------------------------

const STEP_COLUMNS: [string, string][] = [
  ['reserveInventory', 'reserve'],
  ['chargeCard', 'charge'],
  ['packItems', 'pack'],
  ['createShippingLabel', 'label'],
  ['sendEmail', 'emails'],
  ['awardLoyaltyPoints', 'points'],
  ['releaseInventory', 'release'],
  ['refundPayment', 'refund'],
];

interface OrderSummary {
  order: Order;
  outcome: Outcome;
  events: number;
  replayed: number | null;
  recorded: number | null;
  cells: Map<string, string>;
}

interface Summary {
  rows: OrderSummary[];
  /** Step calls whose result worker 1 had recorded: worker 2 must not execute them again. */
  replayedCalls: number;
  reExecutedCompleted: string[];
  ranAgain: { orderId: string; step: string; attempt: number; outcome: string }[];
  doubleCharges: string[];
  problems: string[];
}

function summarize(orders: Order[], outcomes: Outcome[], runs: Map<string, OrderRuns>, entries: LedgerEntry[], w1: WorkerProcess, w2: WorkerProcess): Summary {
  const summary: Summary = { rows: [], replayedCalls: 0, reExecutedCompleted: [], ranAgain: [], doubleCharges: [], problems: [] };
  const workerNo = (pid: number) => (pid === w1.pid ? 1 : pid === w2.pid ? 2 : 0);
  for (const [i, order] of orders.entries()) {
    const outcome = outcomes[i]!;
    const r = runs.get(order.id)!;
    // Events before worker 2's first WorkerAttached were replayed by it; events after it, recorded by it.
    const attachOf = (h: RecordedEvent[]) => h.find((e) => e.type === 'WorkerAttached' && w2.owns(e.workerId))?.id;
    let replayed: number | null = null;
    let recorded: number | null = null;
    const attach = new Map<string, number>();
    for (const [runId, h] of r.histories) {
      const at = attachOf(h);
      if (at === undefined) continue;
      attach.set(runId, at);
      replayed = (replayed ?? 0) + (at - 1);
      recorded = (recorded ?? 0) + (h.length - at);
    }

    // Executions per step call (idempotency key), in ledger order.
    const calls = new Map<string, LedgerEntry[]>();
    for (const e of entries) {
      if (e.orderId !== order.id) continue;
      const list = calls.get(e.idempotencyKey) ?? [];
      // packItems makes one request per item: one execution is one (attempt, pid).
      if (!list.some((x) => x.attempt === e.attempt && x.pid === e.pid)) list.push(e);
      calls.set(e.idempotencyKey, list);
    }
    const cells = new Map<string, string[]>();
    for (const [key, execs] of calls) {
      const k = parseKey(key);
      const at = k ? attach.get(k.runId) : undefined;
      const before = at !== undefined ? recordedFor(r, key, at) : null;
      if (before?.done) {
        summary.replayedCalls++;
        if (execs.some((x) => x.pid === w2.pid)) {
          summary.reExecutedCompleted.push(`${order.id} ${execs[0]!.step}`);
        }
      }
      // Same attempt in both workers: it was in flight at the kill and ran again.
      const again = execs.filter((x) => x.pid === w2.pid && execs.some((y) => y.pid === w1.pid && y.attempt === x.attempt));
      for (const x of again) summary.ranAgain.push({ orderId: order.id, step: x.step, attempt: x.attempt, outcome: x.outcome });
      const cell = renderCall(execs.map((x) => workerNo(x.pid)), again.length > 0);
      const list = cells.get(execs[0]!.step) ?? [];
      list.push(cell);
      cells.set(execs[0]!.step, list);
    }
    const charges = entries.filter((e) => e.orderId === order.id && e.action === 'charge' && e.outcome === 'ok').length;
    if (charges > 1) summary.doubleCharges.push(order.id);

    const expect = order.scenario.expect;
    if (outcome.status !== expect.status || (expect.outcome && outcome.result?.outcome !== expect.outcome)) {
      summary.problems.push(
        `${order.id} (${order.scenario.label}) ended ${outcome.status ?? 'unfinished'}${outcome.result?.outcome ? `/${outcome.result.outcome}` : ''}${outcome.error ? ` (${outcome.error})` : ''}, expected ${expect.status}${expect.outcome ? `/${expect.outcome}` : ''}`,
      );
    }
    summary.rows.push({
      order,
      outcome,
      events: r.parent.length + r.child.length,
      replayed,
      recorded,
      cells: new Map([...cells].map(([step, list]) => [step, list.join(' ')])),
    });
  }
  if (summary.reExecutedCompleted.length) summary.problems.push(`completed steps executed again: ${summary.reExecutedCompleted.join(', ')}`);
  if (summary.doubleCharges.length) summary.problems.push(`cards charged twice: ${summary.doubleCharges.join(', ')}`);
  return summary;
}

/** `1`, `1×3` (attempts), `1→2` (continued in worker 2); `*` and yellow when an attempt ran in both workers. */
function renderCall(workers: number[], ranAgain: boolean): string {
  const groups: { w: number; n: number }[] = [];
  for (const w of workers) {
    const last = groups[groups.length - 1];
    if (last && last.w === w) last.n++;
    else groups.push({ w, n: 1 });
  }
  const text = groups.map((g) => `${g.w || '?'}${g.n > 1 ? `×${g.n}` : ''}`).join('→');
  if (ranAgain) return pc.yellow(`${text}*`);
  return groups.length > 1 ? pc.cyan(text) : groups[0]!.w === 2 ? text : pc.dim(text);
}

function printSummary(s: Summary, w1: WorkerProcess, w2: WorkerProcess): void {
  heading(5, 'Summary');
  const runs = new Table({
    head: ['order', 'scenario', 'status', 'result', 'events', 'w2 replayed', 'w2 recorded'].map((h) => pc.bold(h)),
    colAligns: ['left', 'left', 'left', 'left', 'right', 'right', 'right'],
    chars: COMPACT,
    style: { head: [], border: [] },
  });
  for (const row of s.rows) {
    runs.push([
      pc.cyan(row.order.id),
      row.order.scenario.label,
      statusColour(row.outcome.status ?? 'UNFINISHED'),
      resultText(row),
      String(row.events),
      row.replayed === null ? pc.dim('closed before') : String(row.replayed),
      row.recorded === null ? pc.dim('—') : String(row.recorded),
    ]);
  }
  out(`${runs.toString()}\n`);
  out(`  ${pc.dim('events: the order run plus its shipment child run; replayed = events before worker 2\'s WorkerAttached, recorded = after it')}\n\n`);

  const steps = new Table({
    head: ['order', ...STEP_COLUMNS.map(([, h]) => h)].map((h) => pc.bold(h)),
    chars: COMPACT,
    style: { head: [], border: [] },
  });
  for (const row of s.rows) steps.push([pc.cyan(row.order.id), ...STEP_COLUMNS.map(([step]) => row.cells.get(step) ?? pc.dim('·'))]);
  out(`  Step executions, from the services' ledger ${pc.dim(`(1 = worker 1, pid ${w1.pid}; 2 = worker 2, pid ${w2.pid}; one entry per step call)`)}\n`);
  out(`${steps.toString()}\n`);
  out(`  ${pc.dim('1')} worker 1 only   2 worker 2 only   ${pc.cyan('1→2')} retries went on in worker 2   ${pc.yellow('1→2*')} in flight at the kill: the same attempt ran again   ×n attempts\n\n`);

  const ok = (text: string) => out(`  ${pc.green('✔')} ${text}\n`);
  const bad = (text: string) => out(`  ${pc.red('✖')} ${text}\n`);
  if (s.reExecutedCompleted.length === 0) {
    ok(`${s.replayedCalls} step calls that worker 1 had completed were replayed from history by worker 2: none executed again`);
  } else {
    bad(`completed steps executed again by worker 2: ${s.reExecutedCompleted.join(', ')}`);
  }
  if (s.ranAgain.length > 0) {
    ok(`${s.ranAgain.length} step call${s.ranAgain.length === 1 ? ' was' : 's were'} in flight at the kill and ran again in worker 2 with the same idempotency key (at-least-once):`);
    for (const a of s.ranAgain) {
      const dedup = a.outcome === 'duplicate' ? pc.dim(' (the payment service saw the key again: answered, not charged twice)') : '';
      out(`      ${pc.cyan(a.orderId)} ${a.step} attempt ${a.attempt}${dedup}\n`);
    }
  } else {
    ok('no step was in flight at the kill, so nothing ran twice');
  }
  if (s.doubleCharges.length === 0) ok('every card was charged at most once');
  else bad(`cards charged twice: ${s.doubleCharges.join(', ')}`);
  for (const p of s.problems.filter((p) => !p.startsWith('completed steps') && !p.startsWith('cards charged'))) bad(p);
}

/** No rule between rows: one line per order. */
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

function resultText(row: OrderSummary): string {
  const { outcome } = row;
  const r = outcome.result;
  if (outcome.status === 'COMPLETED' && r?.outcome === 'completed') {
    const parts = [`shipped ${r.trackingNumber ?? ''}`.trim()];
    if (r.approvedBy) parts.push(`approved by ${r.approvedBy.split('@')[0]}`);
    if (typeof r.loyaltyPoints === 'number') parts.push(`${r.loyaltyPoints} points`);
    return parts.join(', ');
  }
  if (outcome.status === 'COMPLETED' && r?.outcome === 'rejected') {
    return pc.yellow(/not approved/.test(r.reason ?? '') ? `not approved in ${APPROVAL_TIMEOUT}: refunded, released` : truncate(`rejected: ${r.reason ?? ''}`, 44));
  }
  if (outcome.status === 'CANCELLED') return pc.yellow('refunded, inventory released');
  if (outcome.error?.startsWith('PaymentDeclinedError')) return pc.red('card declined, inventory released');
  if (outcome.error) return pc.red(truncate(outcome.error.replace(/^workflow \S+ is BLOCKED and waits for fixed code or a fork: /, ''), 44));
  return '';
}

// --- output helpers ----------------------------------------------------------------------

function out(text: string): void {
  process.stdout.write(text);
}

function heading(n: number, text: string): void {
  out(`\n${pc.bold(pc.magenta(`${n}.`))} ${pc.bold(text)}\n`);
}

function progressBar(format: string): cliProgress.SingleBar | null {
  if (!process.stdout.isTTY) return null;
  return new cliProgress.SingleBar(
    { format, stream: process.stdout, barsize: 24, hideCursor: true, clearOnComplete: true, fps: 20 },
    cliProgress.Presets.shades_classic,
  );
}

function statusColour(status: string): string {
  switch (status) {
    case 'COMPLETED':
      return pc.green(status);
    case 'FAILED':
      return pc.red(status);
    case 'CANCELLED':
      return pc.yellow(status);
    default:
      return pc.magenta(status);
  }
}

function stageColour(stage: string): string {
  if (stage === 'completed') return pc.green(stage);
  if (stage === 'declined' || stage === 'compensating') return pc.red(stage);
  if (stage === 'awaiting approval' || stage === 'waiting for follow-up') return pc.yellow(stage);
  return pc.blue(stage);
}

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const money = (cents: number): string => usd.format(cents / 100);

function pad(text: string, n: number, align: 'left' | 'right' = 'left'): string {
  return align === 'left' ? text.padEnd(n) : text.padStart(n);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or `fallback()` after `ms`; the timer never outlives the race. */
async function within<T>(promise: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<T>((resolve, reject) => {
      timer = setTimeout(() => {
        try {
          resolve(fallback());
        } catch (err) {
          reject(err);
        }
      }, ms);
    })]);
  } finally {
    clearTimeout(timer);
  }
}
