import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { RunRecord, Store } from '../../../src/store/index.js';
import {
  T0,
  claim,
  commitOf,
  newRun,
  rejectsWith,
} from '../fixtures.js';

/** Listing runs with filters and pages. */
export function listing(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
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
}
