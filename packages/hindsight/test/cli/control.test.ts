import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Sandbox, type WorkerProcess } from './helpers.js';

describe('controlling runs: signal, query, cancel, terminate, fork', () => {
  let sb: Sandbox;
  let worker: WorkerProcess;
  before(async () => {
    sb = new Sandbox();
    worker = await sb.startWorker();
  });
  // Workers a test starts for itself do not outlive it, even when it fails half-way.
  afterEach(() => sb.reap([worker]));
  after(async () => {
    await worker.stop();
    await sb.dispose();
  });

  /** Starts an approval run and waits until the worker holds it (queries need a holder). */
  const startApproval = async (workflowId: string) => {
    await sb.ok(['workflow', 'start', 'approval', '--input', '{"item":"desk"}', '--workflow-id', workflowId]);
    await worker.waitFor((e) => e.type === 'run-claimed' && e.workflowId === workflowId, `the claim of ${workflowId}`);
  };

  it('a query reads a waiting workflow\'s state and a signal wakes it with its payload', async () => {
    await startApproval('approve-me');
    assert.equal(JSON.parse(await sb.ok(['workflow', 'query', 'approve-me', 'status'])), 'waiting for approval');
    const answer = await sb.json(['workflow', 'query', 'approve-me', 'status', '--args', '["now"]']);
    assert.equal(answer.result, 'now: waiting for approval');

    const out = await sb.ok(['workflow', 'signal', 'approve-me', 'approve', '--payload', '{"by":"dana"}']);
    assert.match(out, /signalled approve to workflow approve-me/);
    const done = await sb.json(['workflow', 'result', 'approve-me', '--timeout', '20s']);
    assert.deepEqual(done.result, { item: 'desk', approvedBy: 'dana', receipt: 'desk approved by dana' });

    const show = await sb.json(['workflow', 'show', 'approve-me']);
    const signal = show.timeline.find((e: any) => e.kind === 'signal');
    assert.equal(signal.name, 'approve');
    assert.match(signal.summary, /payload \{"by":"dana"\}/);
  });

  it('cancel ends a waiting workflow CANCELLED with the reason in its history, and result reports it', async () => {
    await startApproval('cancel-me');
    await sb.ok(['workflow', 'cancel', 'cancel-me', '--reason', 'order withdrawn']);
    const { line } = await sb.fails(['workflow', 'result', 'cancel-me', '--timeout', '20s'], 'HS_E_WORKFLOW_FAILED');
    assert.match(line, /workflow cancel-me ended CANCELLED/);
    const show = await sb.json(['workflow', 'show', 'cancel-me']);
    assert.equal(show.run.status, 'CANCELLED');
    const events = await sb.json<any[]>(['workflow', 'history', 'cancel-me']);
    assert.ok(events.some((e) => e.type === 'CancelRequested' && e.reason === 'order withdrawn'));
    assert.equal(events.at(-1).type, 'WorkflowCancelled');

    const late = await sb.fails(['workflow', 'signal', 'cancel-me', 'approve'], 'HS_E_RUN_CLOSED');
    assert.match(late.line, /cannot signal workflow cancel-me: it is CANCELLED/);
  });

  it('terminate ends a workflow at once with the reason as its last event', async () => {
    await startApproval('end-me');
    await sb.ok(['workflow', 'terminate', 'end-me', '--reason', 'stuck']);
    const show = await sb.json(['workflow', 'show', 'end-me']);
    assert.equal(show.run.status, 'TERMINATED');
    const end = show.timeline.at(-1);
    assert.deepEqual([end.kind, end.name, end.summary], ['end', 'TERMINATED', 'stuck']);
    const human = await sb.ok(['workflow', 'show', 'end-me']);
    assert.match(human, /status\s+TERMINATED/);
  });

  it('fork starts a new run that keeps the history before an event, runs on from there and leaves the source alone', async () => {
    const source = await sb.json(['workflow', 'start', 'checkout', '--input', '{"amount":9}', '--workflow-id', 'fork-src', '--wait']);
    const sourceEvents = await sb.json<any[]>(['workflow', 'history', 'fork-src']);
    const stepDone = sourceEvents.find((e) => e.type === 'StepCompleted');

    // Up to the step's result: the step is kept, the timer runs again.
    const fork = await sb.json(['workflow', 'fork', 'fork-src', '--at', String(stepDone.id + 1), '--workflow-id', 'fork-1']);
    assert.equal(fork.workflowId, 'fork-1');
    assert.deepEqual(fork.forkedFrom, { workflowId: 'fork-src', runId: source.runId, eventId: stepDone.id + 1 });
    const done = await sb.json(['workflow', 'result', 'fork-1', '--timeout', '20s']);
    assert.deepEqual(done.result, { charged: 9, status: 'paid' });

    const forkEvents = await sb.json<any[]>(['workflow', 'history', 'fork-1']);
    assert.deepEqual(forkEvents[0].forkedFrom, { runId: source.runId, eventId: stepDone.id + 1 });
    assert.deepEqual(forkEvents.slice(1, stepDone.id), sourceEvents.slice(1, stepDone.id), 'the kept events are the source\'s');
    assert.equal(forkEvents.filter((e) => e.type === 'StepRetrying').length, 1, 'the kept step did not run again');
    assert.deepEqual(await sb.json<any[]>(['workflow', 'history', 'fork-src']), sourceEvents);

    // Without --workflow-id the new id is derived from the source's, printed alone on stdout.
    const printed = (await sb.ok(['workflow', 'fork', source.runId, '--at', '2'])).trim();
    assert.match(printed, /^fork-src~fork-[0-9a-f]{8}$/);
    await sb.ok(['workflow', 'result', printed, '--timeout', '20s']);

    const { line } = await sb.fails(['workflow', 'fork', 'fork-src', '--at', '99'], 'HS_E_BAD_EVENT');
    assert.match(line, /--at must be an event id from 1 to \d+/);
  });

  it('a failed run shows its error with the stack where it was thrown, and start --wait reports the failure', async () => {
    const { line } = await sb.fails(['workflow', 'start', 'refund', '--input', '{"card":"4242"}', '--workflow-id', 'refund-1', '--wait'], 'HS_E_WORKFLOW_FAILED');
    assert.match(line, /workflow refund-1 ended FAILED: .*card 4242 expired/);
    const show = await sb.json(['workflow', 'show', 'refund-1']);
    assert.equal(show.run.status, 'FAILED');
    assert.match(show.run.error.message, /card 4242 expired/);
    const step = show.timeline.find((e: any) => e.kind === 'step');
    assert.deepEqual([step.name, step.state, step.attempts], ['refund-card', 'failed', 1]);
    assert.equal(step.error.name, 'NonRetryableError');

    const human = await sb.ok(['workflow', 'show', 'refund-1']);
    assert.match(human, /status\s+FAILED/);
    assert.match(human, /error\s+\S*Error: .*card 4242 expired/);
    assert.match(human, /step #3\s+refund-card failed: NonRetryableError: card 4242 expired\n\s+at .*fixtures\/workflows\.(js|ts):\d+/, 'the failed step\'s stack points into the workflow module');
    assert.doesNotMatch(human, /machine\.js/, 'frames inside hindsight are hidden');
  });
});
