import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { findNode, locateCli } from '../src/cli.js';
import { listRuns, runLine } from '../src/listing.js';
import { timelineItems, type TimelineItem } from '../src/timeline.js';
import { parseWhatIfValue, whatIfChoices, whatIfSummary } from '../src/whatif.js';
import { Adapter } from './dap.js';
import { expandSnippet, hindsightRuns, manifest, REPO, resolveVariables, type Runs } from './helpers.js';

/**
 * End to end, as in the editor: the manifest's workflow-run snippet in a workspace laid out as it
 * expects, `${command:hindsight.pickRunId}` answered by the picker's first line (the failed run), the
 * adapter started the way the extension's factory starts it, and the timeline view's items driving it.
 */
describe('a debug session from the manifest\'s snippet, on a real recorded run', () => {
  let runs: Runs;
  let workspace: string;
  let dc: Adapter;
  let config: Record<string, unknown>;

  before(async () => {
    const m = await hindsightRuns();
    runs = await m.recordRuns();
    workspace = mkdtempSync(path.join(tmpdir(), 'hindsight-workspace-'));
    mkdirSync(path.join(workspace, '.hindsight'));
    // the store (closed, so whole in one file) where the snippet's default says
    copyFileSync(runs.store, path.join(workspace, '.hindsight', 'hindsight.db'));
    const cli = { node: findNode(undefined), script: locateCli([workspace, REPO]) };
    const snippet = manifest().contributes.debuggers[0]!.configurationSnippets.find((s) => s.label === 'Hindsight: workflow run in the store')!;
    const picked = runLine((await listRuns(cli, workspace, path.join(workspace, '.hindsight', 'hindsight.db')))[0]!).id;
    // the user types the module's path into the first placeholder and keeps the others
    const filled = resolveVariables(expandSnippet(snippet.body, { 1: path.relative(workspace, m.MODULES.orders) }), workspace);
    assert.equal(path.resolve(filled.workflows as string), m.MODULES.orders);
    assert.equal(filled.run, '${command:hindsight.pickRunId}');
    config = { ...filled, run: picked, cwd: workspace };
    dc = new Adapter(cli);
    await dc.start();
  });
  after(async () => {
    await dc?.stop();
    runs?.dispose();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  const stoppedAfter = async (request: Promise<unknown>): Promise<DebugProtocol.StoppedEvent> => {
    const [, stopped] = await Promise.all([request, dc.waitForEvent('stopped')]);
    return stopped as DebugProtocol.StoppedEvent;
  };
  const top = async () => {
    const [frame] = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    return `${frame!.name}:${frame!.line}`;
  };
  const timeline = async (): Promise<TimelineItem[]> => timelineItems((await dc.customRequest('hindsight/timeline')).body);

  it('launches and stops at the failed run\'s failure, as an exception', async () => {
    await dc.initializeRequest();
    const stopped = await stoppedAfter(Promise.all([dc.configurationSequence(), dc.launch(config)]));
    assert.equal(stopped.body.reason, 'exception');
    assert.match(stopped.body.description ?? '', /the run failed: Error: refund of 250 is over the limit/);
    assert.deepEqual((await dc.threadsRequest()).body.threads.map((t) => t.name), ['refund refund-1']);
  });

  it('the timeline view lists the history; the cursor\'s event is marked; clicking an earlier one goes there', async () => {
    const items = await timeline();
    assert.ok(items.length >= 3, `history events: ${items.map((i) => i.label).join(', ')}`);
    assert.match(items[0]!.label, /^#1 WorkflowStarted/);
    const reachable = items.filter((i) => i.target);
    assert.ok(reachable.length >= 2, 'events the code reached can be clicked');
    const before = items.findIndex((i) => i.current || i.state === 'after');
    assert.ok(items.slice(0, Math.max(before, 0)).every((i) => i.state === 'before' || i.state === 'unreached'), 'the cursor is at the failure: what came before is before it');
    const first = reachable[0]!;

    await stoppedAfter(dc.customRequest('hindsight/gotoEvent', first.target));
    const now = await timeline();
    const same = now.find((i) => i.label === first.label)!;
    assert.equal(same.current || same.state === 'before', true, `after going to ${first.label} the cursor is there: ${JSON.stringify(same)}`);
    assert.ok(now.some((i) => i.state === 'after'), 'later events are now after the cursor');
  });

  it('reverse step in and out, as the commands send them, move the cursor backwards', async () => {
    const fromEnd = (await timeline()).filter((i) => i.target).at(-1)!;
    await stoppedAfter(dc.customRequest('hindsight/gotoEvent', fromEnd.target));
    const at = await top();
    await stoppedAfter(dc.customRequest('hindsight/reverseStepIn', { threadId: 1 }));
    const back = await top();
    assert.notEqual(back, at, 'reverse step in went back');
    await stoppedAfter(dc.customRequest('hindsight/reverseStepOut', { threadId: 1 }));
    assert.ok((await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames.length >= 1);
  });

  it('what-if, as the command asks it: the recorded values from the timeline, the typed JSON, the answer in a sentence', async () => {
    const choices = whatIfChoices((await dc.customRequest('hindsight/timeline')).body);
    assert.deepEqual(choices.map((c) => [c.label, c.request]), [['step refund #1', { step: 'refund', occurrence: 1 }]]);
    assert.match(choices[0]!.description, /^#\d+ StepCompleted: /);
    assert.match((parseWhatIfValue('{refunded: 0}') as { error: string }).error, /^not JSON/);
    const typed = parseWhatIfValue('{"refunded":0}') as { value: unknown };
    const [answer] = await Promise.all([dc.customRequest('hindsight/whatIf', { ...choices[0]!.request, value: typed.value }), dc.waitForEvent('stopped')]);
    assert.equal(
      whatIfSummary(answer.body.whatif),
      'What-if step refund#1.result = {"refunded":0}: recorded failed: Error: refund of 250 is over the limit; what-if failed: Error: refund of 250 is over the limit; the control flow is the same throughout.',
    );
    await Promise.all([dc.customRequest('hindsight/whatIf', { off: true }), dc.waitForEvent('stopped')]);
  });
});
