/**
 * Golden debugger sessions over the language features workflow code uses (test/debug/fixtures/features.ts):
 * loops, recursion, exceptions through several frames with finally, Promise.all of async helpers,
 * closures, class methods (constructor, method, getter, static), switch, ternaries and short-circuits.
 * The histories come from real runs (a worker on a SQLite store), exported as `workflow export` writes them;
 * each script (scripts/features-*.txt) runs through the built CLI and its transcript is compared with
 * golden/features-*. The last part checks corners of the instrumentation (names, rejected awaits,
 * generators, `for await`).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { recordExecution } from '../../src/replay/index.js';
import { instrument } from '../../src/instrument/index.js';
import { EventKind } from '../../src/trace/index.js';
import { Sandbox } from '../cli/helpers.js';
import { Harness } from '../engine/harness.js';
import { iterators, refusal } from './fixtures/features.js';
import { FEATURES, FEATURE_RUNS, featureLine, golden, jsonLines, stabilizer, type Json } from './transcripts.js';

describe('hindsight debug over the language features of workflow code (real runs, golden transcripts)', () => {
  const sb = new Sandbox();
  const files = new Map<string, string>();
  const runIds: string[] = [];
  const stable = stabilizer(sb, () => runIds.map((id) => [id, '<RUN_ID>'] as const));

  before(async () => {
    const h = await Harness.open();
    try {
      h.worker(FEATURE_RUNS.map((r) => r.wf));
      for (const r of FEATURE_RUNS) {
        const run = await h.client.start(r.wf as never, r.input as never, { workflowId: `${r.wf.name}-1` });
        assert.deepEqual(await run.result(), r.result, `the ${r.wf.name} run returns what its code says`);
        const exported = await h.client.exportHistory(`${r.wf.name}-1`);
        runIds.push(exported.run.runId);
        const file = path.join(sb.dir, `${r.wf.name}.json`);
        writeFileSync(file, JSON.stringify(exported, null, 2));
        files.set(r.wf.name, file);
      }
    } finally {
      await h.close();
    }
  });

  after(() => sb.dispose());

  it('loops: next walks for, for-of, while and do-while iterations (continue and break included) and back; line breakpoints with `if hit N`', async () => {
    const out = await golden(sb, stable, 'features-loops', files.get('loops')!, false);
    assert.match(out, /Breakpoint 1 at <PKG>\/test\/debug\/fixtures\/features\.ts:15 \(4 hits in this run\)/, 'the loop body awaits a step 4 times (one iteration continues)');
    assert.match(out, new RegExp(`Breakpoint 2, <PKG>/test/debug/fixtures/features.ts:${featureLine('total += sku.length')} in loops`));
  });

  it('recursion: backtraces through sync and async recursion, finish and reverse-finish level by level', async () => {
    const out = await golden(sb, stable, 'features-recursion', files.get('recursion')!, false);
    const bt = out.split('(hindsight) backtrace\n')[1]!.split('(hindsight)')[0]!;
    assert.deepEqual(bt.trim().split('\n').map((l) => l.split(/\s+/)[1]), ['factorial', 'factorial', 'factorial', 'recursion']);
  });

  it('exceptions: a throw through three frames, the finally on the way out, the catch; next over a throwing call lands in the catch', async () => {
    const out = await golden(sb, stable, 'features-exceptions', files.get('exceptions')!, false);
    assert.match(out, new RegExp(`features.ts:${featureLine("log.push('lineTotal done')")} in lineTotal \\(event \\d+/\\d+, statement\\)`));
  });

  it('Promise.all: backtraces inside the parallel branches, next over an await stays in its branch, step follows time across branches (--json)', async () => {
    const out = jsonLines(await golden(sb, stable, 'features-parallel', files.get('parallel')!, true));
    for (const r of out.slice(1)) assert.equal(['stop', 'result', 'error'].filter((k) => k in r).length, 1, `one of stop, result, error: ${JSON.stringify(r)}`);
    const bts = out.filter((r) => r.command === 'backtrace').map((r) => (r.result.frames as Json[]).map((f) => `${f.function}:${f.line}`));
    assert.ok(bts.length >= 2);
    for (const bt of bts) assert.deepEqual(bt.slice(-1), [`parallel:${featureLine('pending.push(quote(ctx, sku))')}`], 'every branch was called from the loop that started it');
    await golden(sb, stable, 'features-parallel', files.get('parallel')!, false);
  });

  it('classes and closures: constructor, method, getter and static method frames; a callback that captures outer variables', async () => {
    const out = await golden(sb, stable, 'features-classes', files.get('classes')!, false);
    for (const name of ['Cart.of', 'Cart.constructor', 'Cart.add', 'Cart.total']) assert.match(out, new RegExp(` in ${name.replace('.', '\\.')} \\(event`), name);
  });

  it('switch, ternaries and short-circuits: the case taken, a call made only when && evaluates its right side', async () => {
    await golden(sb, stable, 'features-control', files.get('control')!, false);
  });
});

/** Corners of the instrumentation: what it once did not do, now done. */
describe('corners of the instrumentation', () => {
  const names = (code: string) => instrument(code, '/virtual/gaps.js').sites.filter((s) => s.kind === 'function').map((s) => `${s.functionName}@${s.line}`);
  const statements = (code: string) => instrument(code, '/virtual/gaps.js').sites.filter((s) => s.kind === 'statement').map((s) => `${s.line}:${s.column}`);

  it('a callback passed to a call is not named after the variable that receives the call\'s result', () => {
    assert.deepEqual(names('export function f(xs) {\n  const prices = xs.map((x) => x + 1);\n  return prices;\n}\n'), ['<anonymous>@2', 'f@1']);
  });

  it('an arrow function in a class field is named after the class and the field', () => {
    assert.deepEqual(names('export class A {\n  handler = (x) => x + 1;\n}\n'), ['A.handler@2']);
  });

  it('an `await` whose promise rejects resumes its activation in the trace before the catch runs', async () => {
    const h = await Harness.open();
    try {
      h.worker([refusal]);
      assert.deepEqual(await (await h.client.start(refusal, 'no stock', { workflowId: 'refusal-1' })).result(), [
        "declined: step 'decline' failed after 1 attempt: Error: no stock",
        'audited:refusal',
      ]);
      const { execution: ex } = await recordExecution(await h.history('refusal-1'), FEATURES);
      const line = featureLine('notes.push(await ctx.step(decline, why))');
      const at = (kind: EventKind) => Array.from({ length: ex.length }, (_, i) => i).filter((i) => ex.kinds[i] === kind && ex.siteOf(i)?.line === line).length;
      assert.equal(at(EventKind.Suspend), 1);
      assert.equal(at(EventKind.Resume), 1, 'the workflow resumed (with the step failure) before its catch ran');
    } finally {
      await h.close();
    }
  });

  it('a function inside an `await` operand reports each statement once', () => {
    assert.deepEqual(statements('export async function f(xs) {\n  return await Promise.all(xs.map((x) => g(x)));\n}\n'), ['2:3', '2:42']);
  });

  it('the statements of a sync generator are in the trace, each yield a Suspend, under the loop that called next()', async () => {
    const h = await Harness.open();
    try {
      h.worker([iterators]);
      await (await h.client.start(iterators, ['ab', 'c'], { workflowId: 'iterators-1' })).result();
      const { execution: ex } = await recordExecution(await h.history('iterators-1'), FEATURES);
      const line = featureLine('yield i');
      const on = (kind: EventKind, siteKind: string) => Array.from({ length: ex.length }, (_, i) => i).filter((i) => ex.kinds[i] === kind && ex.siteOf(i)?.line === line && ex.siteOf(i)?.kind === siteKind);
      // the line has two statements: the for loop (once) and its body, `yield i` (once per value)
      assert.equal(on(EventKind.Statement, 'statement').length, 1 + 3, 'evens(5) yields 0, 2 and 4');
      const yields = on(EventKind.Suspend, 'yield');
      assert.equal(yields.length, 3);
      for (const i of yields) assert.deepEqual(ex.stackAt(i).map((f) => ex.sites.get(ex.frameSite(f))?.functionName), ['evens', 'iterators']);
    } finally {
      await h.close();
    }
  });

  it('a `for await` loop suspends and resumes the workflow at each iteration', async () => {
    const h = await Harness.open();
    try {
      h.worker([iterators]);
      await (await h.client.start(iterators, ['ab', 'c'], { workflowId: 'iterators-1' })).result();
      const { execution: ex } = await recordExecution(await h.history('iterators-1'), FEATURES);
      const line = featureLine('for await (const price');
      const suspends = Array.from({ length: ex.length }, (_, i) => i).filter((i) => ex.kinds[i] === EventKind.Suspend && ex.siteOf(i)?.line === line);
      assert.equal(suspends.length, 3, `the loop awaits each of its 2 promises, then the end; suspends on line ${line}: ${suspends.length}`);
      const resumes = Array.from({ length: ex.length }, (_, i) => i).filter((i) => ex.kinds[i] === EventKind.Resume && ex.siteOf(i)?.line === line);
      assert.equal(resumes.length, 3, 'and resumes after each');
    } finally {
      await h.close();
    }
  });
});
