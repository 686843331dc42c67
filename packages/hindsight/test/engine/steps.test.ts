import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordedEvent, StepRetrying } from '../../src/history/index.js';
import { NonRetryableError, StepFailedError, step, workflow, type StepContext } from '../../src/workflow/index.js';
import { Counter, Harness, aborted, delay, interceptCommits, waitFor } from './harness.js';

const retrying = (events: RecordedEvent[]) => events.filter((e): e is RecordedEvent<StepRetrying> => e.type === 'StepRetrying');

/** What workflow code sees of a step that gave up. */
const failureOf = (e: unknown) => {
  if (!(e instanceof StepFailedError)) throw e;
  return {
    code: e.code,
    step: e.stepName,
    attempts: e.attempts,
    name: e.failure.name,
    message: e.failure.message,
    ...(e.failure.code ? { failureCode: e.failure.code } : {}),
  };
};

describe('steps', () => {
  it('records a step result once and replays it: a worker taking over after the first is stopped does not execute completed steps again', async (t) => {
    const h = await Harness.for(t);
    const count = new Counter();
    const charge = step('charge', (_s, amount: number) => {
      count.hit('charge');
      return { charged: amount, at: Date.now() };
    });
    const ship = step('ship', () => (count.hit('ship'), 'shipped'));
    const order = workflow('order', async (ctx, amount: number) => {
      const charged = await ctx.step(charge, amount);
      await ctx.waitForSignal('go');
      return { charged, shipped: await ctx.step(ship) };
    });

    const first = h.worker([order]);
    const handle = await h.client.start(order, 42, { workflowId: 'order-1' });
    await waitFor('charge to be recorded', async () => (await h.types('order-1')).includes('StepCompleted'));
    await first.stop();

    const second = h.worker([order]);
    await handle.signal('go');
    const result = await handle.result({ timeout: 5000 });

    assert.equal(count.get('charge'), 1, 'charge ran once, on the first worker');
    assert.equal(count.get('ship'), 1);
    const events = await h.history('order-1');
    const recorded = events.find((e) => e.type === 'StepCompleted' && e.name === 'charge');
    assert.ok(recorded && recorded.type === 'StepCompleted');
    assert.deepEqual(result.charged, recorded.result, 'the second worker handed the recorded result to the code');
    assert.deepEqual(recorded.args, [42]);
    const attached = events.filter((e) => e.type === 'WorkerAttached').map((e) => e.type === 'WorkerAttached' && e.workerId);
    assert.deepEqual(attached, [first.workerId, second.workerId]);
  });

  it('runs a step that was in flight when its worker stopped again on the next worker (the stop aborts the attempt)', { timeout: 10_000 }, async (t) => {
    const h = await Harness.for(t);
    const count = new Counter();
    const reasons: unknown[] = [];
    const slow = step('slow', async (s) => {
      if (count.hit('slow') === 1) {
        reasons.push(await aborted(s.signal));
        throw new Error('interrupted');
      }
      return 'done';
    });
    const wf = workflow('in-flight', async (ctx) => ctx.step(slow));
    const first = h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'in-flight-1' });
    await waitFor('the first attempt to start', () => count.get('slow') === 1);
    await first.stop();
    assert.equal(reasons.length, 1, 'stopping the worker aborted the attempt in flight');

    h.worker([wf]);
    assert.equal(await handle.result({ timeout: 3000 }), 'done');
    assert.equal(count.get('slow'), 2);
  });

  it('does not give up the lease of a run as idle while the result of its step is on its way to the store', { timeout: 10_000 }, async (t) => {
    const h = await Harness.for(t);
    const long = step('long', async () => {
      await delay(80);
      return 'long done';
    });
    const next = step('next', () => 'next done');
    const wf = workflow('sticky', async (ctx) => [await ctx.step(long), await ctx.step(next)]);
    // Slow commits (a busy disk) keep the StepCompleted in flight for a while.
    const store = interceptCommits(h.store, () => delay(40));
    h.worker([wf], { store, stickyIdle: 20 });
    const handle = await h.client.start(wf, undefined, { workflowId: 'sticky-1' });
    await waitFor('the run to complete', async () => (await h.run('sticky-1')).status === 'COMPLETED', 3000);
    assert.deepEqual(await handle.result({ timeout: 1000 }), ['long done', 'next done']);
  });

  it('retries a failing step with exponential backoff until it succeeds, recording StepRetrying with the attempt number', async (t) => {
    const h = await Harness.for(t);
    const starts: number[] = [];
    const attempts: number[] = [];
    const flaky = step(
      'flaky',
      (s) => {
        starts.push(Date.now());
        attempts.push(s.attempt);
        if (s.attempt < 3) throw new Error(`unavailable (attempt ${s.attempt})`);
        return `ok after ${s.attempt}`;
      },
      { retry: { initialInterval: 10, backoffCoefficient: 2, jitter: 0, maxAttempts: 5 } },
    );
    const wf = workflow('flaky', async (ctx) => ctx.step(flaky));
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'flaky-1' });
    assert.equal(await handle.result({ timeout: 5000 }), 'ok after 3');

    assert.deepEqual(attempts, [1, 2, 3]);
    assert.ok(starts[1]! - starts[0]! >= 10 - 2, `first retry waited ${starts[1]! - starts[0]!}ms, expected ~10ms`);
    assert.ok(starts[2]! - starts[1]! >= 20 - 2, `second retry waited ${starts[2]! - starts[1]!}ms, expected ~20ms`);

    const events = await h.history('flaky-1');
    assert.deepEqual(events.map((e) => e.type), ['WorkflowStarted', 'WorkerAttached', 'StepRetrying', 'StepRetrying', 'StepCompleted', 'WorkflowCompleted']);
    const retries = retrying(events);
    assert.deepEqual(retries.map((e) => [e.name, e.seq, e.attempt, e.error.message]), [
      ['flaky', 1, 1, 'unavailable (attempt 1)'],
      ['flaky', 1, 2, 'unavailable (attempt 2)'],
    ]);
    for (const [i, wait] of [[0, 10], [1, 20]] as const) {
      const planned = retries[i]!.nextAttemptAt - retries[i]!.ts;
      assert.ok(planned <= wait && planned >= wait - 5, `retry ${i + 1} planned ${planned}ms after its failure, expected ${wait}ms`);
    }
    const done = events.find((e) => e.type === 'StepCompleted');
    assert.equal(done?.type === 'StepCompleted' && done.attempts, 3);
  });

  it('raises StepFailedError in workflow code with the last failure name and message once maxAttempts are used up', async (t) => {
    const h = await Harness.for(t);
    const count = new Counter();
    const bad = step(
      'bad',
      (s) => {
        count.hit('bad');
        throw new TypeError(`cannot read the card (attempt ${s.attempt})`);
      },
      { retry: { maxAttempts: 3, initialInterval: 5, jitter: 0 } },
    );
    const wf = workflow('exhausted', async (ctx) => {
      try {
        await ctx.step(bad);
        return null;
      } catch (e) {
        return failureOf(e);
      }
    });
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'exhausted-1' });
    assert.deepEqual(await handle.result({ timeout: 5000 }), {
      code: 'HS_E_STEP_FAILED',
      step: 'bad',
      attempts: 3,
      name: 'TypeError',
      message: 'cannot read the card (attempt 3)',
    });
    assert.equal(count.get('bad'), 3);
    const types = await h.types('exhausted-1');
    assert.deepEqual(types, ['WorkflowStarted', 'WorkerAttached', 'StepRetrying', 'StepRetrying', 'StepFailed', 'WorkflowCompleted']);
  });

  it('stops at once on a NonRetryableError, and on errors listed in nonRetryableErrors by name or by code', async (t) => {
    const h = await Harness.for(t);
    const count = new Counter();
    class CardDeclinedError extends Error {
      override name = 'CardDeclinedError';
    }
    const policy = { retry: { maxAttempts: 5, initialInterval: 5, nonRetryableErrors: ['CardDeclinedError', 'E_FRAUD'] } };
    const declined = step('declined', () => {
      count.hit('declined');
      throw new NonRetryableError('card 4242 declined');
    }, policy);
    const byName = step('by-name', () => {
      count.hit('by-name');
      throw new CardDeclinedError('insufficient funds');
    }, policy);
    const byCode = step('by-code', () => {
      count.hit('by-code');
      throw Object.assign(new Error('fraud suspected'), { code: 'E_FRAUD' });
    }, policy);
    const wf = workflow('non-retryable', async (ctx) => {
      const out = [];
      for (const s of [declined, byName, byCode]) {
        try {
          await ctx.step(s);
        } catch (e) {
          out.push(failureOf(e));
        }
      }
      return out;
    });
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'non-retryable-1' });
    const failures = await handle.result({ timeout: 5000 });
    assert.deepEqual(failures.map((f) => [f.step, f.attempts, f.name, f.message]), [
      ['declined', 1, 'NonRetryableError', 'card 4242 declined'],
      ['by-name', 1, 'CardDeclinedError', 'insufficient funds'],
      ['by-code', 1, 'Error', 'fraud suspected'],
    ]);
    assert.equal(failures[2]!.failureCode, 'E_FRAUD');
    assert.deepEqual([count.get('declined'), count.get('by-name'), count.get('by-code')], [1, 1, 1]);
    assert.ok(!(await h.types('non-retryable-1')).includes('StepRetrying'));
  });

  it('aborts an attempt that exceeds startToCloseTimeout (its AbortSignal fires) and retries it', async (t) => {
    const h = await Harness.for(t);
    const reasons: unknown[] = [];
    const hang = step(
      'hang',
      async (s) => {
        if (s.attempt === 1) {
          const reason = await aborted(s.signal);
          reasons.push(reason);
          throw reason;
        }
        return `attempt ${s.attempt}`;
      },
      { startToCloseTimeout: 30, retry: { initialInterval: 5, jitter: 0 } },
    );
    const wf = workflow('start-to-close', async (ctx) => ctx.step(hang));
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 's2c-1' });
    assert.equal(await handle.result({ timeout: 5000 }), 'attempt 2');
    assert.equal(reasons.length, 1);
    const reason = reasons[0] as Error & { code?: string };
    assert.equal(reason.code, 'HS_E_STEP_TIMEOUT');
    assert.match(reason.message, /start-to-close timeout of 30ms/);
    const [retry] = retrying(await h.history('s2c-1'));
    assert.equal(retry?.attempt, 1);
    assert.equal(retry?.error.code, 'HS_E_STEP_TIMEOUT');
  });

  it('gives up retrying once scheduleToCloseTimeout would be exceeded', async (t) => {
    const h = await Harness.for(t);
    const count = new Counter();
    const failing = step(
      'always-failing',
      () => {
        count.hit('always-failing');
        throw new Error('still down');
      },
      { scheduleToCloseTimeout: 100, retry: { maxAttempts: 1000, initialInterval: 10, backoffCoefficient: 1, jitter: 0 } },
    );
    const wf = workflow('schedule-to-close', async (ctx) => {
      const t0 = Date.now();
      try {
        await ctx.step(failing);
        return null;
      } catch (e) {
        return { ...failureOf(e), elapsed: Date.now() - t0 };
      }
    });
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'sched-1' });
    const failure = await handle.result({ timeout: 5000 });
    assert.ok(failure, 'the step failed');
    assert.ok(failure.attempts >= 1 && failure.attempts <= 11, `${failure.attempts} attempts in 100ms at 10ms intervals`);
    assert.equal(failure.attempts, count.get('always-failing'));
    assert.ok(failure.elapsed < 1000, `gave up after ${failure.elapsed}ms of workflow time`);
  });

  it('gives up on an attempt still running when scheduleToCloseTimeout passes (HS_E_STEP_TIMEOUT, the attempt is aborted)', { timeout: 10_000 }, async (t) => {
    const h = await Harness.for(t);
    const reasons: unknown[] = [];
    const stuck = step(
      'stuck',
      async (s) => {
        reasons.push(await aborted(s.signal));
        throw new Error('aborted');
      },
      { scheduleToCloseTimeout: 100 },
    );
    const wf = workflow('schedule-to-close-stuck', async (ctx) => {
      try {
        await ctx.step(stuck);
        return null;
      } catch (e) {
        return failureOf(e);
      }
    });
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'sched-stuck-1' });
    const failure = await handle.result({ timeout: 3000 });
    assert.equal(failure?.failureCode, 'HS_E_STEP_TIMEOUT');
    assert.match(failure?.message ?? '', /schedule-to-close/);
    assert.equal(reasons.length, 1, 'the attempt in flight saw its AbortSignal fire');
  });

  it('fails an attempt that stops heartbeating within heartbeatTimeout; the next attempt sees the last heartbeat details', async (t) => {
    const h = await Harness.for(t);
    const reasons: unknown[] = [];
    const seen: unknown[] = [];
    const upload = step(
      'upload',
      async (s) => {
        seen.push(s.lastHeartbeat);
        if (s.attempt === 1) {
          s.heartbeat({ chunksDone: 3 });
          const reason = await aborted(s.signal);
          reasons.push(reason);
          throw reason;
        }
        return { resumedFrom: s.lastHeartbeat };
      },
      { heartbeatTimeout: 40, retry: { initialInterval: 5, jitter: 0 } },
    );
    const wf = workflow('heartbeat', async (ctx) => ctx.step(upload));
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'hb-1' });
    assert.deepEqual(await handle.result({ timeout: 5000 }), { resumedFrom: { chunksDone: 3 } });
    assert.deepEqual(seen, [undefined, { chunksDone: 3 }]);
    assert.match((reasons[0] as Error).message, /heartbeat timeout of 40ms/);
    const [retry] = retrying(await h.history('hb-1'));
    assert.equal(retry?.error.code, 'HS_E_STEP_TIMEOUT');
  });

  it('lets a step that keeps heartbeating run longer than its heartbeatTimeout', async (t) => {
    const h = await Harness.for(t);
    const long = step(
      'long',
      async (s) => {
        for (let i = 0; i < 30; i++) {
          await delay(10);
          s.heartbeat({ i });
        }
        return s.attempt;
      },
      { heartbeatTimeout: 150, retry: { initialInterval: 5, jitter: 0 } },
    );
    const wf = workflow('heartbeating', async (ctx) => ctx.step(long));
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'hb-2' });
    assert.equal(await handle.result({ timeout: 5000 }), 1, 'done on the first attempt');
  });

  it('gives a step an idempotencyKey that is the same on every retry and differs between steps', async (t) => {
    const h = await Harness.for(t);
    const keys: { step: string; attempt: number; key: string }[] = [];
    const record = (s: StepContext) => keys.push({ step: s.stepName, attempt: s.attempt, key: s.idempotencyKey });
    const pay = step(
      'pay',
      (s) => {
        record(s);
        if (s.attempt < 3) throw new Error('gateway timeout');
        return s.idempotencyKey;
      },
      { retry: { initialInterval: 5, jitter: 0 } },
    );
    const refund = step('refund', (s) => (record(s), s.idempotencyKey));
    const wf = workflow('idempotent', async (ctx) => [await ctx.step(pay), await ctx.step(refund)]);
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'idem-1' });
    const [payKey, refundKey] = await handle.result({ timeout: 5000 });
    assert.deepEqual(keys.map((k) => [k.step, k.attempt]), [['pay', 1], ['pay', 2], ['pay', 3], ['refund', 1]]);
    assert.deepEqual(new Set(keys.filter((k) => k.step === 'pay').map((k) => k.key)), new Set([payKey]));
    assert.notEqual(payKey, refundKey);
    assert.ok(payKey.length > 0);
  });

  it('keeps the idempotencyKey of a step taken over by another worker after a stop', { timeout: 10_000 }, async (t) => {
    const h = await Harness.for(t);
    const keys: string[] = [];
    const pay = step('pay', async (s) => {
      keys.push(s.idempotencyKey);
      if (keys.length === 1) {
        await aborted(s.signal);
        throw new Error('interrupted');
      }
      return s.idempotencyKey;
    });
    const wf = workflow('idempotent-takeover', async (ctx) => ctx.step(pay));
    const first = h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'idem-2' });
    await waitFor('the first attempt', () => keys.length === 1);
    await first.stop();
    h.worker([wf]);
    const key = await handle.result({ timeout: 3000 });
    assert.deepEqual(keys, [key, key]);
  });

  it('fails a step whose result is not serializable (a Map, a class instance, a BigInt) with HS_E_NOT_SERIALIZABLE naming the path', async (t) => {
    const h = await Harness.for(t);
    const count = new Counter();
    class Money {
      constructor(readonly cents: number) {}
    }
    const map = step('map', () => (count.hit('map'), { items: [1, new Map([['sku', 2]])] }));
    const money = step('money', () => (count.hit('money'), { total: new Money(500) }));
    const big = step('big', () => (count.hit('big'), { total: 10n }));
    const wf = workflow('unserializable', async (ctx) => {
      const out = [];
      for (const s of [map, money, big] as const) {
        try {
          await ctx.step(s as typeof map);
          out.push(null);
        } catch (e) {
          out.push(failureOf(e));
        }
      }
      return out;
    });
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'unser-1' });
    const [m, c, b] = await handle.result({ timeout: 5000 });
    for (const f of [m, c, b]) {
      assert.equal(f?.failureCode, 'HS_E_NOT_SERIALIZABLE');
      assert.equal(f?.attempts, 1, 'not retried: the same code gives the same value');
    }
    assert.ok(m!.message.includes(`result of step 'map'.items[1]`), m!.message);
    assert.match(m!.message, /Map/);
    assert.ok(c!.message.includes(`result of step 'money'.total`), c!.message);
    assert.match(c!.message, /Money/);
    assert.ok(b!.message.includes(`result of step 'big'.total`), b!.message);
    assert.match(b!.message, /BigInt/);
    assert.deepEqual([count.get('map'), count.get('money'), count.get('big')], [1, 1, 1]);
  });
});
