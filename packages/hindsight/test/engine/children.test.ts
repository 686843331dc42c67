import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replayHistory } from '../../src/engine/index.js';
import type { WorkflowStarted } from '../../src/history/index.js';
import { ChildWorkflowFailedError, step, workflow } from '../../src/workflow/index.js';
import { Harness, waitFor } from './harness.js';

const tax = step('tax', (_s, amount: number) => Math.round(amount * 0.2));
const addTax = workflow('add-tax', async (ctx, amount: number) => amount + (await ctx.step(tax, amount)));
const outOfStock = workflow('out-of-stock', async (_ctx, sku: string): Promise<never> => {
  throw new RangeError(`sku ${sku} is out of stock`);
});

describe('child workflows', () => {
  it("hands a child's result to the parent; the child is a run of its own, linked to its parent", async (t) => {
    const h = await Harness.for(t);
    const parent = workflow('invoice', async (ctx, amount: number) => ({ total: await ctx.child(addTax, amount) }));
    h.worker([parent, addTax]);
    const handle = await h.client.start(parent, 100, { workflowId: 'invoice-1' });
    assert.deepEqual(await handle.result({ timeout: 5000 }), { total: 120 });

    const parentRun = await h.run('invoice-1');
    const childRun = await h.run('invoice-1/add-tax-1');
    assert.equal(childRun.status, 'COMPLETED');
    assert.equal(childRun.result, 120);
    assert.equal(childRun.parentRunId, parentRun.runId);
    const started = (await h.history('invoice-1/add-tax-1'))[0] as WorkflowStarted;
    assert.deepEqual(started.parent, { workflowId: 'invoice-1', runId: parentRun.runId, seq: 1 });
    const events = await h.history('invoice-1');
    assert.deepEqual(
      events.filter((e) => e.type.startsWith('Child')).map((e) => e.type),
      ['ChildStarted', 'ChildCompleted'],
    );
  });

  it('raises ChildWorkflowFailedError in the parent when the child fails, with the child workflow id and its failure', async (t) => {
    const h = await Harness.for(t);
    const parent = workflow('order', async (ctx, sku: string) => {
      try {
        await ctx.child(outOfStock, sku);
        return null;
      } catch (e) {
        if (!(e instanceof ChildWorkflowFailedError)) throw e;
        return { code: e.code, workflowId: e.workflowId, name: e.failure.name, message: e.failure.message };
      }
    });
    h.worker([parent, outOfStock]);
    const handle = await h.client.start(parent, 'A-1', { workflowId: 'order-1' });
    assert.deepEqual(await handle.result({ timeout: 5000 }), {
      code: 'HS_E_CHILD_FAILED',
      workflowId: 'order-1/out-of-stock-1',
      name: 'RangeError',
      message: 'sku A-1 is out of stock',
    });
    assert.equal((await h.run('order-1/out-of-stock-1')).status, 'FAILED');
  });
});

describe('child workflow ids', () => {
  it('never runs two children under one workflow id: a second child with a taken id is refused in the parent', async (t) => {
    const h = await Harness.for(t);
    const slow = workflow('slow-child', async (ctx, n: number) => {
      await ctx.sleep(20);
      return n;
    });
    const parent = workflow('twins', async (ctx) => {
      const outcomes = await Promise.allSettled([
        ctx.child(slow, 1, { workflowId: 'shared-child' }),
        ctx.child(slow, 2, { workflowId: 'shared-child' }),
      ]);
      return outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).name));
    });
    h.worker([parent, slow]);
    const handle = await h.client.start(parent, undefined, { workflowId: 'twins-1' });
    await handle.result({ timeout: 5000 }).catch(() => undefined);
    const { runs } = await h.client.list({ workflowId: 'shared-child' }, { limit: 10 });
    assert.equal(runs.length, 1, `runs with workflow id shared-child: ${runs.map((r) => r.runId).join(', ')}`);
  });
});

interface Loop {
  i: number;
  acc: number;
  n: number;
  k: number;
}
const add = step('add', (_s, acc: number, i: number) => acc + i);
/** Sums 0..n-1, one step per number, continuing as new every k numbers. */
const summer = workflow('summer', async (ctx, input: Loop) => {
  let { i, acc } = input;
  for (let done = 0; i < input.n; i++, done++) {
    if (done === input.k) ctx.continueAsNew({ ...input, i, acc });
    acc = await ctx.step(add, acc, i);
  }
  return acc;
});

describe('continue-as-new', () => {
  it('a workflow that continues as new every K iterations ends with the right result; handle.result follows the chain and each history stays short', async (t) => {
    const h = await Harness.for(t);
    h.worker([summer]);
    const handle = await h.client.start(summer, { i: 0, acc: 0, n: 10, k: 3 }, { workflowId: 'summer-1' });
    assert.equal(await handle.result({ timeout: 5000 }), 45);

    const { runs } = await h.client.list({ workflowId: 'summer-1' }, { limit: 10 });
    assert.equal(runs.length, 4);
    assert.deepEqual(runs.map((r) => r.status).sort(), ['COMPLETED', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW']);
    for (const run of runs) assert.ok(run.eventCount <= 6, `run ${run.runId} has ${run.eventCount} events`);

    // The chain: each run names the next, each successor names its predecessor.
    const histories = await Promise.all(runs.map(async (r) => ({ run: r, events: await h.store.readHistory(r.runId) })));
    const first = histories.find((x) => !(x.events[0] as WorkflowStarted).continuedFrom)!;
    const chain = [first];
    for (let cur = first; ; ) {
      const close = cur.events[cur.events.length - 1]!;
      if (close.type !== 'WorkflowContinuedAsNew') break;
      const next = histories.find((x) => x.run.runId === close.nextRunId)!;
      assert.equal((next.events[0] as WorkflowStarted).continuedFrom, cur.run.runId);
      assert.deepEqual(next.run.input, close.input);
      chain.push((cur = next));
    }
    assert.deepEqual(chain.map((x) => (x.run.input as Loop).i), [0, 3, 6, 9]);
    assert.equal((await h.run('summer-1')).status, 'COMPLETED', 'the workflow id names the newest run');
    for (const x of chain) assert.equal((await replayHistory(x.events, [summer])).ok, true);
  });

  it('a child that continues as new reports its final result to the parent', async (t) => {
    const h = await Harness.for(t);
    const parent = workflow('parent-of-summer', async (ctx) => ctx.child(summer, { i: 0, acc: 0, n: 5, k: 2 }));
    h.worker([parent, summer]);
    const handle = await h.client.start(parent, undefined, { workflowId: 'pos-1' });
    assert.equal(await handle.result({ timeout: 5000 }), 10);
  });
});

// Last in the file: a diverging replay used to leave the activation chain running
// into the code that awaited it (see determinism.test.ts), which spoils later tests.
describe('replaying parents', () => {
  const parent = workflow('invoice', async (ctx, amount: number) => {
    const total = await ctx.child(addTax, amount);
    const approved = await ctx.waitForSignal<boolean>('approve');
    return { total, approved };
  });

  it('a parent whose child completed is taken over by another worker without non-determinism', async (t) => {
    const h = await Harness.for(t);
    const first = h.worker([parent, addTax]);
    const handle = await h.client.start(parent, 100, { workflowId: 'invoice-2' });
    await waitFor('ChildCompleted', async () => (await h.types('invoice-2')).includes('ChildCompleted'));
    await first.stop();
    h.worker([parent, addTax]);
    await handle.signal('approve', true);
    await waitFor('the run to close', async () => (await h.run('invoice-2')).status !== 'RUNNING', 3000);
    const run = await h.run('invoice-2');
    assert.equal(run.status, 'COMPLETED', run.blockedReason ?? '');
    assert.deepEqual(run.result, { total: 120, approved: true });
  });

  it('replayHistory of a parent whose child completed is ok', async (t) => {
    const h = await Harness.for(t);
    h.worker([parent, addTax]);
    const handle = await h.client.start(parent, 100, { workflowId: 'invoice-3' });
    await waitFor('ChildCompleted', async () => (await h.types('invoice-3')).includes('ChildCompleted'));
    await handle.signal('approve', false);
    await handle.result({ timeout: 5000 });
    const replay = await replayHistory(await h.history('invoice-3'), [parent, addTax]);
    assert.equal(replay.divergence?.message, undefined);
    assert.equal(replay.ok, true);
  });
});
