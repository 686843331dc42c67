/**
 * The checkout example (examples/checkout) as a specification of what a
 * durable workflow does for each kind of order, run in-process with a real
 * SQLite store; and `hindsight demo` end to end, as a user runs it.
 *
 * The example is compiled by its own project, which depends on this package,
 * so it is imported at run time from its dist folder (the root `npm test`
 * builds everything first).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client, WorkflowFailedError } from '../../src/client/index.js';
import { Worker } from '../../src/engine/index.js';
import type { RecordedEvent } from '../../src/history/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { WorkflowDefinition } from '../../src/workflow/index.js';

// dist/test/demo/checkout.test.js -> the repository root
const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const EXAMPLE = path.join(ROOT, 'examples', 'checkout', 'dist');
const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface LineItem { sku: string; qty: number; price: number }
interface LedgerEntry { service: string; action: string; orderId: string; idempotencyKey: string; step: string; attempt: number; outcome: string; pid: number }
interface CheckoutResult { orderId: string; outcome: 'completed' | 'rejected'; reason?: string; loyaltyPoints?: number | null; approvedBy?: string | null; trackingNumber?: string; chargeId?: string }

interface Example {
  checkout: WorkflowDefinition;
  shipOrder: WorkflowDefinition;
  dailyReconciliation: WorkflowDefinition;
  APPROVAL_THRESHOLD: number;
}
interface Services {
  readLedger(file?: string): LedgerEntry[];
  gatewayFailures(orderId: string, card: string): number;
}

const SMALL: LineItem[] = [{ sku: 'mug', qty: 2, price: 1_500 }, { sku: 'beans', qty: 1, price: 2_900 }];
const LARGE: LineItem[] = [{ sku: 'laptop', qty: 1, price: 239_900 }];

describe('checkout example, in-process', () => {
  let dir: string;
  let store: Store;
  let client: Client;
  let worker: Worker;
  let ex: Example;
  let services: Services;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hindsight-checkout-'));
    process.env.HINDSIGHT_EXAMPLE_LEDGER = path.join(dir, 'ledger.jsonl');
    ex = (await import(path.join(EXAMPLE, 'workflows.js'))) as Example;
    services = (await import(path.join(EXAMPLE, 'services.js'))) as Services;
    store = await openStore({ path: path.join(dir, 'hindsight.db') });
    client = new Client({ store, pollInterval: 10 });
    worker = new Worker({ store, workflows: [ex.checkout, ex.shipOrder, ex.dailyReconciliation], pollInterval: 10 }).start();
  });

  after(async () => {
    await worker?.stop();
    await store?.close();
    delete process.env.HINDSIGHT_EXAMPLE_LEDGER;
    rmSync(dir, { recursive: true, force: true });
  });

  let n = 0;
  const start = async (card: string, items: LineItem[], followUpAfter = '200ms') => {
    const orderId = `ord-${++n}-${card.replace('tok_', '')}`;
    const handle = await client.start(ex.checkout, {
      orderId,
      customer: { id: 'cust-1', email: 'ada@example.com' },
      items,
      card,
      shippingAddress: '1 Main Street',
      approvalTimeout: '600ms',
      followUpAfter,
    }, { workflowId: orderId });
    return { orderId, handle };
  };
  const ledger = (orderId: string) => services.readLedger().filter((e) => e.orderId === orderId);
  const actions = (orderId: string) => ledger(orderId).map((e) => e.action);
  const history = (id: string) => client.history(id);
  const types = (events: RecordedEvent[]) => events.map((e) => e.type);
  const failureOf = async (p: Promise<unknown>) => {
    const err = await p.then(() => assert.fail('the run should not have completed'), (e: unknown) => e);
    assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(err)}`);
    return err;
  };
  /** Waits until the order's history shows the approval timer: the order is waiting for its signal. */
  const awaitingApproval = async (orderId: string) => {
    const deadline = Date.now() + 5_000;
    while (!(await history(orderId)).some((e) => e.type === 'TimerStarted')) {
      if (Date.now() > deadline) assert.fail(`order ${orderId} never started waiting for approval`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('a normal order reserves, charges once, ships in a child workflow, awards points and sends the follow-up', async () => {
    const { orderId, handle } = await start('tok_visa', SMALL);
    const result = (await handle.result({ timeout: '10s' })) as CheckoutResult;
    assert.equal(result.outcome, 'completed');
    assert.equal(result.loyaltyPoints, Math.floor((2 * 1_500 + 2_900) / 100));
    assert.equal(result.approvedBy, null);
    assert.deepEqual(actions(orderId), [
      'reserve', 'charge', 'pack', 'pack', 'create-label', 'send:shipped', 'send:confirmation', 'award', 'send:follow-up',
    ]);
    const events = await history(orderId);
    assert.ok(types(events).includes('ChildStarted') && types(events).includes('ChildCompleted'));
    assert.ok(events.some((e) => e.type === 'PatchMarker' && e.patchId === 'loyalty-points'), 'new runs take the loyalty-points patch');
    const timer = events.find((e) => e.type === 'TimerStarted');
    assert.equal(timer?.type === 'TimerStarted' && timer.duration, 200);
    assert.equal(types(await history(`${orderId}/shipment`)).at(-1), 'WorkflowCompleted');
  });

  it('a flaky gateway is retried with backoff, keeping one idempotency key, and charges once', async () => {
    const { orderId, handle } = await start('tok_flaky', SMALL);
    const failures = services.gatewayFailures(orderId, 'tok_flaky');
    assert.ok(failures >= 1);
    assert.equal(((await handle.result({ timeout: '10s' })) as CheckoutResult).outcome, 'completed');
    const events = await history(orderId);
    const retries = events.filter((e) => e.type === 'StepRetrying');
    assert.equal(retries.length, failures);
    const charge = events.find((e) => e.type === 'StepCompleted' && e.name === 'chargeCard');
    assert.equal(charge?.type === 'StepCompleted' && charge.attempts, failures + 1);
    const charges = ledger(orderId).filter((e) => e.action === 'charge');
    assert.deepEqual(charges.map((e) => e.outcome), [...Array(failures).fill('gateway timeout'), 'ok']);
    assert.equal(new Set(charges.map((e) => e.idempotencyKey)).size, 1);
  });

  it('a declined card is not retried: the inventory is released and the run fails with a clear error', async () => {
    const { orderId, handle } = await start('tok_declined', SMALL);
    const err = await failureOf(handle.result({ timeout: '10s' }));
    assert.equal(err.status, 'FAILED');
    assert.equal(err.failure?.name, 'PaymentDeclinedError');
    assert.match(err.failure?.message ?? '', /not placed: the card was declined .*inventory released/);
    assert.deepEqual(actions(orderId), ['reserve', 'charge', 'release', 'send:declined']);
    const failed = (await history(orderId)).find((e) => e.type === 'StepFailed');
    assert.equal(failed?.type === 'StepFailed' && failed.attempts, 1);
    assert.equal(failed?.type === 'StepFailed' && failed.error.name, 'CardDeclinedError');
  });

  it('a large order waits for approval, answers the status query meanwhile, and ships once approved', async () => {
    const { orderId, handle } = await start('tok_visa', LARGE);
    await awaitingApproval(orderId);
    const status = await handle.query<{ stage: string; amount: number; needsApproval: boolean }>('status');
    assert.deepEqual([status.stage, status.amount, status.needsApproval], ['awaiting approval', 239_900, true]);
    assert.ok(239_900 > ex.APPROVAL_THRESHOLD);
    await handle.signal('approval', { approved: true, by: 'ops@shop.example' });
    const result = (await handle.result({ timeout: '10s' })) as CheckoutResult;
    assert.equal(result.outcome, 'completed');
    assert.equal(result.approvedBy, 'ops@shop.example');
    assert.ok(actions(orderId).includes('create-label'));
  });

  it('an approval that never comes times out: the payment is refunded and the inventory released', async () => {
    const { orderId, handle } = await start('tok_visa', LARGE);
    const result = (await handle.result({ timeout: '10s' })) as CheckoutResult;
    assert.equal(result.outcome, 'rejected');
    assert.match(result.reason ?? '', /not approved within 600ms; payment refunded, inventory released/);
    assert.deepEqual(actions(orderId), ['reserve', 'charge', 'refund', 'release', 'send:cancelled']);
  });

  it('a rejection signal compensates the same way', async () => {
    const { orderId, handle } = await start('tok_visa', LARGE);
    await awaitingApproval(orderId);
    await handle.signal('approval', { approved: false, by: 'risk@shop.example', note: 'address mismatch' });
    const result = (await handle.result({ timeout: '10s' })) as CheckoutResult;
    assert.equal(result.outcome, 'rejected');
    assert.match(result.reason ?? '', /rejected by risk@shop.example: address mismatch/);
    assert.deepEqual(actions(orderId), ['reserve', 'charge', 'refund', 'release', 'send:cancelled']);
  });

  it('a cancelled order runs its cleanup (refund, release, email) and ends CANCELLED', async () => {
    const { orderId, handle } = await start('tok_visa', LARGE);
    await awaitingApproval(orderId);
    await handle.cancel('customer changed their mind');
    const err = await failureOf(handle.result({ timeout: '10s' }));
    assert.equal(err.status, 'CANCELLED');
    assert.deepEqual(actions(orderId), ['reserve', 'charge', 'refund', 'release', 'send:cancelled']);
    const events = await history(orderId);
    assert.deepEqual(types(events).slice(-1), ['WorkflowCancelled']);
    assert.ok(types(events).includes('TimerCancelled'), 'the approval timeout is cancelled');
  });

  it('a new worker resumes an order waiting for its follow-up without running its steps again', async () => {
    const { orderId, handle } = await start('tok_visa', SMALL, '1s');
    const deadline = Date.now() + 5_000;
    while (!(await history(orderId)).some((e) => e.type === 'TimerStarted')) {
      if (Date.now() > deadline) assert.fail('the order never reached its follow-up timer');
      await new Promise((r) => setTimeout(r, 10));
    }
    // The worker goes away (a deployment); the next one replays the history, shipment child included.
    await worker.stop();
    worker = new Worker({ store, workflows: [ex.checkout, ex.shipOrder, ex.dailyReconciliation], pollInterval: 10 }).start();
    const result = (await handle.result({ timeout: '10s' })) as CheckoutResult;
    assert.equal(result.outcome, 'completed');
    assert.deepEqual(actions(orderId), [
      'reserve', 'charge', 'pack', 'pack', 'create-label', 'send:shipped', 'send:confirmation', 'award', 'send:follow-up',
    ]);
    const attached = (await history(orderId)).filter((e) => e.type === 'WorkerAttached');
    assert.equal(attached.length, 2, 'each worker recorded itself once');
  });

  it('the periodic reconciliation continues as new: same workflow id, fresh histories', async () => {
    const handle = await client.start(ex.dailyReconciliation, { day: 0, untilDay: 5, every: 10, daysPerRun: 2 }, { workflowId: 'reconcile' });
    assert.deepEqual(await handle.result({ timeout: '10s' }), { reconciledDays: 5 });
    const runs = (await client.list({ workflowId: 'reconcile' })).runs;
    assert.deepEqual(runs.map((r) => r.status).sort(), ['COMPLETED', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW']);
    for (const r of runs) assert.ok(r.eventCount <= 2 + 2 * 3 + 1, `run ${r.runId} kept a short history (${r.eventCount} events)`);
  });
});

describe('hindsight demo', () => {
  it('kills a worker mid-run, resumes every order in a second worker and exits 0', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-demo-'));
    try {
      const { code, stdout, stderr } = await run(process.execPath, [CLI_MAIN, 'demo', '--store', path.join(dir, 'demo.db'), '--orders', '8'], dir);
      assert.equal(code, 0, `the demo exited ${code}\n${stdout}\n${stderr}`);
      const ids = [...new Set(stdout.match(/ord-[a-z0-9]+-\d+/g) ?? [])];
      assert.equal(ids.length, 8, `eight order ids in the output:\n${stdout}`);
      const summary = stdout.slice(stdout.indexOf('Summary'));
      for (const id of ids) assert.ok(summary.includes(id), `the summary mentions ${id}`);
      assert.match(stdout, /SIGKILL worker 1/);
      assert.match(summary, /none executed again/);
      assert.match(summary, /every card was charged at most once/);
      assert.equal((summary.match(/COMPLETED/g) ?? []).length, 6);
      assert.equal((summary.match(/FAILED/g) ?? []).length, 1);
      assert.equal((summary.match(/CANCELLED/g) ?? []).length, 1);
      assert.ok(!summary.includes('✖'), `no check failed:\n${summary}`);
      // Both workers wrote to the ledger, with their own pids.
      const pids = new Set(readFileSync(path.join(dir, 'example-ledger.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as LedgerEntry).pid));
      assert.equal(pids.size, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
