import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { randomUUID as nodeRandomUUID } from 'node:crypto';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/common/index.js';
import { replayHistory } from '../../src/engine/index.js';
import { step, workflow } from '../../src/workflow/index.js';
import { Harness, rejection, sourceOf, waitFor } from './harness.js';

const source = sourceOf(import.meta.url);

async function blockedReason(h: Harness, workflowId: string): Promise<string> {
  const run = await waitFor(`run ${workflowId} to be BLOCKED`, async () => {
    const r = await h.run(workflowId);
    return r.status === 'BLOCKED' ? r : null;
  }, 3000);
  return run.blockedReason ?? '';
}

describe('determinism guards', () => {
  it('gives workflow code the same Date.now(), new Date(), Date() and Math.random() values on replay as in the live run', async (t) => {
    const h = await Harness.for(t);
    const observed: unknown[] = [];
    const tick = step('tick', () => 'ticked');
    const wf = workflow('clocky', async (ctx) => {
      const before = { now: Date.now(), iso: new Date().toISOString(), text: Date(), random: Math.random(), random2: Math.random(), uuid: ctx.uuid() };
      await ctx.step(tick);
      const after = { now: Date.now(), time: new Date().getTime(), random: Math.random(), ctxNow: ctx.now() };
      const value = { before, after };
      observed.push(value);
      return value;
    });
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'clocky-1' });
    const live = await handle.result({ timeout: 5000 });
    const events = await h.history('clocky-1');

    assert.equal(live.before.now, events[0]!.ts, 'Date.now() is the time WorkflowStarted was recorded');
    assert.equal(live.before.iso, new Date(events[0]!.ts).toISOString());
    const completed = events.find((e) => e.type === 'StepCompleted')!;
    assert.equal(live.after.now, completed.ts, 'after the step, Date.now() is the time its result was recorded');
    assert.equal(live.after.time, completed.ts);
    assert.notEqual(live.before.random, live.before.random2);

    const replay = await replayHistory(events, [wf]);
    assert.equal(replay.ok, true);
    assert.deepEqual(replay.wouldRecord, []);
    assert.equal(observed.length, 2);
    assert.deepEqual(observed[1], observed[0], 'replay saw exactly the values of the live run');
    assert.deepEqual(observed[0], live);
  });

  it('gives workflow code the same crypto.randomUUID(), crypto.getRandomValues() and performance.now() on replay, without touching step code', async (t) => {
    const h = await Harness.for(t);
    const observed: unknown[] = [];
    const stepUuids: string[] = [];
    const mint = step('mint', () => {
      const id = crypto.randomUUID(); // step code: real randomness
      stepUuids.push(id);
      return id;
    });
    const wf = workflow('minty', async (ctx) => {
      const bytes = Array.from(crypto.getRandomValues(new Uint8Array(4)));
      const first = { uuid: crypto.randomUUID(), nodeUuid: nodeRandomUUID(), bytes, perf: performance.now() };
      const minted = await ctx.step(mint);
      const value = { first, minted, perfAfter: performance.now() };
      observed.push(value);
      return value;
    });
    h.worker([wf]);
    const live = await (await h.client.start(wf, undefined, { workflowId: 'minty-1' })).result({ timeout: 5000 });
    const events = await h.history('minty-1');
    assert.equal(live.first.perf, 0, 'performance.now() counts workflow time from the start of the run');
    assert.equal(live.perfAfter, events.find((e) => e.type === 'StepCompleted')!.ts - events[0]!.ts);
    assert.notEqual(live.first.uuid, live.first.nodeUuid);

    const replay = await replayHistory(events, [wf]);
    assert.equal(replay.ok, true);
    assert.deepEqual(observed[1], observed[0], 'replay drew the same ids and bytes');
    assert.equal(stepUuids.length, 1, 'the step ran once; replay returned its recorded id');
    assert.equal(live.minted, stepUuids[0]);
  });

  it('does not mistake Promise.all over workflow operations or awaiting an already settled promise for foreign I/O', async (t) => {
    const h = await Harness.for(t);
    const a = step('a', () => 'A');
    const b = step('b', () => 'B');
    const wf = workflow('combinators', async (ctx) => {
      await Promise.resolve();
      const both = await Promise.all([ctx.step(a), ctx.step(b)]);
      const first = await Promise.race([ctx.sleep('1h').then(() => 'timer'), ctx.step(a).then(() => 'step')]);
      return [...both, first];
    });
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'combinators-1' });
    assert.deepEqual(await handle.result({ timeout: 5000 }), ['A', 'B', 'step']);
    assert.equal((await replayHistory(await h.history('combinators-1'), [wf])).ok, true);
  });

  it('parks a run whose workflow code calls setTimeout as BLOCKED, naming the call and its file:line', async (t) => {
    const h = await Harness.for(t);
    const wf = workflow('uses-set-timeout', async () => {
      await new Promise((resolve) => setTimeout(resolve, 10)); // @line:setTimeout
      return 'slept';
    });
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'set-timeout-1' });
    const reason = await blockedReason(h, 'set-timeout-1');
    assert.match(reason, /setTimeout\(\)/);
    assert.match(reason, /ctx\.sleep\(\)/, 'says what to use instead');
    const where = `${path.basename(source.file)}:${source.lineOf('@line:setTimeout')}`;
    assert.ok(reason.includes(where), `expected the reason to name ${where}: ${reason}`);
    const err = await rejection(handle.result({ timeout: 1000 }));
    assert.equal(err.code, 'HS_E_RUN_BLOCKED');
  });

  it('parks a run whose workflow code calls fetch as BLOCKED, naming the call and its file:line', async (t) => {
    const h = await Harness.for(t);
    const wf = workflow('uses-fetch', async () => {
      const res = await fetch('http://127.0.0.1:9/orders'); // @line:fetch
      return res.status;
    });
    h.worker([wf]);
    await h.client.start(wf, undefined, { workflowId: 'fetch-1' });
    const reason = await blockedReason(h, 'fetch-1');
    assert.match(reason, /fetch\(\)/);
    assert.match(reason, /step/, 'says to move I/O into a step');
    const where = `${path.basename(source.file)}:${source.lineOf('@line:fetch')}`;
    assert.ok(reason.includes(where), `expected the reason to name ${where}: ${reason}`);
  });

  it('reports workflow code that awaited real I/O (fs.promises.readFile) and then calls a workflow operation', async (t) => {
    const h = await Harness.for(t);
    const file = path.join(h.dir, 'config.json');
    writeFileSync(file, '{"limit": 3}');
    const echo = step('echo', (_s, text: string) => text);
    const wf = workflow('awaits-io', async (ctx) => {
      const text = await readFile(file, 'utf8');
      return ctx.step(echo, text);
    });
    h.worker([wf]);
    await h.client.start(wf, undefined, { workflowId: 'io-1' });
    const reason = await blockedReason(h, 'io-1');
    assert.match(reason, /ctx\.step\('echo'\)/);
    assert.match(reason, /outside of an activation/);
    assert.ok(!(await h.types('io-1')).includes('StepCompleted'), 'the step did not run');
  });

  it('reports workflow code that awaited real I/O (fs.promises.readFile) and then returns, instead of completing the run with a value replay cannot reproduce', async (t) => {
    const h = await Harness.for(t);
    const file = path.join(h.dir, 'config.json');
    writeFileSync(file, '{"limit": 3}');
    const wf = workflow('returns-io', async () => {
      const text = await readFile(file, 'utf8');
      return JSON.parse(text) as { limit: number };
    });
    h.worker([wf]);
    const handle = await h.client.start(wf, undefined, { workflowId: 'io-2' });
    const reason = await blockedReason(h, 'io-2');
    assert.match(reason, /outside of an activation|I\/O/);
    assert.ok(!(await h.types('io-2')).includes('WorkflowCompleted'));
    assert.equal((await rejection(handle.result({ timeout: 1000 }))).code, 'HS_E_RUN_BLOCKED');
  });

  it('does not treat the code that awaits replayHistory as workflow code: after a divergence its clock, random numbers and timers are real', async (t) => {
    const clock = new ManualClock();
    const h = await Harness.for(t, { clock });
    const one = step('one', () => 'one');
    const uno = step('uno', () => 'uno');
    const listen = (first: typeof one) =>
      workflow('listener', async (ctx) => {
        await ctx.step(first);
        for (let i = 0; i < 20; i++) await ctx.waitForSignal('ping');
        return 'done';
      });
    const recorded = listen(one);
    h.worker([recorded], { leaseTimeout: '40 days' });
    const handle = await h.client.start(recorded, undefined, { workflowId: 'listener-1' });
    for (let i = 0; i < 20; i++) await handle.signal('ping', i);
    await handle.result({ timeout: 5000 });
    const events = await h.history('listener-1');

    const replay = await replayHistory(events, [listen(uno)]);
    assert.equal(replay.ok, false);
    const problems: string[] = [];
    for (let hop = 0; hop < 200; hop++) {
      await null;
      if (Date.now() === clock.now()) problems.push(`hop ${hop}: Date.now() gave the replayed run's time`);
      try {
        clearTimeout(setTimeout(() => {}, 1));
      } catch (err) {
        problems.push(`hop ${hop}: setTimeout refused: ${(err as Error).message}`);
      }
    }
    assert.deepEqual(problems.slice(0, 3), []);
  });
});
