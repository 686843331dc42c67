/**
 * Debugging a run that a real worker process was running when it was SIGKILLed, and that another
 * worker process resumed once the lease expired. The history of such a run has two WorkerAttached
 * events and step results recorded by two processes; replayed with instrumentation, it must give the
 * same Execution as an uninterrupted run of the same input, and the debugger must say the same things
 * about it (golden/journey-resumed.txt).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from '../../src/client/index.js';
import type { RecordedEvent } from '../../src/history/index.js';
import { recordExecution } from '../../src/replay/index.js';
import type { Execution } from '../../src/trace/index.js';
import { Sandbox } from '../cli/helpers.js';
import { AdapterClient } from '../dap/client.js';
import type { HistoryLine } from '../../src/debugger/index.js';
import { attachments, checkHistoryShape } from '../crash/checks.js';
import { crashBed, waitFor } from '../crash/fleet.js';
import { journey } from './fixtures/features.js';
import { FEATURES, SOURCES, golden, stabilizer, transcript, type Stabilize } from './transcripts.js';

const LEASE_MS = 1000;
const INPUT = { stops: 6, ms: 100 };
/** factorial(3) + 'stop-i'.length x 6 + the legs (north: 9 + 10, south: 9 + 10) + the cart (3 + 3) + 2 levels. */
const RESULT = 6 + 6 * 6 + 19 + 19 + 6 + 2;

/** Everything the debugger navigates: events (kind, site, frame) and the call tree. */
function shape(ex: Execution): unknown {
  const frames = Array.from({ length: ex.frameCount }, (_, f) => [ex.frameSite(f), ex.frameEnter(f), ex.frameExit(f), ex.frameParent(f), ex.frameCall(f), ex.frameActivation(f)]);
  return { kinds: [...ex.kinds], sites: [...ex.siteIds], frames: [...ex.frames], frameTable: frames };
}

/** Over DAP: each StepCompleted of the run's timeline, jumped to, as `function:line` with the stack depth. */
async function editorStops(history: string): Promise<{ attached: number; steps: string[] }> {
  const dc = new AdapterClient();
  await dc.start();
  try {
    await dc.initializeRequest();
    await dc.open({ history, workflows: FEATURES });
    const { events } = (await dc.customRequest('hindsight/timeline')).body as { events: HistoryLine[] };
    const steps: string[] = [];
    for (const e of events.filter((e) => e.type === 'StepCompleted')) {
      await dc.moveBy('hindsight/gotoEvent', { historyId: e.id });
      steps.push(`${e.name} at ${await dc.where()} depth ${(await dc.frames()).length}`);
    }
    return { attached: events.filter((e) => e.type === 'WorkerAttached').length, steps };
  } finally {
    await dc.stop();
  }
}

describe('debugging a run resumed by another worker process after a SIGKILL', () => {
  const bed = crashBed({ prefix: 'hindsight-debug-resumed-', name: 'resume', leaseMs: LEASE_MS, label: 'debug resumed test', workflows: FEATURES });
  const sb = new Sandbox();
  const runIds: string[] = [];
  const ids = stabilizer(sb, () => runIds.map((id) => [id, '<RUN_ID>'] as const));
  /** The history's length depends on when the kill came (a StepStarted of the first worker or not): the header says <N>. */
  // the history's length and its event ids depend on when the kill landed (the crashed run has more worker records)
  const stable: Stabilize = (text) =>
    ids(text)
      .replace(/^(Debugging .*?, )\d+ history events/m, '$1<N> history events')
      .replace(/\(history #\d+\)/g, '(history #<id>)');
  after(() => sb.dispose());

  it('the resumed run replays to the same Execution as a clean run of the same input, and debugs the same (golden transcript)', async (t) => {
    const store = await bed.openStore();
    const client = new Client({ store, workflows: [journey], pollInterval: 20 });
    const { fleet } = bed;

    // A first worker process runs the journey; it is SIGKILLed once 3 of its 6 stops are recorded.
    const first = await fleet.start();
    const crashed = await client.start(journey, INPUT, { workflowId: 'journey-crashed' });
    const stepsAt = async () => (await client.history('journey-crashed')).filter((e) => e.type === 'StepCompleted').length;
    await waitFor(`${first.workerId} to record 3 steps`, 10_000, async () => ((await stepsAt()) >= 3 ? true : undefined), 5);
    fleet.kill(first, 'SIGKILL');
    await first.exited;
    const atKill = await client.history('journey-crashed');
    assert.ok(!atKill.some((e) => e.type === 'WorkflowCompleted'), 'the run was still open when its worker died');
    const recordedByFirst = atKill.filter((e) => e.type === 'StepCompleted').length;
    assert.ok(recordedByFirst < INPUT.stops + 4, `the kill came before the last step (${recordedByFirst} steps recorded)`);

    // A second worker process takes the run over once the lease expires, and also runs a clean journey.
    const second = await fleet.start();
    assert.equal(await crashed.result(), RESULT);
    const clean = await client.start(journey, INPUT, { workflowId: 'journey-clean' });
    assert.equal(await clean.result(), RESULT);
    assert.deepEqual(fleet.unexpectedExits().map((w) => w.workerId), [], 'no worker process died on its own');

    const histories = new Map<string, RecordedEvent[]>();
    const files = new Map<string, string>();
    for (const id of ['journey-crashed', 'journey-clean']) {
      const exported = await client.exportHistory(id);
      runIds.push(exported.run.runId);
      histories.set(id, exported.events);
      assert.deepEqual(checkHistoryShape({ run: await store.getRun(exported.run.runId) as never, history: exported.events }), []);
      const file = path.join(sb.dir, `${id}.json`);
      writeFileSync(file, JSON.stringify(exported, null, 2));
      files.set(id, file);
    }
    const crashedHistory = histories.get('journey-crashed')!;
    assert.deepEqual(attachments(crashedHistory), [first.workerId, second.workerId], 'the crashed run was attached by the first worker, then taken over by the second');
    assert.deepEqual(attachments(histories.get('journey-clean')!), [second.workerId]);
    t.diagnostic(`${recordedByFirst} steps recorded by ${first.workerId} before the SIGKILL; ${crashedHistory.length} history events, ${histories.get('journey-clean')!.length} in the clean run`);

    // The same Execution: every event, its site and frame, and the whole call tree.
    const resumed = await recordExecution(crashedHistory, FEATURES);
    const uninterrupted = await recordExecution(histories.get('journey-clean')!, FEATURES);
    assert.equal(resumed.replay.divergence, undefined);
    assert.ok(resumed.execution.length > 100, `a trace of ${resumed.execution.length} events`);
    assert.deepEqual(shape(resumed.execution), shape(uninterrupted.execution));

    // The same session: the transcripts differ only in the header (workflow id, history length).
    const out = await golden(sb, stable, 'journey-resumed', files.get('journey-crashed')!, false);
    const cleanOut = await transcript(sb, stable, { script: path.join(SOURCES, 'scripts', 'journey-resumed.txt'), history: files.get('journey-clean')!, workflows: FEATURES, json: false });
    const body = (text: string) => text.split('\n').slice(1).join('\n');
    assert.equal(body(out), body(cleanOut));
    assert.match(out.split('\n')[0]!, /^Debugging journey-crashed \(run <RUN_ID>\): journey, completed, <N> history events, \d+ trace events$/);

    // And in the editor: the DAP adapter puts every step result of both runs at the same place.
    const crashedSteps = await editorStops(files.get('journey-crashed')!);
    assert.equal(crashedSteps.attached, 2, 'the timeline shows both workers');
    assert.ok(crashedSteps.steps.length >= INPUT.stops, crashedSteps.steps.join('; '));
    assert.deepEqual(crashedSteps.steps, (await editorStops(files.get('journey-clean')!)).steps);
    bed.passed = true;
  });
});
