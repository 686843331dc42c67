import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replayHistory } from '../../src/engine/index.js';
import type { RecordedEvent, WorkflowStarted } from '../../src/history/index.js';
import { step, workflow } from '../../src/workflow/index.js';
import { Counter, Harness, rejection, waitFor } from './harness.js';

const greet = workflow('greet', async (_ctx, name: string) => `hello ${name}`);
const waiter = workflow('waiter', async (ctx) => ctx.waitForSignal<string>('go'));

describe('client', () => {
  it('start is idempotent on the workflow id: a second start returns the existing run and creates nothing', async (t) => {
    const h = await Harness.for(t);
    h.worker([greet]);
    const a = await h.client.start(greet, 'ada', { workflowId: 'greet-1' });
    const b = await h.client.start(greet, 'bob', { workflowId: 'greet-1' });
    assert.equal(a.workflowId, b.workflowId);
    assert.equal(await b.result({ timeout: 5000 }), 'hello ada');
    const { runs } = await h.client.list({ workflowId: 'greet-1' });
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.input, 'ada');
    const again = await h.client.start(greet, 'cy', { workflowId: 'greet-1' });
    assert.equal(await again.result({ timeout: 1000 }), 'hello ada', 'also once the run has completed');
    assert.equal((await h.client.list({ workflowId: 'greet-1' })).runs.length, 1);
  });

  it('list filters by status and by workflow type, and paginates newest first without gaps or repeats', async (t) => {
    const h = await Harness.for(t);
    h.worker([greet, waiter]);
    for (let i = 0; i < 5; i++) await (await h.client.start(greet, `n${i}`, { workflowId: `g-${i}` })).result({ timeout: 5000 });
    for (let i = 0; i < 3; i++) await h.client.start(waiter, undefined, { workflowId: `w-${i}` });

    const completed = await h.client.list({ status: ['COMPLETED'] }, { limit: 50 });
    assert.deepEqual(completed.runs.map((r) => r.workflowId).sort(), ['g-0', 'g-1', 'g-2', 'g-3', 'g-4']);
    const waiting = await h.client.list({ workflowType: 'waiter' }, { limit: 50 });
    assert.deepEqual(waiting.runs.map((r) => r.workflowId).sort(), ['w-0', 'w-1', 'w-2']);
    assert.ok(waiting.runs.every((r) => r.status === 'RUNNING'));
    assert.equal((await h.client.list({ status: ['RUNNING'], workflowType: 'greet' })).runs.length, 0);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await h.client.list({}, { limit: 3, ...(cursor ? { cursor } : {}) });
      assert.ok(page.runs.length <= 3);
      seen.push(...page.runs.map((r) => r.workflowId));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.equal(seen.length, 8);
    assert.equal(new Set(seen).size, 8);
    const all = await h.allRuns();
    const created = all.map((r) => r.createdAt);
    assert.deepEqual(created, [...created].sort((x, y) => y - x), 'newest first');
    for (const w of ['w-0', 'w-1', 'w-2']) await h.client.getHandle(w).signal('go', w);
  });

  it('exportHistory -> importHistory into another store round-trips the events exactly', async (t) => {
    const h = await Harness.for(t);
    const other = await Harness.for(t);
    const double = step('double', (_s, n: number) => n * 2);
    const calc = workflow('calc', async (ctx, n: number) => (await ctx.step(double, n)) + 1);
    h.worker([calc]);
    await (await h.client.start(calc, 20, { workflowId: 'calc-1' })).result({ timeout: 5000 });

    const file = await h.client.exportHistory('calc-1');
    assert.equal(file.format, 'hindsight.history');
    const imported = await other.client.importHistory(JSON.parse(JSON.stringify(file)));
    assert.equal(imported.runId, file.run.runId);
    assert.equal(imported.status, 'COMPLETED');
    assert.equal(imported.result, 41);
    assert.deepEqual(await other.store.readHistory(file.run.runId), file.events);
    const again = await other.client.exportHistory('calc-1');
    assert.deepEqual(again.events, file.events);
    assert.deepEqual({ ...again.run, createdAt: 0 }, { ...file.run, createdAt: 0 });
    assert.equal((await replayHistory(again.events, [calc])).ok, true);
  });

  it("importHistory of an open run lets the other store's workers finish it", async (t) => {
    const h = await Harness.for(t);
    const other = await Harness.for(t);
    const first = h.worker([waiter]);
    await h.client.start(waiter, undefined, { workflowId: 'wait-1' });
    await waitFor('the run to be taken', async () => (await h.run('wait-1')).leaseOwner);
    await first.stop();
    await other.client.importHistory(await h.client.exportHistory('wait-1'));
    other.worker([waiter]);
    const handle = other.client.getHandle<string>('wait-1');
    await handle.signal('go', 'elsewhere');
    assert.equal(await handle.result({ timeout: 5000 }), 'elsewhere');
    assert.equal((await h.run('wait-1')).status, 'RUNNING', 'the source store is not changed');
  });

  it('importHistory refuses a history whose workflow id already names another run of the target store, and imports nothing', async (t) => {
    const h = await Harness.for(t);
    const other = await Harness.for(t);
    h.worker([greet]);
    await (await h.client.start(greet, 'ada', { workflowId: 'greet-x' })).result({ timeout: 5000 });
    const local = await other.client.start(greet, 'local', { workflowId: 'greet-x' });
    const localRun = await local.describe();
    const file = await h.client.exportHistory('greet-x');
    let outcome: string;
    try {
      const run = await other.client.importHistory(file);
      outcome = `answered with run ${run.runId} (input ${JSON.stringify(run.input)})`;
    } catch (err) {
      outcome = (err as { code?: string }).code ?? String(err);
    }
    assert.match(outcome, /^HS_E_/, outcome);
    assert.equal(await other.store.getRun(file.run.runId), null, 'nothing was imported');
    assert.deepEqual((await other.client.list({ workflowId: 'greet-x' })).runs.map((r) => r.runId), [localRun.runId]);
  });
});

describe('fork', () => {
  const count = new Counter();
  const draw = step('draw', (_s, key: string) => (count.hit('draw'), `drawn with ${key}`));
  const pack = step('pack', () => (count.hit('pack'), 'packed'));
  const ship = step('ship', () => (count.hit('ship'), `shipped #${count.get('ship')}`));
  const parcel = workflow('parcel', async (ctx) => {
    const key = ctx.uuid();
    const drawn = await ctx.step(draw, key);
    const packed = await ctx.step(pack);
    const shipped = await ctx.step(ship);
    return { key, drawn, packed, shipped };
  });
  type Parcel = { key: string; drawn: string; packed: string; shipped: string };
  const stepEvent = (events: RecordedEvent[], name: string) => events.find((e) => e.type === 'StepCompleted' && e.name === name)!;

  it("fork at event k creates a new run whose first k events are the source's (but for WorkflowStarted's ids and forkedFrom) and that runs anew from there to completion", async (t) => {
    const h = await Harness.for(t);
    h.worker([parcel]);
    const source = await h.client.start(parcel, undefined, { workflowId: 'parcel-1' });
    await source.result({ timeout: 5000 });
    const sourceEvents = await h.history('parcel-1');
    const sourceRun = await h.run('parcel-1');
    const k = stepEvent(sourceEvents, 'pack').id;
    const before = { draw: count.get('draw'), pack: count.get('pack'), ship: count.get('ship') };

    const fork = await h.client.fork('parcel-1', { atEvent: k });
    assert.notEqual(fork.workflowId, 'parcel-1');
    const result = (await fork.result({ timeout: 5000 })) as Parcel;
    assert.deepEqual([count.get('draw') - before.draw, count.get('pack') - before.pack, count.get('ship') - before.ship], [0, 0, 1], 'only the steps after event k ran');
    assert.equal(result.packed, 'packed');

    const forkRun = await h.run(fork.workflowId);
    assert.equal(forkRun.status, 'COMPLETED');
    assert.notEqual(forkRun.runId, sourceRun.runId);
    const forkEvents = await h.history(fork.workflowId);
    const started = forkEvents[0] as RecordedEvent<WorkflowStarted>;
    assert.deepEqual(started.forkedFrom, { runId: sourceRun.runId, eventId: k });
    assert.equal(started.runId, forkRun.runId);
    assert.equal(started.workflowId, fork.workflowId);
    const { forkedFrom: _f, runId: _r, workflowId: _w, seed, ...startedRest } = started;
    const { runId: _sr, workflowId: _sw, ...sourceStartedRest } = sourceEvents[0] as RecordedEvent<WorkflowStarted>;
    assert.deepEqual(startedRest, sourceStartedRest);
    assert.equal(seed, sourceRun.runId, "the fork keeps the source's random seed");
    assert.deepEqual(forkEvents.slice(1, k), sourceEvents.slice(1, k));
    assert.equal((await h.run('parcel-1')).eventCount, sourceEvents.length, 'the source run is not changed');
  });

  it('a fork replays the values the source drew before event k (ctx.uuid, Math.random)', async (t) => {
    const h = await Harness.for(t);
    h.worker([parcel]);
    const source = await h.client.start(parcel, undefined, { workflowId: 'parcel-2' });
    const original = await source.result({ timeout: 5000 });
    const k = stepEvent(await h.history('parcel-2'), 'pack').id;
    const fork = await h.client.fork('parcel-2', { atEvent: k });
    const forked = (await fork.result({ timeout: 5000 })) as Parcel;
    assert.equal(forked.drawn, original.drawn, 'the recorded step result comes back');
    assert.equal(forked.key, original.key, 'the code before event k saw the same uuid it passed to the recorded step');
  });

  it('fork refuses an event id outside the history with HS_E_BAD_EVENT', async (t) => {
    const h = await Harness.for(t);
    h.worker([parcel]);
    await (await h.client.start(parcel, undefined, { workflowId: 'parcel-3' })).result({ timeout: 5000 });
    const n = (await h.history('parcel-3')).length;
    for (const atEvent of [0, n, n + 1, 1.5]) {
      assert.equal((await rejection(h.client.fork('parcel-3', { atEvent }))).code, 'HS_E_BAD_EVENT', `atEvent ${atEvent}`);
    }
  });
});
