import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Harness, waitFor } from './harness.js';
import { checkout, type LogLine } from './fixtures/crash-workflows.js';

const workerScript = fileURLToPath(new URL('./fixtures/crash-worker.js', import.meta.url));

/**
 * Starts a checkout, lets a worker process run it until it hangs in attempt 2
 * of `pay` (attempt 1 failed and its StepRetrying is durable), kills that
 * process with SIGKILL and lets an in-process worker take the run over.
 */
async function crashAndTakeOver(t: TestContext, workflowId: string) {
  const h = await Harness.for(t);
  const log = path.join(h.dir, 'steps.log');
  process.env.HS_STEP_LOG = log;
  const lines = (): LogLine[] =>
    existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine) : [];

  const handle = await h.client.start(checkout, undefined, { workflowId });
  const child = spawn(process.execPath, [workerScript, path.join(h.dir, 'hindsight.db')], {
    env: { ...process.env, HS_HANG: '1', HS_STEP_LOG: log },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  t.after(() => void child.kill('SIGKILL'));

  await waitFor('the killed worker to hang in attempt 2 of pay', () => lines().some((l) => l.step === 'pay' && l.attempt === 2), 8000);
  await waitFor('StepRetrying of attempt 1 to be committed', async () => (await h.types(workflowId)).includes('StepRetrying'));
  // A running attempt is made durable by the next group commit, a moment after it starts.
  await waitFor('StepStarted of attempt 2 to be committed', async () => (await h.types(workflowId)).includes('StepStarted'));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');

  const survivor = h.worker([checkout]);
  const result = await handle.result({ timeout: 5000 });
  const pays = lines()
    .filter((l) => l.step === 'pay')
    .map((l) => ({ ...l, by: l.pid === child.pid ? 'killed' : 'survivor' }));
  return { h, result, survivor, pays, reserves: lines().filter((l) => l.step === 'reserve') };
}

describe('worker crash', () => {
  it('a worker process killed with SIGKILL mid-step: another worker takes the run over when the lease expires and re-runs only the step in flight, with the same idempotencyKey', { timeout: 15_000 }, async (t) => {
    const { h, result, survivor, pays, reserves } = await crashAndTakeOver(t, 'crash-1');
    assert.equal(result.reserved, 'reserved');
    assert.equal(reserves.length, 1, 'reserve ran once, before the crash');
    assert.deepEqual(pays.map((l) => l.by), ['killed', 'killed', 'survivor']);
    assert.deepEqual(new Set(pays.map((l) => l.key)), new Set([result.payment]), 'one idempotencyKey for every attempt');
    const attached = (await h.history('crash-1')).filter((e) => e.type === 'WorkerAttached');
    assert.equal(attached.length, 2);
    assert.equal(attached[1]?.type === 'WorkerAttached' && attached[1].workerId, survivor.workerId);
  });

  it('counts the attempt that died with its worker: attempt numbers keep rising across a crash, so maxAttempts bounds a step that kills its worker', { timeout: 15_000 }, async (t) => {
    const { pays } = await crashAndTakeOver(t, 'crash-2');
    assert.deepEqual(pays.map((l) => [l.by, l.attempt]), [
      ['killed', 1],
      ['killed', 2],
      ['survivor', 3],
    ]);
  });
});
