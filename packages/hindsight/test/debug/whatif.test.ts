import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSession, type DebugSession, type RunInfo, type WhatIfView } from '../../src/debugger/index.js';
import type { RecordedEvent } from '../../src/history/index.js';
import { Sandbox } from '../cli/helpers.js';
import { Harness } from '../engine/harness.js';
import { loan } from './fixtures/loans.js';
import { whatIfHistory } from '../../src/debugger/whatif.js';
import { golden, jsonLines, PKG, stabilizer } from './transcript.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKFLOWS = path.join(here, 'fixtures', 'loans.js');
const LOANS_TS = path.join(PKG, 'test', 'debug', 'fixtures', 'loans.ts');

interface Recorded {
  history: RecordedEvent[];
  run: RunInfo;
  file: string;
}

/** The what-if answer of a command, or the test fails with what came back instead. */
async function whatIf(s: DebugSession, line: string): Promise<WhatIfView> {
  const r = await s.execute(line);
  assert.equal(r.result?.kind, 'whatif', `${line}: ${JSON.stringify(r)}`);
  return (r.result as { whatif: WhatIfView }).whatif;
}

describe('what-if: `set step <name>.result` and `set signal <name>.payload` replay the run with a recorded value changed', () => {
  const sb = new Sandbox();
  const runs: Record<'approved' | 'declined', Recorded> = {} as never;

  before(async () => {
    const h = await Harness.open();
    try {
      h.worker([loan]);
      for (const [key, decision] of [['approved', { approved: true, by: 'bob' }], ['declined', { approved: false, by: 'eve' }]] as const) {
        const handle = await h.client.start(loan, 'ada', { workflowId: `loan-${key}` });
        await handle.signal('decision', decision);
        await handle.result().catch(() => undefined);
        const exported = await h.client.exportHistory(`loan-${key}`);
        const file = path.join(sb.dir, `${key}.json`);
        writeFileSync(file, JSON.stringify(exported, null, 2));
        runs[key] = { history: exported.events, run: { workflowId: exported.run.workflowId, runId: exported.run.runId, workflowType: exported.run.workflowType }, file };
      }
    } finally {
      await h.close();
    }
  });

  after(() => sb.dispose());

  const open = async (key: 'approved' | 'declined') => (await startSession(runs[key].history, runs[key].run, WORKFLOWS)).session;

  it('a changed step result sends the code down the other branch; it ends with its own value, next to the recorded one', async () => {
    const s = await open('approved');
    const w = await whatIf(s, 'set step score.result = {"applicant": "ada", "score": 650}');
    assert.deepEqual(w.overrides, [{ target: 'step score#1.result', eventId: runs.approved.history.find((e) => e.type === 'StepCompleted')!.id, value: { applicant: 'ada', score: 650 } }]);
    assert.deepEqual(w.recorded, { status: 'completed', value: 'ada approved for 5000' });
    assert.deepEqual(w.whatIf, { status: 'completed', value: 'ada approved for 1000' });
    // They part at the branch in limitFor (line 11): `return 5000` (line 12) as recorded, `return 1000` (line 14) in the what-if.
    const d = w.firstDifference;
    assert.deepEqual([d?.recorded?.line, d?.whatIf?.line, d?.recorded?.function], [11, 11, 'limitFor']);
    assert.deepEqual([d?.recorded?.next?.line, d?.whatIf?.next?.line], [12, 14]);
    assert.equal(d?.recorded?.index, d?.whatIf?.index);
    assert.deepEqual([w.cursor.file, w.cursor.line, w.cursor.index], [LOANS_TS, 11, d?.whatIf?.index], 'the cursor is where the runs part, in the what-if');
    assert.equal((await s.execute('where')).result?.kind, 'where', 'the session goes on in the what-if execution');
  });

  it('changes nothing that was recorded: the history the session holds is the same after a what-if', async () => {
    const before = structuredClone(runs.approved.history);
    const { session } = await startSession(runs.approved.history, runs.approved.run, WORKFLOWS);
    await whatIf(session, 'set step score.result = {"applicant": "ada", "score": 100}');
    await whatIf(session, 'set signal decision.payload = null');
    assert.deepEqual(runs.approved.history, before);
  });

  it('a what-if whose code issues a command the history does not have names the command and its line: the what-if replay ends there', async () => {
    const s = await open('approved');
    const w = await whatIf(s, 'set step score.result = {"applicant": "ada", "score": 500}');
    assert.equal(w.whatIf.status, 'diverged');
    const d = w.whatIf.status === 'diverged' ? w.whatIf.divergence : undefined;
    assert.deepEqual([d?.code.command, d?.code.step, d?.code.file, d?.code.line], ['step', 'review', LOANS_TS, 21]);
    assert.deepEqual([d?.recorded?.type, d?.recorded?.step], ['StepCompleted', 'approve'], 'the history has the approval where the code now asks for a review');
    assert.deepEqual([w.firstDifference?.whatIf?.line, w.firstDifference?.whatIf?.next?.line], [20, 21], 'the branch on the score goes the other way');
    assert.deepEqual(await whatIf(s, 'info whatif'), w, '`info whatif` repeats the comparison');
  });

  it('a changed signal payload: the officer declines, and the what-if fails with the code\'s own error', async () => {
    const s = await open('approved');
    const w = await whatIf(s, 'set signal decision.payload = {"approved": false, "by": "eve"}');
    assert.deepEqual(w.whatIf, { status: 'failed', error: 'Error: ada was declined by eve' });
    assert.deepEqual(w.recorded, { status: 'completed', value: 'ada approved for 5000' });
  });

  it('a declined run, approved in the what-if: the code asks for a step past the end of the history, named with its line', async () => {
    const s = await open('declined');
    const w = await whatIf(s, 'set signal decision.payload = {"approved": true, "by": "bob"}');
    assert.deepEqual(w.recorded, { status: 'failed', error: 'Error: ada was declined by eve' });
    assert.equal(w.whatIf.status, 'diverged');
    const d = w.whatIf.status === 'diverged' ? w.whatIf.divergence : undefined;
    assert.equal(d?.recorded, undefined, 'no recorded event: the history ends before it');
    assert.deepEqual([d?.code.command, d?.code.step, d?.code.line], ['step', 'approve', 29]);
  });

  it('overrides add up; `set whatif off` returns to the recorded execution, breakpoints kept', async () => {
    const s = await open('approved');
    const recorded = s.cursor.execution;
    for (const line of ['break loan', 'break limitFor', 'delete 1']) assert.equal((await s.execute(line)).error, undefined, line);
    await whatIf(s, 'set step score.result = {"applicant": "ada", "score": 650}');
    const both = await whatIf(s, 'set signal decision.payload = {"approved": false, "by": "eve"}');
    assert.deepEqual(both.overrides.map((o) => o.target), ['step score#1.result', 'signal decision#1.payload']);
    assert.equal(both.whatIf.status, 'failed');
    const again = await whatIf(s, 'set step score.result = {"applicant": "ada", "score": 710}');
    assert.equal(again.overrides.length, 2, 'setting the same value again replaces it');
    const off = await s.execute('set whatif off');
    assert.match(off.stop?.message ?? '', /back in the recorded execution/);
    assert.equal(s.cursor.execution, recorded);
    assert.deepEqual(s.cursor.breakpoints.map((b) => [b.id, b.spec]), [[2, { function: 'limitFor' }]], 'the same breakpoint, under the same number');
    assert.equal((await s.execute('info whatif')).error?.code, 'HS_E_DEBUG_NO_WHATIF');
  });

  it('the what-if history is a copy: a failed step becomes a completion with the given result, the closing event is left for the code to decide', () => {
    const failed = [
      { id: 1, ts: 1, type: 'WorkflowStarted', workflowType: 'w', workflowId: 'w-1', runId: 'r', taskQueue: 'q', input: null },
      { id: 2, ts: 2, type: 'StepFailed', seq: 1, name: 'charge', args: [5], error: { name: 'Error', message: 'declined' }, attempts: 3 },
      { id: 3, ts: 3, type: 'WorkflowFailed', error: { name: 'Error', message: 'declined' } },
    ] as RecordedEvent[];
    const copy = whatIfHistory(failed, [{ kind: 'step', name: 'charge', nth: 1, value: { ok: true }, eventId: 2 }]);
    assert.deepEqual(copy.map((e) => e.type), ['WorkflowStarted', 'StepCompleted']);
    assert.deepEqual(copy[1], { id: 2, ts: 2, type: 'StepCompleted', seq: 1, name: 'charge', args: [5], result: { ok: true }, attempts: 3 });
    assert.equal(failed[1]!.type, 'StepFailed', 'the recorded history is not touched');
  });

  it('bad input is one line with a searchable HS_E_ code that says what to do; the session stays usable', async () => {
    const s = await open('approved');
    const errors: [string, string, RegExp][] = [
      ['set step nosuch.result = 1', 'HS_E_DEBUG_WHATIF_UNKNOWN', /no step 'nosuch' finished in this run; steps with recorded values: score, approve/],
      ['set signal nosuch.payload = 1', 'HS_E_DEBUG_WHATIF_UNKNOWN', /signals with recorded values: decision/],
      ['set step score#2.result = 1', 'HS_E_DEBUG_WHATIF_RANGE', /finished 1 time in this run; give #1 to #1, not #2/],
      ['set step score.result = {oops}', 'HS_E_DEBUG_WHATIF_JSON', /is not JSON .*strings in double quotes/],
      ['set step score.payload = 1', 'HS_E_DEBUG_USAGE', /a step's recorded value is \.result/],
      ['set x = 1', 'HS_E_DEBUG_USAGE', /set takes: set step <name>\[#k\]\.result = <JSON>/],
      ['set whatif off', 'HS_E_DEBUG_NO_WHATIF', /no what-if in force/],
    ];
    for (const [line, code, message] of errors) {
      const r = await s.execute(line);
      assert.equal(r.error?.code, code, line);
      assert.match(r.error!.message, message, line);
      assert.doesNotMatch(r.error!.message, /\n/, 'one line');
    }
    assert.equal((await s.execute('where')).result?.kind, 'where');
  });

  it('a scripted what-if session, as the golden transcripts say (human and --json)', async () => {
    const stable = stabilizer(sb, [runs.approved.run.runId]);
    const text = await golden(sb, { script: 'whatif', history: runs.approved.file, workflows: WORKFLOWS, json: false, stable });
    assert.match(text, /What-if step score#1\.result = \{"applicant":"ada","score":650\}/);
    assert.match(text, /recorded: completed with "ada approved for 5000"/);
    assert.match(text, /what-if: {2}issues step 'review' at .*loans\.ts:21/);
    const out = jsonLines(await golden(sb, { script: 'whatif', history: runs.approved.file, workflows: WORKFLOWS, json: true, stable }));
    const codes = out.filter((r) => r.error).map((r) => r.error.code);
    assert.deepEqual(codes, ['HS_E_DEBUG_WHATIF_UNKNOWN', 'HS_E_DEBUG_WHATIF_RANGE', 'HS_E_DEBUG_WHATIF_JSON']);
    assert.equal(out.at(-1)!.command, 'quit');
  });
});
