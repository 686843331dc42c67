import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Sandbox, WORKFLOWS } from './helpers.js';

describe('hindsight worker and workflow start', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = new Sandbox();
  });
  afterEach(() => sb.dispose());

  it('a worker prints a JSON ready line, runs started workflows to completion and exits 0 on SIGTERM', async () => {
    const worker = await sb.startWorker();
    assert.deepEqual(Object.keys(worker.ready), ['type', 'workerId', 'workflows', 'taskQueue', 'store']);
    assert.deepEqual([...worker.ready.workflows].sort(), ['approval', 'checkout', 'greet', 'refund']);
    assert.equal(worker.ready.taskQueue, 'default');
    assert.match(worker.ready.store, /hindsight\.db$/);

    const greet = await sb.json(['workflow', 'start', 'greet', '--input', '{"name":"ann"}', '--workflow-id', 'greet-1', '--wait']);
    assert.equal(greet.workflowId, 'greet-1');
    assert.equal(greet.created, true);
    assert.equal(greet.status, 'COMPLETED');
    assert.deepEqual(greet.result, { greeting: 'hello ann' });

    const started = await sb.json(['workflow', 'start', 'checkout', '--input', '{"amount":5}', '--workflow-id', 'checkout-1']);
    assert.match(started.runId, /^[0-9a-f-]{36}$/);
    const result = await sb.json(['workflow', 'result', 'checkout-1', '--timeout', '20s']);
    assert.deepEqual(result, { workflowId: 'checkout-1', runId: started.runId, status: 'COMPLETED', result: { charged: 5, status: 'paid' } });

    const list = await sb.json(['workflow', 'list']);
    assert.deepEqual(
      list.runs.map((r: any) => [r.workflowId, r.workflowType, r.status]).sort(),
      [['checkout-1', 'checkout', 'COMPLETED'], ['greet-1', 'greet', 'COMPLETED']],
    );
    assert.equal(list.nextCursor, null);

    const show = await sb.json(['workflow', 'show', started.runId]);
    assert.equal(show.run.workflowId, 'checkout-1');
    assert.deepEqual(show.run.input, { amount: 5 });
    assert.deepEqual(show.timeline.map((e: any) => [e.kind, e.state]), [
      ['start', 'info'], ['worker', 'info'], ['step', 'ok'], ['timer', 'ok'], ['end', 'ok'],
    ]);
    const [, attached, charge] = show.timeline;
    assert.equal(attached.name, worker.ready.workerId, 'the timeline says which worker ran the run');
    assert.equal(charge.name, 'flaky-charge');
    assert.equal(charge.attempts, 2);
    assert.equal(charge.retries[0].error.message, 'card network timeout');
    assert.deepEqual(charge.result, { charged: 5 });

    const human = await sb.ok(['workflow', 'show', 'checkout-1']);
    assert.match(human, /status\s+COMPLETED/);
    assert.match(human, /flaky-charge\s+2 attempts -> \{"charged":5\}/);
    assert.match(human, /attempt 1: Error: card network timeout/);

    assert.ok(worker.events.some((e) => e.type === 'run-closed' && e.workflowId === 'greet-1' && e.status === 'COMPLETED'));
    assert.ok(worker.events.some((e) => e.type === 'step-retrying' && e.step === 'flaky-charge' && e.attempt === 1));
    const exit = await worker.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.equal(worker.events.at(-1)!.type, 'stopped');
    assert.equal(worker.stderr, '');
  });

  it('a worker stopped with SIGINT leaves its waiting run to the next worker, which carries it on', async () => {
    const first = await sb.startWorker();
    await sb.ok(['workflow', 'start', 'approval', '--input', '{"item":"laptop"}', '--workflow-id', 'approval-1']);
    await first.waitFor((e) => e.type === 'run-claimed' && e.workflowId === 'approval-1', 'the claim of approval-1');
    assert.equal((await first.stop('SIGINT')).code, 0);

    const second = await sb.startWorker();
    await sb.ok(['workflow', 'signal', 'approval-1', 'approve', '--payload', '{"by":"bob"}']);
    const done = await sb.json(['workflow', 'result', 'approval-1', '--timeout', '20s']);
    assert.deepEqual(done.result, { item: 'laptop', approvedBy: 'bob', receipt: 'laptop approved by bob' });
    const claim = await second.waitFor((e) => e.type === 'run-claimed' && e.workflowId === 'approval-1', 'the claim of approval-1');
    assert.ok(claim.replayed >= 1, 'the second worker replayed the history the first one left');

    // A worker is named in the history only once it records something: the first one only waited.
    const show = await sb.json(['workflow', 'show', 'approval-1']);
    const workers = show.timeline.filter((e: any) => e.kind === 'worker').map((e: any) => e.name);
    assert.deepEqual(workers, [second.ready.workerId]);
  });

  it('starting a workflow id again returns its existing run instead of starting another', async () => {
    const a = await sb.json(['workflow', 'start', 'greet', '--input', '{"name":"ann"}', '--workflow-id', 'same']);
    const b = await sb.json(['workflow', 'start', 'greet', '--input', '{"name":"bob"}', '--workflow-id', 'same']);
    assert.equal(a.created, true);
    assert.equal(b.created, false);
    assert.equal(b.runId, a.runId);
    const human = await sb.ok(['workflow', 'start', 'greet', '--workflow-id', 'same']);
    assert.match(human, /has run .* already; not started again/);
    assert.equal((await sb.json(['workflow', 'list'])).runs.length, 1);
  });

  it('workflow start with --workflows refuses a workflow name the module does not export', async () => {
    const { line } = await sb.fails(['workflow', 'start', 'gret', '--workflows', WORKFLOWS], 'HS_E_UNKNOWN_WORKFLOW');
    assert.match(line, /known workflows: approval, checkout, greet, refund/);
    const ok = await sb.json(['workflow', 'start', 'greet', '--workflows', WORKFLOWS, '--input', '{"name":"x"}']);
    assert.equal(ok.created, true);
  });

  it('dev prints a banner with the workflows, the store and commands to try, then the ready line', async () => {
    const dev = sb.startProcess(['dev', '--workflows', WORKFLOWS]);
    const ready = await dev.waitForLine((l) => / ready: /.test(l), 'the ready line');
    assert.match(ready, /^worker \S+ ready: 4 workflows \(approval, checkout, greet, refund\) on task queue default, store sqlite:/);
    const banner = dev.lines.join('\n');
    assert.match(banner, /workflows\s+approval, checkout, greet, refund/);
    assert.ok(banner.includes(sb.store), 'the banner names the store file');
    assert.match(banner, /hindsight workflow start approval --input '\{\}' --store \S+ --wait/);
    assert.match(banner, /hindsight workflow show <workflow id>/);
    assert.match(banner, /hindsight replay run\.json --workflows/);

    await sb.ok(['workflow', 'start', 'greet', '--input', '{"name":"dev"}', '--workflow-id', 'dev-1', '--wait']);
    await dev.waitForLine((l) => /closed\s+dev-1 COMPLETED/.test(l), 'the pretty closed line');
    assert.deepEqual(await dev.stop('SIGINT'), { code: 0, signal: null });
  });

  it('the store comes from HINDSIGHT_STORE when --store is not given', async () => {
    const file = path.join(sb.dir, 'from-env.db');
    await sb.ok(['workflow', 'start', 'greet', '--workflow-id', 'env-1'], { store: null, env: { HINDSIGHT_STORE: file } });
    assert.ok(existsSync(file));
    assert.equal((await sb.json(['workflow', 'list'], { store: file })).runs[0].workflowId, 'env-1');
    assert.ok(!existsSync(sb.store), 'the default store was not touched');
  });

  it('workflow list filters by status, type and time, and pages with a cursor', async () => {
    for (const id of ['g1', 'g2', 'g3']) await sb.ok(['workflow', 'start', 'greet', '--workflow-id', id]);
    await sb.ok(['workflow', 'start', 'approval', '--workflow-id', 'a1']);
    await sb.ok(['workflow', 'terminate', 'g2', '--reason', 'test']);

    const ids = async (...args: string[]) => (await sb.json(['workflow', 'list', ...args])).runs.map((r: any) => r.workflowId);
    assert.deepEqual(await ids(), ['a1', 'g3', 'g2', 'g1'], 'newest first');
    assert.deepEqual(await ids('--type', 'greet'), ['g3', 'g2', 'g1']);
    assert.deepEqual(await ids('--status', 'terminated'), ['g2']);
    assert.deepEqual(await ids('--status', 'RUNNING,TERMINATED', '--type', 'greet'), ['g3', 'g2', 'g1']);
    assert.deepEqual(await ids('--workflow-id', 'g3'), ['g3']);
    assert.deepEqual(await ids('--since', '1h'), ['a1', 'g3', 'g2', 'g1']);
    assert.deepEqual(await ids('--since', '2999-01-01'), []);

    const page1 = await sb.json(['workflow', 'list', '--limit', '3']);
    assert.deepEqual(page1.runs.map((r: any) => r.workflowId), ['a1', 'g3', 'g2']);
    assert.ok(page1.nextCursor);
    const page2 = await sb.json(['workflow', 'list', '--limit', '3', '--cursor', page1.nextCursor]);
    assert.deepEqual(page2.runs.map((r: any) => r.workflowId), ['g1']);
    assert.equal(page2.nextCursor, null);

    const human = await sb.ok(['workflow', 'list', '--limit', '3']);
    assert.match(human, /workflow id.*type.*status.*events.*started.*took/);
    assert.match(human, /g2\s+│ greet\s+│ TERMINATED/);
    assert.ok(human.includes(`more runs: add --cursor ${page1.nextCursor}`));
  });
});
