import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { RecordedEvent } from '../../src/history/events.js';
import type { RunRecord, Store } from '../../src/store/index.js';
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
} from './fixtures.js';

/**
 * The behaviour every Store implementation shares. `open` must return a new,
 * empty store on each call.
 */
export function storeSuite(name: string, open: () => Promise<Store>): void {
  describe(`${name} store`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
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

    describe('claims and leases', () => {
      it('a new run is claimed by one worker only while the lease is held', async () => {
        const { run } = await store.createRun(newRun(), T0);
        const got = await store.claimRuns(claimReq({ workerId: 'worker-a' }));
        assert.deepEqual(
          got.map((c) => c.run.runId),
          [run.runId],
        );
        assert.equal(got[0].run.leaseOwner, 'worker-a');
        assert.equal(got[0].run.leaseExpiresAt, T0 + 30_000);
        assert.deepEqual(await store.claimRuns(claimReq({ workerId: 'worker-b', now: T0 + 1000 })), []);
        assert.deepEqual(await store.claimRuns(claimReq({ workerId: 'worker-a', now: T0 + 1000 })), []);
      });

      it('a lease that expires lets another worker claim the run with a higher epoch', async () => {
        const first = await startAndClaim(store);
        assert.deepEqual(await store.claimRuns(claimReq({ workerId: 'worker-b', now: T0 + 30_000 })), []);
        const second = await store.claimRuns(claimReq({ workerId: 'worker-b', now: T0 + 30_001 }));
        assert.equal(second.length, 1);
        assert.equal(second[0].epoch, first.epoch + 1);
        assert.equal(second[0].run.leaseOwner, 'worker-b');
      });

      it('renewing extends a held lease and reports the ones that were lost', async () => {
        const a = await startAndClaim(store);
        const b = await startAndClaim(store);
        const lost = await store.renewLeases(
          'worker-a',
          [
            { runId: a.run.runId, epoch: a.epoch },
            { runId: b.run.runId, epoch: b.epoch + 1 },
            { runId: 'ghost', epoch: 1 },
          ],
          T0 + 90_000,
        );
        assert.deepEqual(lost.sort(), [b.run.runId, 'ghost'].sort());
        assert.equal((await store.getRun(a.run.runId))!.leaseExpiresAt, T0 + 90_000);
        const after = await store.claimRuns(claimReq({ workerId: 'worker-b', now: T0 + 60_000 }));
        assert.deepEqual(
          after.map((c) => c.run.runId),
          [b.run.runId],
          'the renewed lease is still held; the other one expired',
        );
        assert.deepEqual(await store.renewLeases('worker-b', [{ runId: a.run.runId, epoch: a.epoch }], T0), [a.run.runId]);
      });

      it('a released idle run waits; released as ready it is claimable at once', async () => {
        const a = await startAndClaim(store);
        const b = await startAndClaim(store);
        await store.releaseRuns('worker-a', [
          { runId: a.run.runId, epoch: a.epoch, ready: false },
          { runId: b.run.runId, epoch: b.epoch, ready: true },
        ]);
        assert.equal((await store.getRun(a.run.runId))!.leaseOwner, null);
        const got = await store.claimRuns(claimReq({ workerId: 'worker-b', now: T0 + 1 }));
        assert.deepEqual(
          got.map((c) => c.run.runId),
          [b.run.runId],
        );
      });

      it('releasing with someone else\'s epoch or worker id changes nothing', async () => {
        const a = await startAndClaim(store);
        await store.releaseRuns('worker-a', [{ runId: a.run.runId, epoch: a.epoch - 1, ready: true }]);
        await store.releaseRuns('worker-z', [{ runId: a.run.runId, epoch: a.epoch, ready: true }]);
        assert.equal((await store.getRun(a.run.runId))!.leaseOwner, 'worker-a');
      });

      it('a run whose timer is due is claimed; one whose timer is ahead is not', async () => {
        const a = await startAndClaim(store);
        await store.commit(
          commitOf({
            appends: [{ runId: a.run.runId, epoch: a.epoch, events: [], update: { wakeAt: T0 + 5000 } }],
            releases: [{ runId: a.run.runId, epoch: a.epoch, ready: false }],
          }),
          T0,
        );
        assert.deepEqual(await store.claimRuns(claimReq({ now: T0 + 4999 })), []);
        const got = await store.claimRuns(claimReq({ now: T0 + 5000 }));
        assert.deepEqual(
          got.map((c) => c.run.runId),
          [a.run.runId],
        );
      });

      it('a worker that died holding a run does not strand it: it is claimable once the lease expires', async () => {
        const a = await startAndClaim(store);
        assert.equal((await store.getRun(a.run.runId))!.leaseOwner, 'worker-a');
        const got = await store.claimRuns(claimReq({ workerId: 'worker-b', now: T0 + 30_001 }));
        assert.deepEqual(
          got.map((c) => c.run.runId),
          [a.run.runId],
        );
      });

      it('claims only runs of the worker\'s task queues and workflow types', async () => {
        await store.createRun(newRun({ taskQueue: 'billing' }), T0);
        await store.createRun(newRun({ workflowType: 'refund' }), T0);
        const mine = (await store.createRun(newRun(), T0)).run;
        assert.deepEqual(await store.claimRuns(claimReq({ taskQueues: [] })), []);
        const got = await store.claimRuns(claimReq());
        assert.deepEqual(
          got.map((c) => c.run.runId),
          [mine.runId],
        );
        const more = await store.claimRuns(claimReq({ taskQueues: ['default', 'billing'], workflowTypes: ['order', 'refund'] }));
        assert.equal(more.length, 2);
      });

      it('claims the oldest runs first and at most limit', async () => {
        const created: string[] = [];
        for (let i = 0; i < 5; i++) created.push((await store.createRun(newRun({}, T0 + i), T0 + i)).run.runId);
        const first = await store.claimRuns(claimReq({ limit: 3, now: T0 + 10 }));
        assert.deepEqual(
          first.map((c) => c.run.runId),
          created.slice(0, 3),
        );
        const rest = await store.claimRuns(claimReq({ limit: 3, now: T0 + 10 }));
        assert.deepEqual(
          rest.map((c) => c.run.runId),
          created.slice(3),
        );
      });

      it('closed runs are never claimed', async () => {
        const a = await startAndClaim(store);
        const done: RecordedEvent = { id: 2, ts: T0, type: 'WorkflowCompleted', result: 1 };
        await store.commit(
          commitOf({
            appends: [{ runId: a.run.runId, epoch: a.epoch, events: [done], update: { status: 'COMPLETED', result: 1, wakeAt: T0 } }],
          }),
          T0,
        );
        assert.deepEqual(await store.claimRuns(claimReq({ now: T0 + 100_000 })), []);
      });

      it('a BLOCKED run is claimed again only by a worker with a different code fingerprint', async () => {
        const a = await startAndClaim(store);
        await store.commit(
          commitOf({
            appends: [
              {
                runId: a.run.runId,
                epoch: a.epoch,
                events: [],
                update: { status: 'BLOCKED', blockedReason: 'step 3 is now "refund"', blockedFingerprint: 'code-1' },
              },
            ],
            releases: [{ runId: a.run.runId, epoch: a.epoch, ready: false }],
          }),
          T0,
        );
        const rec = (await store.getRun(a.run.runId))!;
        assert.equal(rec.status, 'BLOCKED');
        assert.equal(rec.blockedReason, 'step 3 is now "refund"');
        assert.deepEqual(await store.claimRuns(claimReq({ fingerprint: 'code-1', now: T0 + 1 })), []);
        const got = await store.claimRuns(claimReq({ fingerprint: 'code-2', now: T0 + 1 }));
        assert.deepEqual(
          got.map((c) => c.run.runId),
          [a.run.runId],
        );
      });
    });

    describe('inbox', () => {
      it('a signal to an idle run makes it claimable and is read back oldest first', async () => {
        const a = await startAndClaim(store);
        await store.releaseRuns('worker-a', [{ runId: a.run.runId, epoch: a.epoch, ready: false }]);
        assert.deepEqual(await store.claimRuns(claimReq({ now: T0 + 1 })), []);
        await store.send(a.run.runId, { kind: 'signal', name: 'approve', payload: { by: 'ann' } }, T0 + 2);
        await store.send(a.run.runId, { kind: 'cancel', reason: 'customer asked' }, T0 + 3);
        const inbox = await store.readInbox([a.run.runId]);
        assert.deepEqual(
          inbox.map((m) => [m.runId, m.kind, m.data, m.createdAt]),
          [
            [a.run.runId, 'signal', { kind: 'signal', name: 'approve', payload: { by: 'ann' } }, T0 + 2],
            [a.run.runId, 'cancel', { kind: 'cancel', reason: 'customer asked' }, T0 + 3],
          ],
        );
        assert.ok(inbox[0].id < inbox[1].id);
        const got = await store.claimRuns(claimReq({ now: T0 + 4 }));
        assert.deepEqual(
          got.map((c) => c.run.runId),
          [a.run.runId],
        );
      });

      it('consumed messages leave the inbox in the commit that records them', async () => {
        const a = await startAndClaim(store);
        await store.send(a.run.runId, { kind: 'signal', name: 'go', payload: 1 }, T0);
        await store.send(a.run.runId, { kind: 'signal', name: 'go', payload: 2 }, T0);
        const [m1, m2] = await store.readInbox([a.run.runId]);
        const recorded: RecordedEvent = { id: 2, ts: T0, type: 'SignalReceived', name: 'go', payload: 1 };
        await store.commit(
          commitOf({
            appends: [{ runId: a.run.runId, epoch: a.epoch, events: [recorded] }],
            consumed: [m1.id],
            releases: [{ runId: a.run.runId, epoch: a.epoch, ready: false }],
          }),
          T0,
        );
        assert.deepEqual(
          (await store.readInbox([a.run.runId])).map((m) => m.id),
          [m2.id],
        );
        // The unconsumed message keeps the released run ready.
        const got = await store.claimRuns(claimReq({ now: T0 + 1 }));
        assert.deepEqual(
          got.map((c) => c.run.runId),
          [a.run.runId],
        );
      });

      it('a fenced writer\'s consumed messages stay in the inbox for the next holder', async () => {
        const a = await startAndClaim(store);
        await store.send(a.run.runId, { kind: 'signal', name: 'go', payload: 1 }, T0);
        const [m] = await store.readInbox([a.run.runId]);
        const recorded: RecordedEvent = { id: 2, ts: T0, type: 'SignalReceived', name: 'go', payload: 1 };
        const res = await store.commit(
          commitOf({ appends: [{ runId: a.run.runId, epoch: a.epoch + 1, events: [recorded] }], consumed: [m.id] }),
          T0,
        );
        assert.deepEqual(res.fenced, [a.run.runId]);
        assert.deepEqual(
          (await store.readInbox([a.run.runId])).map((x) => x.id),
          [m.id],
        );
      });

      it('sending to a missing run fails with HS_E_RUN_NOT_FOUND, to a closed one with HS_E_RUN_CLOSED', async () => {
        await rejectsWith(store.send('ghost', { kind: 'signal', name: 'x', payload: null }, T0), 'HS_E_RUN_NOT_FOUND');
        const a = await startAndClaim(store);
        await store.terminate(a.run.runId, 'test', T0);
        await rejectsWith(store.send(a.run.runId, { kind: 'signal', name: 'x', payload: null }, T0), 'HS_E_RUN_CLOSED');
        assert.deepEqual(await store.readInbox([a.run.runId]), []);
      });

      it('a child\'s result reaches its parent as a message and wakes the parent', async () => {
        const parent = await startAndClaim(store);
        await store.releaseRuns('worker-a', [{ runId: parent.run.runId, epoch: parent.epoch, ready: false }]);
        const child = await startAndClaim(store, { parentRunId: parent.run.runId });
        const done: RecordedEvent = { id: 2, ts: T0, type: 'WorkflowCompleted', result: { refunded: 10 } };
        const data = { kind: 'child' as const, seq: 4, childRunId: child.run.runId, result: { refunded: 10 } };
        await store.commit(
          commitOf({
            appends: [{ runId: child.run.runId, epoch: child.epoch, events: [done], update: { status: 'COMPLETED', result: { refunded: 10 } } }],
            messages: [{ from: child.run.runId, runId: parent.run.runId, data }],
            releases: [{ runId: child.run.runId, epoch: child.epoch, ready: false }],
          }),
          T0 + 1,
        );
        const inbox = await store.readInbox([parent.run.runId, child.run.runId]);
        assert.equal(inbox.length, 1);
        assert.equal(inbox[0].kind, 'child');
        assert.deepEqual(inbox[0].data, data);
        const got = await store.claimRuns(claimReq({ now: T0 + 2 }));
        assert.deepEqual(
          got.map((c) => c.run.runId),
          [parent.run.runId],
        );
        const childRec = (await store.getRun(child.run.runId))!;
        assert.equal(childRec.status, 'COMPLETED');
        assert.deepEqual(childRec.result, { refunded: 10 });
        assert.equal(childRec.closedAt, T0 + 1);
        assert.equal(childRec.leaseOwner, null);
      });

      it('reads the inboxes of many runs at once', async () => {
        const runIds: string[] = [];
        for (let i = 0; i < 300; i++) {
          const { run } = await store.createRun(newRun(), T0);
          runIds.push(run.runId);
          await store.send(run.runId, { kind: 'signal', name: 's', payload: i }, T0);
        }
        const inbox = await store.readInbox([...runIds, ...runIds.slice(0, 5)]);
        assert.equal(inbox.length, 300);
        assert.deepEqual(
          inbox.map((m) => (m.data as { payload: number }).payload),
          range(0, 299),
        );
      });
    });

    describe('terminate', () => {
      it('appends WorkflowTerminated and fences out the lease holder', async () => {
        const a = await startAndClaim(store);
        assert.equal(await store.terminate(a.run.runId, 'stuck for a week', T0 + 7), true);
        const history = await store.readHistory(a.run.runId);
        assert.deepEqual(history[1], { id: 2, ts: T0 + 7, type: 'WorkflowTerminated', reason: 'stuck for a week' });
        const rec = (await store.getRun(a.run.runId))!;
        assert.equal(rec.status, 'TERMINATED');
        assert.equal(rec.closedAt, T0 + 7);
        assert.equal(rec.eventCount, 2);
        assert.equal(rec.leaseOwner, null);
        const res = await store.commit(
          commitOf({ appends: [{ runId: a.run.runId, epoch: a.epoch, events: steps(2, 1) }] }),
          T0 + 8,
        );
        assert.deepEqual(res.fenced, [a.run.runId]);
        assert.deepEqual(await store.renewLeases('worker-a', [{ runId: a.run.runId, epoch: a.epoch }], T0 + 9), [
          a.run.runId,
        ]);
        assert.deepEqual(await ids(store, a.run.runId), [1, 2]);
      });

      it('terminating a closed run returns false and writes nothing', async () => {
        const { run } = await store.createRun(newRun(), T0);
        assert.equal(await store.terminate(run.runId, 'first', T0), true);
        assert.equal(await store.terminate(run.runId, 'second', T0 + 1), false);
        assert.deepEqual(await ids(store, run.runId), [1, 2]);
        await rejectsWith(store.terminate('ghost', 'x', T0), 'HS_E_RUN_NOT_FOUND');
      });
    });

    describe('listing runs', () => {
      async function seed(): Promise<RunRecord[]> {
        const out: RunRecord[] = [];
        const specs = [
          { workflowType: 'order', taskQueue: 'default' },
          { workflowType: 'refund', taskQueue: 'default' },
          { workflowType: 'order', taskQueue: 'billing' },
          { workflowType: 'order', taskQueue: 'default' },
        ];
        for (let i = 0; i < specs.length; i++) {
          out.push((await store.createRun(newRun({ ...specs[i], workflowId: `w${i}` }), T0 + i * 10)).run);
        }
        await store.terminate(out[3].runId, 'x', T0 + 100);
        return out;
      }

      it('lists newest first, filtered by status, type, workflow id, task queue and time', async () => {
        const runs = await seed();
        const list = async (filter: Parameters<Store['listRuns']>[0]) =>
          (await store.listRuns(filter, { limit: 100 })).runs.map((r) => r.workflowId);
        assert.deepEqual(await list({}), ['w3', 'w2', 'w1', 'w0']);
        assert.deepEqual(await list({ status: ['RUNNING'] }), ['w2', 'w1', 'w0']);
        assert.deepEqual(await list({ status: ['TERMINATED', 'COMPLETED'] }), ['w3']);
        assert.deepEqual(await list({ status: [] }), ['w3', 'w2', 'w1', 'w0']);
        assert.deepEqual(await list({ workflowType: 'order' }), ['w3', 'w2', 'w0']);
        assert.deepEqual(await list({ workflowId: 'w1' }), ['w1']);
        assert.deepEqual(await list({ taskQueue: 'billing' }), ['w2']);
        assert.deepEqual(await list({ since: T0 + 10, until: T0 + 30 }), ['w2', 'w1']);
        assert.deepEqual(await list({ workflowType: 'order', taskQueue: 'default', status: ['RUNNING'] }), ['w0']);
        const page = await store.listRuns({}, { limit: 100 });
        assert.equal(page.nextCursor, null);
        assert.equal(page.runs[0].runId, runs[3].runId);
      });

      it('pages cover every run exactly once, without duplicates or gaps, even when runs share a creation time', async () => {
        const all: string[] = [];
        for (let i = 0; i < 23; i++) {
          all.push((await store.createRun(newRun(), T0 + Math.floor(i / 4))).run.runId);
        }
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listRuns({}, { limit: 5, cursor });
          assert.ok(page.runs.length <= 5);
          seen.push(...page.runs.map((r) => r.runId));
          cursor = page.nextCursor ?? undefined;
          pages++;
        } while (cursor);
        assert.equal(pages, 5);
        assert.equal(new Set(seen).size, seen.length);
        assert.deepEqual([...seen].sort(), [...all].sort());
      });

      it('caps a page at 1000 runs', async () => {
        for (let i = 0; i < 1001; i++) await store.createRun(newRun(), T0);
        const page = await store.listRuns({}, { limit: 5000 });
        assert.equal(page.runs.length, 1000);
        assert.notEqual(page.nextCursor, null);
        const rest = await store.listRuns({}, { limit: 5000, cursor: page.nextCursor! });
        assert.equal(rest.runs.length, 1);
        assert.equal(rest.nextCursor, null);
      });

      it('refuses a cursor it did not hand out', async () => {
        await rejectsWith(store.listRuns({}, { limit: 5, cursor: 'not-a-cursor' }), 'HS_E_BAD_CURSOR');
      });

      it('findRun returns the newest run of a workflow id', async () => {
        const first = (await store.createRun(newRun({ workflowId: 'chain' }), T0)).run;
        const { run, epoch } = await claim(store, first.runId);
        const next = newRun({ workflowId: 'chain' }, T0 + 50);
        await store.commit(
          commitOf({
            appends: [
              {
                runId: run.runId,
                epoch,
                events: [{ id: 2, ts: T0 + 50, type: 'WorkflowContinuedAsNew', nextRunId: next.runId, input: null }],
                update: { status: 'CONTINUED_AS_NEW' },
              },
            ],
            newRuns: [next],
          }),
          T0 + 50,
        );
        assert.equal((await store.findRun('chain'))!.runId, next.runId);
        const again = await store.createRun(newRun({ workflowId: 'chain' }), T0 + 60);
        assert.equal(again.created, false);
        assert.equal(again.run.runId, next.runId);
      });
    });

    describe('queries', () => {
      it('a query goes from posted to taken to answered', async () => {
        const a = await startAndClaim(store);
        const id = await store.postQuery(a.run.runId, 'status', [1, 'x'], T0);
        assert.deepEqual(await store.readQueryAnswer(id), { done: false });
        assert.deepEqual(await store.takeQueries([a.run.runId]), [{ id, runId: a.run.runId, name: 'status', args: [1, 'x'] }]);
        assert.deepEqual(await store.takeQueries([a.run.runId]), [], 'a taken query is not handed out twice');
        assert.deepEqual(await store.readQueryAnswer(id), { done: false });
        await store.answerQuery(id, { done: true, result: { stage: 'paid' } });
        assert.deepEqual(await store.readQueryAnswer(id), { done: true, result: { stage: 'paid' } });
      });

      it('query errors and undefined results round trip', async () => {
        const a = await startAndClaim(store);
        const q1 = await store.postQuery(a.run.runId, 'boom', [], T0);
        const q2 = await store.postQuery(a.run.runId, 'nothing', [], T0);
        const taken = await store.takeQueries([a.run.runId, 'ghost']);
        assert.deepEqual(
          taken.map((q) => q.id),
          [q1, q2],
        );
        const error = { name: 'Error', message: 'unknown query boom' };
        await store.answerQuery(q1, { done: true, error });
        await store.answerQuery(q2, { done: true, result: undefined });
        assert.deepEqual(await store.readQueryAnswer(q1), { done: true, error });
        const a2 = await store.readQueryAnswer(q2);
        assert.equal(a2.done, true);
        assert.equal(a2.done && a2.result, undefined);
        await rejectsWith(store.readQueryAnswer(q2 + 100), 'HS_E_QUERY_NOT_FOUND');
      });

      it('a query to an idle run makes it claimable so that a worker can answer', async () => {
        const a = await startAndClaim(store);
        await store.releaseRuns('worker-a', [{ runId: a.run.runId, epoch: a.epoch, ready: false }]);
        await store.postQuery(a.run.runId, 'status', [], T0 + 1);
        const got = await store.claimRuns(claimReq({ now: T0 + 2 }));
        assert.deepEqual(
          got.map((c) => c.run.runId),
          [a.run.runId],
        );
        await rejectsWith(store.postQuery('ghost', 'status', [], T0), 'HS_E_RUN_NOT_FOUND');
      });
    });

    it('close can be called twice', async () => {
      const other = await open();
      await other.close();
      await other.close();
    });
  });
}
