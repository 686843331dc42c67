import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/common/index.js';
import { replayHistory } from '../../src/engine/index.js';
import { step, workflow } from '../../src/workflow/index.js';
import { Harness, delay, gate, rejection, waitFor } from './harness.js';

const HOUR = 60 * 60 * 1000;
/**
 * Leases and idleness are measured with the worker's clock: a ManualClock jump
 * expires leases (the worker re-claims its own runs) and makes every held run
 * look idle (it is released, racing its own events; see steps.test.ts). These
 * tests are about signals, so leases and stickiness outlast the jumps.
 */
const longLease = { leaseTimeout: '40 days', stickyIdle: '40 days' } as const;

describe('signals', () => {
  it('waitForSignal receives the payload of the signal sent to the run', async (t) => {
    const h = await Harness.for(t);
    const wf = workflow('approval', async (ctx) => {
      const decision = await ctx.waitForSignal<{ approved: boolean; by: string }>('decision');
      return decision;
    });
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'approval-1' });
    await handle.signal('decision', { approved: true, by: 'ada' });
    assert.deepEqual(await handle.result({ timeout: 5000 }), { approved: true, by: 'ada' });
    const received = (await h.history('approval-1')).find((e) => e.type === 'SignalReceived');
    assert.deepEqual(received?.type === 'SignalReceived' && [received.name, received.payload], ['decision', { approved: true, by: 'ada' }]);
  });

  it('queues signals sent before the code waits for them (before a worker took the run, and while a step runs) and hands them out in order', async (t) => {
    const h = await Harness.for(t);
    const hold = gate();
    const slow = step('slow', async () => {
      await hold.promise;
      return 'slow done';
    });
    const wf = workflow('collector', async (ctx) => {
      await ctx.step(slow);
      const items = [];
      for (let i = 0; i < 3; i++) items.push(await ctx.waitForSignal<number>('item'));
      const other = await ctx.waitForSignal<string>('other');
      return { items, other };
    });
    const handle = await h.client.start(wf, undefined, { workflowId: 'collector-1' });
    await handle.signal('item', 1);
    h.worker([wf]);
    await waitFor('the step to start', async () => (await h.types('collector-1')).includes('WorkerAttached'));
    await handle.signal('other', 'x');
    await handle.signal('item', 2);
    await handle.signal('item', 3);
    await waitFor('four signals in the history', async () => (await h.types('collector-1')).filter((x) => x === 'SignalReceived').length === 4);
    hold.open();
    assert.deepEqual(await handle.result({ timeout: 5000 }), { items: [1, 2, 3], other: 'x' });
    assert.equal((await replayHistory(await h.history('collector-1'), [wf])).ok, true);
  });

  it('returns undefined from a signal wait whose timeout passes first (a durable timer fires)', async (t) => {
    const clock = new ManualClock();
    const h = await Harness.for(t, { clock });
    const wf = workflow('patient', async (ctx) => {
      const got = await ctx.waitForSignal('nudge', { timeout: '1h' });
      return { got: got === undefined ? 'nothing' : got };
    });
    h.worker([wf], longLease);
    const handle = await h.client.start(wf, undefined, { workflowId: 'patient-1' });
    await waitFor('the timeout timer', async () => (await h.types('patient-1')).includes('TimerStarted'));
    clock.advance(HOUR);
    assert.deepEqual(await handle.result({ timeout: 5000 }), { got: 'nothing' });
    const types = await h.types('patient-1');
    assert.ok(types.includes('TimerFired'));
    assert.ok(!types.includes('TimerCancelled'));
  });

  it('returns the signal when it arrives before the timeout and records TimerCancelled; the cancelled timer never fires', async (t) => {
    const clock = new ManualClock();
    const h = await Harness.for(t, { clock });
    const wf = workflow('answered', async (ctx) => {
      const got = await ctx.waitForSignal<string>('nudge', { timeout: '1h' });
      await ctx.sleep('2h');
      return got;
    });
    h.worker([wf], longLease);
    const handle = await h.client.start(wf, undefined, { workflowId: 'answered-1' });
    await waitFor('the timeout timer', async () => (await h.types('answered-1')).includes('TimerStarted'));
    await handle.signal('nudge', 'hello');
    await waitFor('the second timer', async () => (await h.types('answered-1')).filter((x) => x === 'TimerStarted').length === 2);
    clock.advance(HOUR);
    await delay(50);
    assert.ok(!(await h.types('answered-1')).includes('TimerFired'), 'the cancelled timeout did not fire');
    clock.advance(HOUR);
    assert.equal(await handle.result({ timeout: 5000 }), 'hello');
    const events = await h.history('answered-1');
    const bySeq = events.flatMap((e) => ('seq' in e ? [[e.type, e.seq]] : []));
    assert.deepEqual(bySeq, [
      ['TimerStarted', 1],
      ['TimerCancelled', 1],
      ['TimerStarted', 2],
      ['TimerFired', 2],
    ]);
    assert.equal((await replayHistory(events, [wf])).ok, true);
  });

  it('refuses a signal to a closed run with HS_E_RUN_CLOSED', async (t) => {
    const h = await Harness.for(t);
    const wf = workflow('quick', async () => 'done');
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'quick-1' });
    await handle.result({ timeout: 5000 });
    const err = await rejection(handle.signal('late', 1));
    assert.equal(err.code, 'HS_E_RUN_CLOSED');
    assert.match(err.message, /COMPLETED/);
  });
});

describe('queries', () => {
  const counter = workflow('counter', async (ctx, limit: number) => {
    let count = 0;
    let phase = 'counting';
    ctx.onQuery('count', () => count);
    ctx.onQuery('state', (prefix: string) => `${prefix}:${phase}:${count}`);
    while (count < limit) {
      await ctx.waitForSignal('inc');
      count++;
    }
    phase = 'done';
    return count;
  });

  const signalsRecorded = async (h: Harness, id: string, n: number) =>
    waitFor(`${n} signals in the history`, async () => (await h.types(id)).filter((x) => x === 'SignalReceived').length === n);

  it('answers handle.query with the current state of the workflow, with arguments; a query records nothing', async (t) => {
    const h = await Harness.for(t);
    h.worker([counter]);
    const handle = await h.client.start(counter, 10, { workflowId: 'counter-1' });
    await waitFor('the worker to take the run', async () => (await h.run('counter-1')).leaseOwner);
    await delay(20);
    assert.equal(await handle.query('count'), 0);
    await handle.signal('inc');
    await handle.signal('inc');
    await signalsRecorded(h, 'counter-1', 2);
    await delay(20);
    assert.equal(await handle.query('count'), 2);
    assert.equal(await handle.query('state', 'now'), 'now:counting:2');
    const unknown = await rejection(handle.query('nope'));
    assert.equal(unknown.code, 'HS_E_UNKNOWN_QUERY');
    assert.match(unknown.message, /count, state/);
    const before = await h.history('counter-1');
    await handle.query('count');
    assert.deepEqual(await h.history('counter-1'), before, 'a query records nothing');
  });

  it('answers a query sent right after start once the workflow code has run (its handlers are registered)', async (t) => {
    const h = await Harness.for(t);
    h.worker([counter]);
    const handle = await h.client.start(counter, 10, { workflowId: 'counter-early' });
    assert.equal(await handle.query('count'), 0);
  });

  it('answers a query for a run no worker holds only after replaying all of its history', async (t) => {
    const h = await Harness.for(t);
    const first = h.worker([counter]);
    const handle = await h.client.start(counter, 100, { workflowId: 'counter-2' });
    for (let i = 0; i < 6; i++) await handle.signal('inc');
    await signalsRecorded(h, 'counter-2', 6);
    await first.stop();
    h.worker([counter]);
    assert.equal(await handle.query('count'), 6);
  });

  it('a query to a run no worker holds records nothing in its history', async (t) => {
    const h = await Harness.for(t);
    const first = h.worker([counter]);
    const handle = await h.client.start(counter, 100, { workflowId: 'counter-4' });
    await handle.signal('inc');
    await signalsRecorded(h, 'counter-4', 1);
    await first.stop();
    h.worker([counter]);
    const before = await h.history('counter-4');
    await waitFor('an answer', async () => {
      try {
        return (await handle.query('count')) === 1;
      } catch {
        return false;
      }
    });
    assert.deepEqual(await h.types('counter-4'), before.map((e) => e.type));
  });

  it('refuses a query to a closed run with HS_E_RUN_CLOSED', async (t) => {
    const h = await Harness.for(t);
    h.worker([counter]);
    const handle = await h.client.start(counter, 0, { workflowId: 'counter-3' });
    assert.equal(await handle.result({ timeout: 5000 }), 0);
    assert.equal((await rejection(handle.query('count'))).code, 'HS_E_RUN_CLOSED');
  });

  it("a query handler that draws random numbers or reads the clock does not change the run's own random sequence", async (t) => {
    const h = await Harness.for(t);
    const observed: string[] = [];
    const wf = workflow('lottery', async (ctx) => {
      ctx.onQuery('peek', () => ({ r: Math.random(), id: ctx.uuid(), now: Date.now() }));
      await ctx.waitForSignal('draw');
      const ticket = ctx.uuid();
      observed.push(ticket);
      return ticket;
    });
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'lottery-1' });
    await waitFor('the worker to take the run', async () => (await h.run('lottery-1')).leaseOwner);
    await waitFor('the query handler', async () => {
      try {
        return await handle.query('peek');
      } catch {
        return null;
      }
    });
    await handle.signal('draw');
    const live = await handle.result({ timeout: 5000 });
    assert.equal((await replayHistory(await h.history('lottery-1'), [wf])).ok, true);
    assert.deepEqual(observed, [live, live], 'the replay drew the same ticket as the live run');
  });
});
