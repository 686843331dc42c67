import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { CHANGED_WORKFLOWS, Sandbox, WORKFLOWS, type WorkerProcess } from './helpers.js';

describe('history files: history, export, import and replay', () => {
  let sb: Sandbox;
  let worker: WorkerProcess;
  const file = (name: string) => path.join(sb.dir, name);

  // One worker and three finished runs serve every test here; each test only reads them
  // or writes to stores and files of its own.
  before(async () => {
    sb = new Sandbox();
    worker = await sb.startWorker();
    await sb.ok(['workflow', 'start', 'checkout', '--input', '{"amount":5}', '--workflow-id', 'checkout-1', '--wait']);
    await sb.ok(['workflow', 'start', 'greet', '--input', '{"name":"ann"}', '--workflow-id', 'greet-1', '--wait']);
    await sb.ok(['workflow', 'start', 'approval', '--input', '{"item":"desk"}', '--workflow-id', 'approval-1']);
    await sb.ok(['workflow', 'signal', 'approval-1', 'approve', '--payload', '{"by":"cy"}']);
    await sb.ok(['workflow', 'result', 'approval-1']);
  });
  // Workers a test starts for itself do not outlive it, even when it fails half-way.
  afterEach(() => sb.reap([worker]));
  after(async () => {
    await worker.stop();
    await sb.dispose();
  });

  it('workflow history lists every event with its offset from the start and its details', async () => {
    const events = await sb.json<any[]>(['workflow', 'history', 'checkout-1']);
    assert.deepEqual(events.map((e) => e.type), [
      'WorkflowStarted', 'WorkerAttached', 'StepRetrying', 'StepCompleted', 'TimerStarted', 'TimerFired', 'WorkflowCompleted',
    ]);
    assert.deepEqual(events.map((e) => e.id), [1, 2, 3, 4, 5, 6, 7]);
    const table = await sb.ok(['workflow', 'history', 'checkout-1']);
    assert.match(table, /│ 1\s+│ \+0ms\s+│ WorkflowStarted\s+│ checkout checkout-1 on default, input \{"amount":5\}/);
    assert.match(table, /│ 3\s+│ \+\S+\s+│ StepRetrying\s+│ seq 1 flaky-charge attempt 1 failed: Error: card network timeout/);
    assert.match(table, /│ 4\s+│ \+\S+\s+│ StepCompleted\s+│ seq 1 flaky-charge\(5\) -> \{"charged":5\} after 2 attempts/);
    assert.match(table, /│ 7\s+│ \+\S+\s+│ WorkflowCompleted\s+│ -> \{"charged":5,"status":"paid"\}/);
  });

  it('export and import carry a run\'s history unchanged into another store', async () => {
    const original = await sb.json<any[]>(['workflow', 'history', 'checkout-1']);
    const r = await sb.run(['workflow', 'export', 'checkout-1', '-o', file('checkout.json')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '', 'with -o nothing goes to stdout');
    assert.match(r.stderr, /exported 7 events of checkout-1/);
    const written = JSON.parse(readFileSync(file('checkout.json'), 'utf8'));
    const printed = JSON.parse(await sb.ok(['workflow', 'export', 'checkout-1']));
    assert.deepEqual({ ...printed, exportedAt: null }, { ...written, exportedAt: null }, 'stdout and -o write the same file');
    assert.equal(written.format, 'hindsight.history');
    assert.equal(written.version, 1);
    assert.deepEqual(written.events, original);

    const other = path.join(sb.dir, 'other', 'hindsight.db');
    const imported = await sb.json(['workflow', 'import', file('checkout.json')], { store: other });
    assert.deepEqual(imported, { workflowId: 'checkout-1', runId: written.run.runId, status: 'COMPLETED', events: 7 });
    assert.deepEqual(await sb.json(['workflow', 'history', 'checkout-1'], { store: other }), original);
    const again = JSON.parse(await sb.ok(['workflow', 'export', written.run.runId], { store: other }));
    assert.deepEqual(again.events, written.events);
    // Client.importHistory creates the run "now": only createdAt differs (reported to the client's owner).
    assert.deepEqual({ ...again.run, createdAt: null }, { ...written.run, createdAt: null });
    const shown = await sb.json(['workflow', 'show', 'checkout-1'], { store: other });
    assert.deepEqual(shown.run.result, { charged: 5, status: 'paid' });
  });

  it('importing a run the store already holds is refused and leaves the store as it was', async () => {
    await sb.ok(['workflow', 'export', 'greet-1', '-o', file('greet.json')]);
    const before = await sb.json(['workflow', 'list']);
    const { line } = await sb.fails(['workflow', 'import', file('greet.json')], 'HS_E_RUN_EXISTS');
    assert.match(line, /nothing was imported/);
    assert.deepEqual(await sb.json(['workflow', 'list']), before);
  });

  it('importing another run under a workflow id the store already has is refused, not silently dropped', async () => {
    const greet = JSON.parse(await sb.ok(['workflow', 'export', 'greet-1']));
    greet.run.runId = greet.events[0].runId = '00000000-0000-4000-8000-000000000001';
    writeFileSync(file('greet-renumbered.json'), JSON.stringify(greet));
    const before = await sb.json(['workflow', 'list']);
    const { line } = await sb.fails(['workflow', 'import', file('greet-renumbered.json')], 'HS_E_WORKFLOW_EXISTS');
    assert.match(line, /workflow id greet-1 already has run/);
    assert.deepEqual(await sb.json(['workflow', 'list']), before);
  });

  it('replay passes for histories the code still matches, from files and from the store', async () => {
    await sb.ok(['workflow', 'export', 'checkout-1', '-o', file('c.json')]);
    await sb.ok(['workflow', 'export', 'greet-1', '-o', file('g.json')]);
    const out = await sb.ok(['replay', file('c.json'), file('g.json'), '--workflows', WORKFLOWS], { store: null });
    assert.match(out, /^OK\s+\S+c\.json \(7 events\)$/m);
    assert.match(out, /^OK\s+\S+g\.json \(4 events\)$/m);

    const report = await sb.json(['replay', '--run', 'approval-1', '--workflows', WORKFLOWS]);
    assert.equal(report.ok, true);
    assert.deepEqual(report.results.map((r: any) => [r.source, r.ok]), [['run approval-1', true]]);
  });

  it('replay of changed code exits 1 and names the event where the code diverged', async () => {
    await sb.ok(['workflow', 'export', 'greet-1', '-o', file('g.json')]);
    await sb.ok(['workflow', 'export', 'approval-1', '-o', file('a.json')]);
    const r = await sb.run(['replay', file('a.json'), file('g.json'), '--workflows', CHANGED_WORKFLOWS], { store: null });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^OK\s+\S+a\.json/m, 'the unchanged workflow still replays');
    assert.match(r.stdout, /^DIVERGED \S+g\.json: non-determinism in greet greet-1: history event #3 is StepCompleted of step 'compose-greeting' \(seq 1\), but the code issued step 'compose-greeting-v2'/m);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^error 1 of 2 histories diverges from .*; first: \S+g\.json: .*history event #3.* \[HS_E_REPLAY_DIVERGED\]$/);

    const j = await sb.run(['replay', file('g.json'), '--workflows', CHANGED_WORKFLOWS, '--json'], { store: null });
    assert.equal(j.code, 1);
    const report = JSON.parse(j.stdout);
    assert.equal(report.ok, false);
    assert.equal(report.results[0].divergence.code, 'HS_E_NON_DETERMINISM');
    assert.equal(report.results[0].divergence.eventId, 3);
  });

  it('a run the changed code cannot replay is BLOCKED with the reason shown, and the old code carries it on', async () => {
    // An open run: greet-1's history before its close, under a new run id, in a store of its own.
    const greet = JSON.parse(await sb.ok(['workflow', 'export', 'greet-1']));
    const runId = '00000000-0000-4000-8000-00000000b10c';
    greet.run = { ...greet.run, runId, workflowId: 'greet-open' };
    greet.events = greet.events.filter((e: any) => e.type !== 'WorkflowCompleted');
    Object.assign(greet.events[0], { runId, workflowId: 'greet-open' });
    writeFileSync(file('greet-open.json'), JSON.stringify(greet));
    const store = path.join(sb.dir, 'blocked', 'hindsight.db');
    assert.equal((await sb.json(['workflow', 'import', file('greet-open.json')], { store })).status, 'RUNNING');

    const changed = await sb.startWorker(['--workflows', CHANGED_WORKFLOWS], { store });
    const blocked = await changed.waitFor((e) => e.type === 'run-blocked' && e.runId === runId, 'the run-blocked event');
    assert.match(blocked.reason, /history event #3 is StepCompleted of step 'compose-greeting'/);
    assert.equal((await changed.stop()).code, 0);

    const show = await sb.json(['workflow', 'show', 'greet-open'], { store });
    assert.equal(show.run.status, 'BLOCKED');
    assert.match(show.run.blockedReason, /history event #3/);
    assert.match(await sb.ok(['workflow', 'show', 'greet-open'], { store }), /blocked\s+non-determinism in greet greet-open: history event #3/);
    const listed = await sb.json(['workflow', 'list', '--status', 'BLOCKED'], { store });
    assert.deepEqual(listed.runs.map((r: any) => r.workflowId), ['greet-open']);

    const fixed = await sb.startWorker(['--workflows', WORKFLOWS], { store });
    const done = await sb.json(['workflow', 'result', 'greet-open', '--timeout', '20s'], { store });
    assert.deepEqual(done.result, { greeting: 'hello ann' });
    assert.equal((await fixed.stop()).code, 0);
  });
});
