/**
 * A durable sleep outlives its worker: the run was waiting on a timer when its
 * worker was SIGKILLed; a worker started afterwards resumes it and the timer
 * fires exactly once, not before its time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from '../../src/client/index.js';
import type { RunRecord } from '../../src/store/index.js';
import { attachments, checkHistoryShape, excerpt, indexLedger, loadAll } from './checks.js';
import { crashNap, crashWorkflows, expectedNap } from './fixtures/workflows.js';
import { crashBed, readLedger, waitFor } from './fleet.js';

const LEASE_MS = 1000;
/** Some timers come due while the dead worker's lease still holds the run, some long after. */
const SLEEPS = [1200, 2000, 3500];

describe('a durable sleep survives a SIGKILLed worker', () => {
  const bed = crashBed({ prefix: 'hindsight-sleep-', name: 'sleeper', leaseMs: LEASE_MS, label: 'sleep test' });
  const { ledgerPath, fleet } = bed;

  it('a run whose worker was SIGKILLed during ctx.sleep() resumes on a restarted worker and its timer fires exactly once, not early', async (t) => {
    const store = await bed.openStore();
    const client = new Client({ store, workflows: crashWorkflows });
    const first = await fleet.start();
    const ids = SLEEPS.map((ms, n) => `nap-${n}-${ms}ms`);
    for (const [n, ms] of SLEEPS.entries()) await client.start(crashNap, { n, ms }, { workflowId: ids[n] });

    const asleep = await waitFor('every run to be waiting in its sleep', 10_000, async () => {
      const runs: RunRecord[] = [];
      for (const id of ids) {
        const run = await store.findRun(id);
        const h = run ? await store.readHistory(run.runId) : [];
        if (!run || !h.some((e) => e.type === 'TimerStarted')) return undefined;
        runs.push(run);
      }
      return runs;
    });
    fleet.kill(first, 'SIGKILL');
    const killedAt = Date.now();
    await first.exited;
    for (const r of asleep) {
      const h = await store.readHistory(r.runId);
      assert.ok(!h.some((e) => e.type === 'TimerFired'), `precondition: ${r.workflowId} was still asleep when its worker died\n${excerpt(h)}`);
    }

    const restarted = await fleet.start();
    await waitFor('every run to complete', SLEEPS[SLEEPS.length - 1]! + LEASE_MS + 8000, async () => {
      const runs = await Promise.all(asleep.map((r) => store.getRun(r.runId)));
      return runs.every((r) => r!.status !== 'RUNNING') ? true : undefined;
    }, 50);
    await fleet.shutdown();

    const { lines } = readLedger(ledgerPath);
    const ledger = indexLedger(lines);
    for (const r of await loadAll(store)) {
      const { run, history } = r;
      assert.deepEqual(checkHistoryShape(r), [], `${run.workflowId}`);
      assert.equal(run.status, 'COMPLETED', `${run.workflowId}\n${excerpt(history)}`);
      assert.equal(run.result, expectedNap((run.input as { n: number }).n));
      const fired = history.filter((e) => e.type === 'TimerFired');
      assert.equal(fired.length, 1, `${run.workflowId}: TimerFired ${fired.length} times\n${excerpt(history)}`);
      const started = history.find((e) => e.type === 'TimerStarted')!;
      assert.ok(started.type === 'TimerStarted' && fired[0]!.ts >= started.fireAt, `${run.workflowId}: the timer fired before its time\n${excerpt(history)}`);
      assert.deepEqual(attachments(history), [first.workerId, restarted.workerId], `${run.workflowId}: the restarted worker should have resumed the run`);
      // Both steps ran once: the one before the sleep was recorded before the kill and replayed, not re-run.
      for (const seq of [1, 3]) {
        const runs = (ledger.byKey.get(`${run.workflowId}/${run.runId}/${seq}`) ?? []).filter((l) => l.kind === 'begin');
        assert.equal(runs.length, 1, `${run.workflowId}: step seq ${seq} ran ${runs.length} times`);
      }
      t.diagnostic(`${run.workflowId}: worker killed ${started.type === 'TimerStarted' ? started.fireAt - killedAt : '?'}ms before the timer was due; fired ${fired[0]!.ts - (started as { fireAt: number }).fireAt}ms after its time`);
    }
    bed.passed = true;
  });
});
