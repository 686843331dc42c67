import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { RecordedEvent } from '../../../src/history/events.js';
import type { Store } from '../../../src/store/index.js';
import {
  T0,
  claimReq,
  commitOf,
  ids,
  newRun,
  rejectsWith,
  startAndClaim,
  steps,
} from '../fixtures.js';

/** Claims, leases and terminate: one writer per run. */
export function leases(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
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
}
