import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replayHistory } from '../../src/engine/index.js';
import type { RecordedEvent } from '../../src/history/index.js';
import { NonDeterminismError, step, workflow, type WorkflowDefinition } from '../../src/workflow/index.js';
import { Counter, Harness, rejection, waitFor } from './harness.js';

const count = new Counter();
const one = step('one', () => (count.hit('one'), 'one'));
const uno = step('uno', () => (count.hit('uno'), 'uno'));
const two = step('two', () => (count.hit('two'), 'two'));

/** Code A records the histories: step 'one', then waits for 'go', then step 'two'. */
const codeA = workflow('shipment', async (ctx) => {
  const a = await ctx.step(one);
  await ctx.waitForSignal('go');
  return [a, await ctx.step(two)];
});
/** Code B renamed the first step. */
const renamed = workflow('shipment', async (ctx) => {
  const a = await ctx.step(uno);
  await ctx.waitForSignal('go');
  return [a, await ctx.step(two)];
});
/** Code B swapped the steps. */
const reordered = workflow('shipment', async (ctx) => {
  const b = await ctx.step(two);
  await ctx.waitForSignal('go');
  return [await ctx.step(one), b];
});
/** The fix: compatible with A again (and a different code version from B). */
const fixed = workflow('shipment', async (ctx) => {
  const a = await ctx.step(one);
  const go = await ctx.waitForSignal('go');
  return [a, await ctx.step(two), go === undefined ? 'fixed' : 'fixed'];
});
/** Ends after the first step: skips commands the history holds. */
const shortened = workflow('shipment', async (ctx) => [await ctx.step(one)]);

/**
 * Records a run with code A up to the signal wait, stops A, and lets a worker
 * with `code` take the run (the signal wakes it). Returns the history as A left it.
 */
async function recordThenReplay(h: Harness, workflowId: string, code: WorkflowDefinition) {
  const a = h.worker([codeA]);
  const handle = await h.client.start(codeA, undefined, { workflowId });
  await waitFor('step one to be recorded', async () => (await h.types(workflowId)).includes('StepCompleted'));
  await a.stop();
  const before = await h.history(workflowId);
  const b = h.worker([code]);
  await handle.signal('go');
  const blocked = await waitFor('the run to be BLOCKED', async () => {
    const r = await h.run(workflowId);
    return r.status === 'BLOCKED' ? r : null;
  }, 3000);
  return { handle, before, blocked, b };
}

const stepOneEventId = (events: RecordedEvent[]) => events.find((e) => e.type === 'StepCompleted' && e.name === 'one')!.id;

describe('non-determinism', () => {
  it('parks a run replayed by code with a renamed step as BLOCKED; blockedReason names the history event id, the recorded event and the command the code issued', async (t) => {
    const h = await Harness.for(t);
    const { handle, before, blocked } = await recordThenReplay(h, 'nd-renamed', renamed);
    const id = stepOneEventId(before);
    const reason = blocked.blockedReason ?? '';
    assert.ok(reason.includes(`#${id}`), `names event #${id}: ${reason}`);
    assert.ok(reason.includes(`StepCompleted of step 'one'`), reason);
    assert.ok(reason.includes(`step 'uno'`), reason);
    assert.match(reason, /step 'uno' at .*nondeterminism\.test\.(ts|js):\d+:\d+/, `names the line of the workflow code that issued it: ${reason}`);
    assert.match(reason, /ctx\.patched\(\)/, 'says how to fix it');
    assert.equal(count.get('uno'), 0, 'the changed code ran no step');
    const err = await rejection(handle.result({ timeout: 1000 }));
    assert.equal(err.code, 'HS_E_RUN_BLOCKED');
    assert.equal(h.events.filter((e) => e.type === 'run-blocked').length, 1);
  });

  it('parks a run replayed by code with reordered steps as BLOCKED, naming both steps', async (t) => {
    const h = await Harness.for(t);
    const { before, blocked } = await recordThenReplay(h, 'nd-reordered', reordered);
    const reason = blocked.blockedReason ?? '';
    assert.ok(reason.includes(`#${stepOneEventId(before)}`), reason);
    assert.ok(reason.includes(`StepCompleted of step 'one'`), reason);
    assert.ok(reason.includes(`step 'two'`), reason);
  });

  it('leaves the history of a BLOCKED run exactly as it was: the diverging worker appends nothing', async (t) => {
    const h = await Harness.for(t);
    const { before } = await recordThenReplay(h, 'nd-unchanged', renamed);
    assert.deepEqual(await h.history('nd-unchanged'), before);
  });

  it('resumes a BLOCKED run to COMPLETED once a worker with fixed, compatible code takes it', async (t) => {
    const h = await Harness.for(t);
    const ones = count.get('one');
    const twos = count.get('two');
    const { handle, b } = await recordThenReplay(h, 'nd-fixed', renamed);
    await b.stop();
    h.worker([fixed]);
    // result() refuses a BLOCKED run at once, so wait for the fixed worker to take it first.
    await waitFor('the fixed worker to take the run', async () => (await h.run('nd-fixed')).status !== 'BLOCKED', 3000);
    assert.deepEqual(await handle.result({ timeout: 5000 }), ['one', 'two', 'fixed']);
    const run = await h.run('nd-fixed');
    assert.equal(run.status, 'COMPLETED');
    assert.equal(run.blockedReason, null);
    assert.equal(count.get('one') - ones, 1, 'step one was not executed again');
    assert.equal(count.get('two') - twos, 1);
    assert.equal((await replayHistory(await h.history('nd-fixed'), [fixed])).ok, true);
  });

  it('replayHistory of the same history with the changed code gives ok:false and the divergence; with the recording code ok:true', async (t) => {
    const h = await Harness.for(t);
    const { before } = await recordThenReplay(h, 'nd-replay', renamed);
    const bad = await replayHistory(before, [renamed]);
    assert.equal(bad.ok, false);
    assert.ok(bad.divergence instanceof NonDeterminismError);
    const details = (bad.divergence as NonDeterminismError).details;
    assert.equal(details.eventId, stepOneEventId(before));
    assert.equal(details.expected, `StepCompleted of step 'one' (seq 1)`);
    assert.equal(details.actual, `step 'uno'`);
    const good = await replayHistory(before, [codeA]);
    assert.equal(good.ok, true);
    assert.equal(good.divergence, undefined);
  });
});

describe('versioning with ctx.patched()', () => {
  const patchCount = new Counter();
  const charge = step('charge', () => (patchCount.hit('charge'), 'charged'));
  const fraudCheck = step('fraud-check', () => (patchCount.hit('fraud-check'), 'clean'));
  const v1 = workflow('payment', async (ctx) => {
    const charged = await ctx.step(charge);
    await ctx.waitForSignal('go');
    return { charged, patched: null as boolean | null };
  });
  const observed: boolean[] = [];
  const v2 = workflow('payment', async (ctx) => {
    const patched = ctx.patched('fraud-check');
    observed.push(patched);
    if (patched) await ctx.step(fraudCheck);
    const charged = await ctx.step(charge);
    await ctx.waitForSignal('go');
    return { charged, patched: patched as boolean | null };
  });

  it('returns false when replaying a history recorded before the patch, and the run goes on on the old path', async (t) => {
    const h = await Harness.for(t);
    const old = h.worker([v1]);
    const handle = await h.client.start(v1, undefined, { workflowId: 'patch-old' });
    await waitFor('charge', async () => (await h.types('patch-old')).includes('StepCompleted'));
    await old.stop();
    const checks = patchCount.get('fraud-check');
    h.worker([v2]);
    await handle.signal('go');
    assert.deepEqual(await handle.result({ timeout: 5000 }), { charged: 'charged', patched: false });
    assert.equal(patchCount.get('fraud-check'), checks, 'the new step did not run for the old run');
    assert.ok(!(await h.types('patch-old')).includes('PatchMarker'));
    assert.equal((await replayHistory(await h.history('patch-old'), [v2])).ok, true);
  });

  it('returns true for a new run and records a PatchMarker; replay of that history returns true again', async (t) => {
    const h = await Harness.for(t);
    h.worker([v2]);
    const handle = await h.client.start(v2, undefined, { workflowId: 'patch-new' });
    await waitFor('charge', async () => (await h.types('patch-new')).includes('StepCompleted'));
    await handle.signal('go');
    assert.deepEqual(await handle.result({ timeout: 5000 }), { charged: 'charged', patched: true });
    const events = await h.history('patch-new');
    const markers = events.filter((e) => e.type === 'PatchMarker');
    assert.deepEqual(markers.map((e) => e.type === 'PatchMarker' && [e.patchId, e.seq]), [['fraud-check', 1]]);
    assert.ok(events.some((e) => e.type === 'StepCompleted' && e.name === 'fraud-check'));
    observed.length = 0;
    assert.equal((await replayHistory(events, [v2])).ok, true);
    assert.deepEqual(observed, [true]);
  });
});

// Last in the file: a replay that settles early leaves activations of its run queued.
describe('replay checks', () => {
  it('replayHistory reports code that completes before issuing every command the history holds', async (t) => {
    const h = await Harness.for(t);
    h.worker([codeA]);
    const handle = await h.client.start(codeA, undefined, { workflowId: 'nd-short' });
    await waitFor('step one', async () => (await h.types('nd-short')).includes('StepCompleted'));
    await handle.signal('go');
    await handle.result({ timeout: 5000 });
    const events = await h.history('nd-short');
    const replay = await replayHistory(events, [shortened]);
    assert.equal(replay.ok, false, 'step two is in the history but the code never asked for it');
    const two = events.find((e) => e.type === 'StepCompleted' && e.name === 'two')!;
    assert.equal((replay.divergence as NonDeterminismError | undefined)?.details.eventId, two.id);
  });
});
