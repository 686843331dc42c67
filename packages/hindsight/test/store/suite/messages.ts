import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { RecordedEvent } from '../../../src/history/events.js';
import type { Store } from '../../../src/store/index.js';
import {
  T0,
  claimReq,
  commitOf,
  newRun,
  range,
  rejectsWith,
  startAndClaim,
} from '../fixtures.js';

/** The inbox and queries: messages to runs. */
export function messages(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
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
}
