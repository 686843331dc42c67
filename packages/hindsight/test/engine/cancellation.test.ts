import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replayHistory } from '../../src/engine/index.js';
import { CancelledError, step, workflow } from '../../src/workflow/index.js';
import { Counter, Harness, aborted, delay, gate, interceptCommits, rejection, waitFor } from './harness.js';

describe('cancellation', () => {
  it('handle.cancel rejects the pending step with CancelledError, aborts the step in flight, runs the finally block (which can still run a compensating step) and ends the run CANCELLED', async (t) => {
    const h = await Harness.for(t);
    const count = new Counter();
    const reasons: unknown[] = [];
    const caught: unknown[] = [];
    const reserve = step('reserve', async (s) => {
      count.hit('reserve');
      reasons.push(await aborted(s.signal));
      throw new Error('reservation aborted');
    });
    const release = step('release', () => (count.hit('release'), 'released'));
    const booking = workflow('booking', async (ctx) => {
      try {
        await ctx.step(reserve);
        return 'booked';
      } catch (e) {
        caught.push({ name: (e as Error).name, code: (e as CancelledError).code, isCancelled: ctx.isCancelled, instance: e instanceof CancelledError });
        throw e;
      } finally {
        await ctx.step(release);
      }
    });
    h.worker([booking]);
    const handle = await h.client.start(booking, undefined, { workflowId: 'booking-1' });
    await waitFor('reserve to start', () => count.get('reserve') === 1);
    await handle.cancel('the customer changed their mind');

    const err = await rejection(handle.result({ timeout: 5000 }));
    assert.equal(err.code, 'HS_E_WORKFLOW_FAILED');
    assert.equal(err.status, 'CANCELLED');
    assert.equal((await h.run('booking-1')).status, 'CANCELLED');
    assert.deepEqual(caught, [{ name: 'CancelledError', code: 'HS_E_CANCELLED', isCancelled: true, instance: true }]);
    assert.equal(reasons.length, 1, 'the step in flight saw its AbortSignal fire');
    assert.equal(count.get('release'), 1);

    const events = await h.history('booking-1');
    // The aborted step was still running when a batch was committed (StepStarted); it never completed.
    assert.deepEqual(events.slice(2).map((e) => e.type), ['StepStarted', 'CancelRequested', 'StepCompleted', 'WorkflowCancelled']);
    const requested = events.find((e) => e.type === 'CancelRequested');
    assert.equal(requested?.type === 'CancelRequested' && requested.reason, 'the customer changed their mind');
    assert.ok(!events.some((e) => e.type === 'StepCompleted' && e.name === 'reserve'), 'the aborted step recorded nothing');
    assert.equal((await replayHistory(events, [booking])).ok, true);
  });

  it('handle.cancel rejects a pending durable sleep with CancelledError and records TimerCancelled', async (t) => {
    const h = await Harness.for(t);
    const nap = workflow('nap', async (ctx) => {
      try {
        await ctx.sleep('1 day');
        return 'rested';
      } catch (e) {
        return e instanceof CancelledError ? 'woken' : 'other';
      }
    });
    h.worker([nap]);
    const handle = await h.client.start(nap, undefined, { workflowId: 'nap-1' });
    await waitFor('the timer', async () => (await h.types('nap-1')).includes('TimerStarted'));
    await handle.cancel();
    assert.equal(await handle.result({ timeout: 5000 }), 'woken', 'code that handles the cancellation decides the outcome');
    assert.deepEqual((await h.types('nap-1')).slice(2), ['TimerStarted', 'CancelRequested', 'TimerCancelled', 'WorkflowCompleted']);
  });

  it('a cancelled run taken over by another worker does not execute the aborted step again', async (t) => {
    const h = await Harness.for(t);
    const count = new Counter();
    const reserve = step('reserve', async (s) => {
      count.hit('reserve');
      await aborted(s.signal);
      throw new Error('reservation aborted');
    });
    const release = step('release', () => (count.hit('release'), 'released'));
    const booking = workflow('booking', async (ctx) => {
      try {
        await ctx.step(reserve);
      } finally {
        await ctx.waitForSignal('release-approved');
        await ctx.step(release);
      }
    });
    const first = h.worker([booking]);
    const handle = await h.client.start(booking, undefined, { workflowId: 'booking-2' });
    await waitFor('reserve to start', () => count.get('reserve') === 1);
    await handle.cancel();
    await waitFor('the cancellation to be recorded', async () => (await h.types('booking-2')).includes('CancelRequested'));
    await first.stop();

    h.worker([booking]);
    await handle.signal('release-approved');
    assert.equal((await rejection(handle.result({ timeout: 5000 }))).status, 'CANCELLED');
    assert.equal(count.get('release'), 1);
    assert.equal(count.get('reserve'), 1, 'replaying the cancelled run must not start reserve again');
  });
});

describe('cancelling a parent', () => {
  it('cancels the child it is waiting for; both runs end CANCELLED', async (t) => {
    const h = await Harness.for(t);
    const child = workflow('slow-child', async (ctx) => ctx.waitForSignal('never'));
    const parent = workflow('parent', async (ctx) => ctx.child(child, undefined));
    h.worker([parent, child]);
    const handle = await h.client.start(parent, undefined, { workflowId: 'cp-1' });
    await waitFor('the child to run', async () => (await h.store.findRun('cp-1/slow-child-1'))?.leaseOwner);
    await handle.cancel('no longer needed');
    assert.equal((await rejection(handle.result({ timeout: 5000 }))).status, 'CANCELLED');
    await waitFor('the child to be cancelled', async () => (await h.run('cp-1/slow-child-1')).status === 'CANCELLED', 3000);
  });
});

describe('termination', () => {
  it('terminate ends the run at once with WorkflowTerminated; no finally code runs; the old worker is fenced and its later writes are refused', async (t) => {
    const h = await Harness.for(t);
    const count = new Counter();
    const hold = gate();
    const finallyRan: boolean[] = [];
    const work = step('work', async () => {
      count.hit('work');
      await hold.promise;
      return 'worked';
    });
    const cleanup = step('cleanup', () => count.hit('cleanup'));
    const job = workflow('job', async (ctx) => {
      try {
        return await ctx.step(work);
      } finally {
        finallyRan.push(true);
        await ctx.step(cleanup);
      }
    });
    const worker = h.worker([job]);
    const handle = await h.client.start(job, undefined, { workflowId: 'job-1' });
    await waitFor('work to start', () => count.get('work') === 1);
    await handle.terminate('ops said so');

    const run = await h.run('job-1');
    assert.equal(run.status, 'TERMINATED');
    const terminatedAt = await h.history('job-1');
    const last = terminatedAt[terminatedAt.length - 1]!;
    assert.equal(last.type, 'WorkflowTerminated');
    assert.equal(last.type === 'WorkflowTerminated' && last.reason, 'ops said so');
    const err = await rejection(handle.result({ timeout: 1000 }));
    assert.equal(err.status, 'TERMINATED');

    hold.open();
    await waitFor('the old worker to learn it lost the run', () => h.events.some((e) => e.type === 'lease-lost' && e.worker === worker.workerId));
    await delay(50);
    assert.deepEqual(await h.history('job-1'), terminatedAt, 'nothing was appended after WorkflowTerminated');
    assert.deepEqual(finallyRan, []);
    assert.equal(count.get('cleanup'), 0);
    assert.equal((await h.run('job-1')).status, 'TERMINATED');
  });

  it('a terminated run gets no successor: a continue-as-new its old worker commits after the terminate landed is refused whole', async (t) => {
    const h = await Harness.for(t);
    const restless = workflow('restless', async (ctx, n: number) => {
      if (n === 0) {
        await ctx.waitForSignal('go');
        ctx.continueAsNew(1);
      }
      return n;
    });
    // The terminate lands between the worker's decision and its commit.
    const store = interceptCommits(h.store, async (commit) => {
      for (const a of commit.appends) {
        if (a.events.some((e) => e.type === 'WorkflowContinuedAsNew')) await h.store.terminate(a.runId, 'raced', Date.now());
      }
    });
    h.worker([restless], { store });
    const handle = await h.client.start(restless, 0, { workflowId: 'restless-1' });
    await handle.signal('go');
    await waitFor('the first run to close', async () => (await h.store.listRuns({ workflowId: 'restless-1', status: ['TERMINATED'] }, { limit: 5 })).runs.length === 1);
    await delay(100);
    const { runs } = await h.client.list({ workflowId: 'restless-1' }, { limit: 5 });
    assert.deepEqual(runs.map((r) => r.status), ['TERMINATED'], 'no successor run was created');
  });

  it('a terminated parent starts no child: a ChildStarted its old worker commits after the terminate landed creates no child run', async (t) => {
    const h = await Harness.for(t);
    const child = workflow('orphan', async () => 'child done');
    const parent = workflow('parent', async (ctx) => {
      await ctx.waitForSignal('go');
      return ctx.child(child, undefined);
    });
    const store = interceptCommits(h.store, async (commit) => {
      for (const a of commit.appends) {
        if (a.events.some((e) => e.type === 'ChildStarted')) await h.store.terminate(a.runId, 'raced', Date.now());
      }
    });
    h.worker([parent, child], { store });
    const handle = await h.client.start(parent, undefined, { workflowId: 'parent-1' });
    await handle.signal('go');
    await waitFor('the parent to be terminated', async () => (await h.run('parent-1')).status === 'TERMINATED');
    await delay(100);
    const runs = await h.allRuns();
    assert.deepEqual(runs.map((r) => [r.workflowId, r.status]), [['parent-1', 'TERMINATED']], 'no child run exists');
  });
});
