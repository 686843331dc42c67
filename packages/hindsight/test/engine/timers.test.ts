import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/common/index.js';
import { replayHistory } from '../../src/engine/index.js';
import type { RecordedEvent, TimerStarted } from '../../src/history/index.js';
import { step, workflow } from '../../src/workflow/index.js';
import { Counter, Harness, delay, waitFor } from './harness.js';

const DAY = 24 * 60 * 60 * 1000;
/**
 * Leases and idleness are measured with the worker's clock, so a ManualClock
 * jump expires leases and makes held runs look idle; only the test about that
 * case lets it happen.
 */
const longLease = { leaseTimeout: '40 days', stickyIdle: '40 days' } as const;

describe('durable timers', () => {
  it("stores sleep('30 days') as TimerStarted with its fireAt; the run survives a worker stop and restart, and the timer fires exactly once after the clock passes fireAt", async (t) => {
    const clock = new ManualClock();
    const h = await Harness.for(t, { clock });
    const count = new Counter();
    const observed: { before: number; after: number; dateNow: number }[] = [];
    const remind = step('remind', () => count.hit('remind'));
    const reminder = workflow('reminder', async (ctx) => {
      const before = ctx.now();
      await ctx.sleep('30 days');
      const after = ctx.now();
      const dateNow = Date.now();
      await ctx.step(remind);
      observed.push({ before, after, dateNow });
      return { before, after, dateNow };
    });
    const t0 = clock.now();
    const first = h.worker([reminder], longLease);
    const handle = await h.client.start(reminder, undefined, { workflowId: 'reminder-1' });
    await waitFor('the timer to be stored', async () => (await h.types('reminder-1')).includes('TimerStarted'));
    const started = (await h.history('reminder-1')).find((e): e is RecordedEvent<TimerStarted> => e.type === 'TimerStarted')!;
    assert.equal(started.duration, 30 * DAY);
    assert.equal(started.fireAt, t0 + 30 * DAY);
    await waitFor('the run to know when it wakes', async () => (await h.run('reminder-1')).wakeAt === t0 + 30 * DAY);

    await first.stop();
    h.worker([reminder], longLease);
    clock.advance(30 * DAY - 1);
    await delay(100);
    assert.ok(!(await h.types('reminder-1')).includes('TimerFired'), 'not fired a millisecond early');

    clock.advance(1);
    const result = await handle.result({ timeout: 5000 });
    const events = await h.history('reminder-1');
    const fired = events.filter((e) => e.type === 'TimerFired');
    assert.equal(fired.length, 1, 'fired exactly once');
    assert.equal(count.get('remind'), 1);
    assert.deepEqual(result, { before: t0, after: fired[0]!.ts, dateNow: fired[0]!.ts });
    assert.equal((await h.run('reminder-1')).wakeAt, null);

    // now() is the time of the event being handled: a replay sees the same values.
    const replay = await replayHistory(events, [reminder]);
    assert.equal(replay.ok, true);
    assert.deepEqual(observed, [result, result]);
  });

  it('fires a timer of a run its worker still holds exactly once when the clock jumps past fireAt (and past the lease timeout)', async (t) => {
    const clock = new ManualClock();
    const h = await Harness.for(t, { clock });
    const count = new Counter();
    const remind = step('remind', async () => {
      count.hit('remind');
      await delay(50);
      return 'reminded';
    });
    const reminder = workflow('reminder', async (ctx) => {
      await ctx.sleep('30 days');
      return ctx.step(remind);
    });
    h.worker([reminder]);
    const handle = await h.client.start(reminder, undefined, { workflowId: 'reminder-2' });
    await waitFor('the timer to be stored', async () => (await h.types('reminder-2')).includes('TimerStarted'));
    clock.advance(30 * DAY);
    assert.equal(await handle.result({ timeout: 3000 }), 'reminded');
    await delay(50);
    assert.equal((await h.history('reminder-2')).filter((e) => e.type === 'TimerFired').length, 1);
    assert.equal(count.get('remind'), 1, 'the step after the timer ran once');
    assert.equal(h.events.filter((e) => e.type === 'run-claimed').length, 1, 'the worker did not claim the run it holds a second time');
  });

  it('does not fire a timer before its time, and fires several timers in fireAt order', async (t) => {
    const clock = new ManualClock();
    const h = await Harness.for(t, { clock });
    const wf = workflow('race-timers', async (ctx) => {
      const order: string[] = [];
      await Promise.all([
        ctx.sleep('2h').then(() => order.push('2h')),
        ctx.sleep('1h').then(() => order.push('1h')),
        ctx.sleep('3h').then(() => order.push('3h')),
      ]);
      return order;
    });
    h.worker([wf], longLease);
    const handle = await h.client.start(wf, undefined, { workflowId: 'timers-1' });
    await waitFor('three timers', async () => (await h.types('timers-1')).filter((x) => x === 'TimerStarted').length === 3);
    clock.advance(60 * 60 * 1000 - 1);
    await delay(50);
    assert.equal((await h.types('timers-1')).filter((x) => x === 'TimerFired').length, 0);
    clock.advance(3 * 60 * 60 * 1000);
    assert.deepEqual(await handle.result({ timeout: 5000 }), ['1h', '2h', '3h']);
    const events = await h.history('timers-1');
    assert.equal((await replayHistory(events, [wf])).ok, true);
  });
});
