import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { RecordedEvent } from '../../../src/history/events.js';
import type { Store } from '../../../src/store/index.js';
import {
  T0,
  claim,
  claimReq,
  commitOf,
  ids,
  newRun,
  range,
  rejectsWith,
  startAndClaim,
  steps,
} from '../fixtures.js';

/** Creating runs, appending to histories, group commits and fencing. */
export function histories(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('creating runs', () => {
    it('creates a RUNNING run with its first events', async () => {
      const run = newRun({ input: { orderId: 7, items: ['a', 'b'] } });
      const { created, run: rec } = await store.createRun(run, T0);
      assert.equal(created, true);
      assert.equal(rec.runId, run.runId);
      assert.equal(rec.workflowId, run.workflowId);
      assert.equal(rec.status, 'RUNNING');
      assert.equal(rec.eventCount, 1);
      assert.equal(rec.createdAt, T0);
      assert.equal(rec.closedAt, null);
      assert.equal(rec.leaseOwner, null);
      assert.deepEqual(rec.input, { orderId: 7, items: ['a', 'b'] });
      assert.deepEqual(await store.readHistory(run.runId), run.events);
      assert.deepEqual(await store.getRun(run.runId), rec);
    });

    it('is idempotent on the workflow id: starting again returns the existing run', async () => {
      const first = await store.createRun(newRun({ workflowId: 'order-1' }), T0);
      const again = await store.createRun(newRun({ workflowId: 'order-1' }), T0 + 5);
      assert.equal(again.created, false);
      assert.equal(again.run.runId, first.run.runId);
      assert.deepEqual(await ids(store, first.run.runId), [1]);
      assert.equal((await store.listRuns({ workflowId: 'order-1' }, { limit: 10 })).runs.length, 1);
    });

    it('refuses a history that does not begin with WorkflowStarted', async () => {
      const run = newRun();
      run.events = steps(1, 1);
      await rejectsWith(store.createRun(run, T0), 'HS_E_STORE_INVALID');
      assert.equal(await store.getRun(run.runId), null);
    });

    it('refuses a run id that another workflow already uses with HS_E_STORE_CONFLICT', async () => {
      const first = newRun({ workflowId: 'a' });
      await store.createRun(first, T0);
      await rejectsWith(store.createRun(newRun({ runId: first.runId, workflowId: 'b' }), T0), 'HS_E_STORE_CONFLICT');
      assert.equal(await store.findRun('b'), null);
    });

    it('an imported run keeps its status, outcome and creation time', async () => {
      const run = newRun({}, T0 - 5000);
      run.events.push({ id: 2, ts: T0 - 4000, type: 'WorkflowCompleted', result: { total: 3 } });
      const { run: rec } = await store.createRun({ ...run, status: 'COMPLETED', createdAt: T0 - 5000 }, T0);
      assert.equal(rec.status, 'COMPLETED');
      assert.equal(rec.createdAt, T0 - 5000);
      assert.equal(rec.closedAt, T0 - 4000);
      assert.deepEqual(rec.result, { total: 3 });
      assert.equal(rec.eventCount, 2);
      assert.deepEqual(await store.claimRuns(claimReq({ now: T0 + 1 })), []);
    });

    it('stores an undefined input as nothing and gives back undefined', async () => {
      const { run } = await store.createRun(newRun({ input: undefined }), T0);
      assert.equal(run.input, undefined);
      assert.equal(run.result, undefined);
      assert.equal(run.error, null);
    });

    it('reports a missing run as null', async () => {
      assert.equal(await store.getRun('no-such-run'), null);
      assert.equal(await store.findRun('no-such-workflow'), null);
      assert.deepEqual(await store.readHistory('no-such-run'), []);
    });
  });

  describe('appending to histories', () => {
    it('the lease holder appends the exact continuation of the history', async () => {
      const { run, epoch } = await startAndClaim(store);
      const events = steps(2, 3);
      const res = await store.commit(commitOf({ appends: [{ runId: run.runId, epoch, events }] }), T0 + 10);
      assert.deepEqual(res.fenced, []);
      const history = await store.readHistory(run.runId);
      assert.deepEqual(history.slice(1), events);
      const rec = (await store.getRun(run.runId))!;
      assert.equal(rec.eventCount, 4);
      assert.equal(rec.updatedAt, T0 + 10);
    });

    it('a stale lease epoch writes nothing', async () => {
      const first = await startAndClaim(store);
      const runId = first.run.runId;
      // The first worker's lease expires and a second worker takes the run over.
      const second = await claim(store, runId, { workerId: 'worker-b', now: T0 + 60_000 });
      assert.ok(second.epoch > first.epoch);
      const res = await store.commit(
        commitOf({
          appends: [{ runId, epoch: first.epoch, events: steps(2, 2), update: { status: 'COMPLETED', result: 1 } }],
        }),
        T0 + 60_001,
      );
      assert.deepEqual(res.fenced, [runId]);
      assert.deepEqual(await ids(store, runId), [1]);
      const rec = (await store.getRun(runId))!;
      assert.equal(rec.status, 'RUNNING');
      assert.equal(rec.eventCount, 1);
      assert.equal(rec.result, undefined);
    });

    it('an append that does not start at eventCount + 1 writes nothing', async () => {
      const { run, epoch } = await startAndClaim(store);
      for (const events of [steps(3, 2), steps(1, 1), steps(2, 1).map((e) => ({ ...e, id: 0 }))]) {
        const res = await store.commit(commitOf({ appends: [{ runId: run.runId, epoch, events }] }), T0);
        assert.deepEqual(res.fenced, [run.runId]);
      }
      assert.deepEqual(await ids(store, run.runId), [1]);
      assert.equal((await store.getRun(run.runId))!.eventCount, 1);
    });

    it('a closed run takes no more events', async () => {
      const { run, epoch } = await startAndClaim(store);
      const done: RecordedEvent = { id: 2, ts: T0, type: 'WorkflowCompleted', result: 'ok' };
      await store.commit(
        commitOf({ appends: [{ runId: run.runId, epoch, events: [done], update: { status: 'COMPLETED', result: 'ok' } }] }),
        T0,
      );
      const res = await store.commit(commitOf({ appends: [{ runId: run.runId, epoch, events: steps(3, 1) }] }), T0);
      assert.deepEqual(res.fenced, [run.runId]);
      assert.deepEqual(await ids(store, run.runId), [1, 2]);
    });

    it('an append to a run that does not exist is fenced', async () => {
      const res = await store.commit(commitOf({ appends: [{ runId: 'ghost', epoch: 1, events: steps(2, 1) }] }), T0);
      assert.deepEqual(res.fenced, ['ghost']);
      assert.deepEqual(await store.readHistory('ghost'), []);
    });

    it('a fenced append does not stop the other appends of the same commit', async () => {
      const a = await startAndClaim(store);
      const b = await startAndClaim(store);
      const res = await store.commit(
        commitOf({
          appends: [
            { runId: a.run.runId, epoch: a.epoch + 7, events: steps(2, 2) },
            { runId: b.run.runId, epoch: b.epoch, events: steps(2, 2) },
          ],
        }),
        T0,
      );
      assert.deepEqual(res.fenced, [a.run.runId]);
      assert.deepEqual(await ids(store, a.run.runId), [1]);
      assert.deepEqual(await ids(store, b.run.runId), [1, 2, 3]);
    });

    it('two appends to one run in one commit continue each other', async () => {
      const { run, epoch } = await startAndClaim(store);
      const res = await store.commit(
        commitOf({
          appends: [
            { runId: run.runId, epoch, events: steps(2, 2) },
            { runId: run.runId, epoch, events: steps(4, 1) },
          ],
        }),
        T0,
      );
      assert.deepEqual(res.fenced, []);
      assert.deepEqual(await ids(store, run.runId), [1, 2, 3, 4]);
    });

    it('applies the run update with the events and leaves absent fields alone', async () => {
      const { run, epoch } = await startAndClaim(store);
      const runId = run.runId;
      const timer: RecordedEvent = { id: 2, ts: T0, type: 'TimerStarted', seq: 1, fireAt: T0 + 1000, duration: 1000 };
      await store.commit(commitOf({ appends: [{ runId, epoch, events: [timer], update: { wakeAt: T0 + 1000 } }] }), T0);
      assert.equal((await store.getRun(runId))!.wakeAt, T0 + 1000);
      // An update without events is allowed and does not touch the history.
      await store.commit(commitOf({ appends: [{ runId, epoch, events: [], update: { blockedReason: 'x' } }] }), T0 + 1);
      let rec = (await store.getRun(runId))!;
      assert.equal(rec.wakeAt, T0 + 1000);
      assert.equal(rec.blockedReason, 'x');
      assert.equal(rec.eventCount, 2);
      const error = { name: 'Error', message: 'card declined', stack: 'Error: card declined\n    at charge' };
      const failed: RecordedEvent = { id: 3, ts: T0 + 2, type: 'WorkflowFailed', error };
      await store.commit(
        commitOf({
          appends: [
            { runId, epoch, events: [failed], update: { status: 'FAILED', error, wakeAt: null, blockedReason: null } },
          ],
        }),
        T0 + 2,
      );
      rec = (await store.getRun(runId))!;
      assert.equal(rec.status, 'FAILED');
      assert.deepEqual(rec.error, error);
      assert.equal(rec.wakeAt, null);
      assert.equal(rec.blockedReason, null);
      assert.equal(rec.closedAt, T0 + 2, 'closing without closedAt uses the commit time');
      assert.equal(rec.updatedAt, T0 + 2);
    });

    it('keeps event data exactly through storage', async () => {
      const { run, epoch } = await startAndClaim(store);
      const events: RecordedEvent[] = [
        {
          id: 2,
          ts: T0 + 1,
          type: 'StepCompleted',
          seq: 1,
          name: 'fetch',
          args: ['ü ✓ "quoted"\n', null, 0, -1.5, true, { nested: [1, { deep: 'x' }] }],
          result: null,
          attempts: 3,
        },
        { id: 3, ts: T0 + 2, type: 'SignalReceived', name: 'approve', payload: { by: 'ann' } },
        {
          id: 4,
          ts: T0 + 3,
          type: 'StepFailed',
          seq: 2,
          name: 'pay',
          args: [],
          error: { name: 'TypeError', message: 'boom', code: 'E1', nonRetryable: true, cause: { name: 'E', message: 'inner' } },
          attempts: 1,
        },
      ];
      await store.commit(commitOf({ appends: [{ runId: run.runId, epoch, events }] }), T0);
      assert.deepEqual((await store.readHistory(run.runId)).slice(1), events);
    });

    it('reads a history from an event id, at most limit events, in order', async () => {
      const { run, epoch } = await startAndClaim(store);
      await store.commit(commitOf({ appends: [{ runId: run.runId, epoch, events: steps(2, 20) }] }), T0);
      assert.deepEqual(await ids(store, run.runId), range(1, 21));
      assert.deepEqual((await store.readHistory(run.runId, 5, 3)).map((e) => e.id), [5, 6, 7]);
      assert.deepEqual((await store.readHistory(run.runId, 20)).map((e) => e.id), [20, 21]);
      assert.deepEqual(await store.readHistory(run.runId, 22), []);
    });
  });

  describe('group commits', () => {
    it('a commit that fails part way writes nothing at all', async () => {
      const a = await startAndClaim(store);
      const bad = newRun();
      bad.events = steps(1, 2);
      const child = newRun();
      await assert.rejects(
        store.commit(
          commitOf({
            appends: [{ runId: a.run.runId, epoch: a.epoch, events: steps(2, 2), update: { wakeAt: T0 + 5 } }],
            newRuns: [child, bad],
            messages: [{ from: a.run.runId, runId: a.run.runId, data: { kind: 'signal', name: 'go', payload: 1 } }],
            releases: [{ runId: a.run.runId, epoch: a.epoch, ready: false }],
          }),
          T0,
        ),
      );
      assert.deepEqual(await ids(store, a.run.runId), [1]);
      const rec = (await store.getRun(a.run.runId))!;
      assert.equal(rec.eventCount, 1);
      assert.equal(rec.wakeAt, null);
      assert.equal(rec.leaseOwner, 'worker-a');
      assert.equal(await store.getRun(child.runId), null);
      assert.deepEqual(await store.readInbox([a.run.runId]), []);
    });

    it('an append whose own event ids have a gap is refused alone; the rest of the commit lands', async () => {
      const a = await startAndClaim(store);
      const b = await startAndClaim(store);
      const gappy = [...steps(2, 1), ...steps(4, 1)];
      const result = await store.commit(
        commitOf({
          appends: [
            { runId: b.run.runId, epoch: b.epoch, events: steps(2, 1) },
            { runId: a.run.runId, epoch: a.epoch, events: gappy },
          ],
        }),
        T0,
      );
      assert.deepEqual(result.fenced, [a.run.runId]);
      assert.deepEqual(await ids(store, a.run.runId), [1]);
      assert.deepEqual(await ids(store, b.run.runId), [1, 2]);
    });

    it('creates new runs in the commit, with the same workflow id for continue-as-new', async () => {
      const { run, epoch } = await startAndClaim(store, { workflowId: 'loop' });
      const next = newRun({ workflowId: 'loop' }, T0 + 1);
      const child = newRun({ workflowId: 'loop-child', parentRunId: run.runId, workflowType: 'refund' }, T0 + 1);
      const closing: RecordedEvent = { id: 2, ts: T0 + 1, type: 'WorkflowContinuedAsNew', nextRunId: next.runId, input: 2 };
      const commit = commitOf({
        appends: [{ runId: run.runId, epoch, events: [closing], update: { status: 'CONTINUED_AS_NEW' } }],
        newRuns: [next, child],
        releases: [{ runId: run.runId, epoch, ready: false }],
      });
      assert.deepEqual((await store.commit(commit, T0 + 1)).fenced, []);
      const found = (await store.findRun('loop'))!;
      assert.equal(found.runId, next.runId, 'the successor is the newest run even with the same createdAt');
      assert.equal(found.status, 'RUNNING');
      const childRec = (await store.getRun(child.runId))!;
      assert.equal(childRec.parentRunId, run.runId);
      assert.equal(childRec.workflowType, 'refund');
      assert.deepEqual(await ids(store, child.runId), [1]);
      // A retried commit finds the new runs there already and creates nothing twice.
      const retry = await store.commit(commitOf({ newRuns: [next, child] }), T0 + 2);
      assert.deepEqual(retry.fenced, []);
      assert.equal((await store.listRuns({ workflowId: 'loop' }, { limit: 10 })).runs.length, 2);
      assert.deepEqual(await ids(store, next.runId), [1]);
    });
  });

  describe('what a fenced writer did besides its events', () => {
    it('the runs it started and the messages it sent are dropped with its events', async () => {
      const stale = await startAndClaim(store);
      await claim(store, stale.run.runId, { workerId: 'worker-b', now: T0 + 60_000 });
      const parent = await startAndClaim(store, {}, T0 + 60_000);
      const child = { ...newRun(), createdBy: stale.run.runId };
      const okChild = { ...newRun(), createdBy: parent.run.runId };
      const res = await store.commit(
        commitOf({
          appends: [
            { runId: stale.run.runId, epoch: stale.epoch, events: steps(2, 1) },
            { runId: parent.run.runId, epoch: parent.epoch, events: steps(2, 1) },
          ],
          newRuns: [child, okChild],
          messages: [
            { from: stale.run.runId, runId: parent.run.runId, data: { kind: 'signal', name: 'lost', payload: 0 } },
            { from: parent.run.runId, runId: stale.run.runId, data: { kind: 'signal', name: 'kept', payload: 1 } },
          ],
        }),
        T0 + 60_001,
      );
      assert.deepEqual(res.fenced, [stale.run.runId]);
      assert.equal(await store.getRun(child.runId), null);
      assert.notEqual(await store.getRun(okChild.runId), null);
      assert.deepEqual(await store.readInbox([parent.run.runId]), []);
      assert.deepEqual(
        (await store.readInbox([stale.run.runId])).map((m) => (m.data as { name: string }).name),
        ['kept'],
      );
    });

    it('a release with ready lets another worker claim the run at once', async () => {
      const a = await startAndClaim(store);
      await store.commit(commitOf({ releases: [{ runId: a.run.runId, epoch: a.epoch, ready: true }] }), T0);
      const got = await store.claimRuns(claimReq({ workerId: 'worker-b', now: T0 + 1 }));
      assert.deepEqual(
        got.map((c) => c.run.runId),
        [a.run.runId],
      );
    });
  });
}
