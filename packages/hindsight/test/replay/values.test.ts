import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DebugSession, startSession } from '../../src/debugger/index.js';
import type { RecordedEvent } from '../../src/history/index.js';
import { recordExecution, ReplayValues } from '../../src/replay/index.js';
import { EventKind, type Execution, type Value } from '../../src/trace/index.js';
import { Harness } from '../engine/harness.js';
import { basket } from './fixtures/values.js';

const modulePath = fileURLToPath(new URL('./fixtures/values.js', import.meta.url));
const sourceLines = readFileSync(path.resolve(path.dirname(modulePath), '../../../../test/replay/fixtures/values.ts'), 'utf8').split('\n');

/** The 1-based line of the fixture whose text contains `text`. */
const lineOf = (text: string) => {
  const i = sourceLines.findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `no line with ${text}`);
  return i + 1;
};

/** The statement events on the fixture line that contains `text`, ascending. */
const statementsAt = (ex: Execution, text: string) => {
  const line = lineOf(text);
  const out: number[] = [];
  for (let i = 0; i < ex.length; i++) if (ex.kinds[i] === EventKind.Statement && ex.siteOf(i)?.line === line) out.push(i);
  assert.ok(out.length > 0, `no statement ran on line ${line}`);
  return out;
};

const byName = (vars: readonly Value[], name: string) => {
  const v = vars.find((x) => x.name === name);
  assert.ok(v, `no variable ${name} in ${vars.map((x) => x.name).join(', ')}`);
  return v;
};

describe('values at any point, by re-execution in a worker paused there', () => {
  let history: RecordedEvent[];
  let execution: Execution;
  let values: ReplayValues;

  before(async () => {
    const h = await Harness.open();
    try {
      h.worker([basket]);
      const run = await h.client.start(basket, { owner: 'ada', skus: ['apple', 'kiwi', 'apple'] }, { workflowId: 'basket-1' });
      assert.deepEqual(await run.result(), { owner: 'ada', running: 1400, count: 3, problem: 'over budget: 1400' });
      history = (await h.client.exportHistory('basket-1')).events;
    } finally {
      await h.close();
    }
    execution = (await recordExecution(history, modulePath)).execution;
    values = new ReplayValues(execution, history, modulePath).warm();
  });
  after(() => values.close());

  const local = async (index: number, name: string) => {
    const s = await values.scopes(index);
    return byName(s.scopes.flatMap((sc) => sc.variables), name).value;
  };

  it('shows a variable as it was at that point, not as it ended: each loop iteration has its own values', async () => {
    const visits = statementsAt(execution, 'note(sku);');
    assert.deepEqual(await Promise.all(visits.map((i) => local(i, 'running'))), ['500', '900', '1400']);
    assert.deepEqual(await Promise.all(visits.map((i) => local(i, 'sku'))), ["'apple'", "'kiwi'", "'apple'"]);
  });

  it('goes back in time: an earlier point after a later one answers with the earlier state', async () => {
    const [first, , last] = statementsAt(execution, 'note(sku);');
    assert.equal(await local(last!, 'running'), '1400');
    assert.equal(await local(first!, 'running'), '500');
    assert.equal(await local(last!, 'running'), '1400');
  });

  it('in a class method, `this` is the instance, and expanding it lazily shows its Map and Set as they were', async () => {
    const [, second] = statementsAt(execution, 'this.tags.add');
    const s = await values.scopes(second!);
    assert.ok(s.this, 'a method has this');
    assert.equal(s.this.type, 'Basket');
    const fields = await values.children(s.this.ref);
    assert.deepEqual(fields.map((f) => f.name), ['owner', 'lines', 'tags']);
    const lines = await values.children(byName(fields, 'lines').ref);
    assert.deepEqual(lines.map((e) => e.value), ["'apple' => 500", "'kiwi' => 400"], 'the line for kiwi is set; the second apple is not added yet');
    const entry = await values.children(lines[1]!.ref);
    assert.deepEqual(entry.map((e) => [e.name, e.value]), [['key', "'kiwi'"], ['value', '400']]);
    const tags = await values.children(byName(fields, 'tags').ref);
    assert.deepEqual(tags.map((t) => t.value), ["'a'"], "the tag of kiwi is what this statement adds: not yet");
    assert.deepEqual((await values.scopes(second!)).scopes.find((sc) => sc.name === 'Arguments')!.variables.map((v) => `${v.name}=${v.value}`), ["sku='kiwi'", 'cents=400']);
  });

  it('a closure sees the variables it closes over, in a Closure scope', async () => {
    const [, second] = statementsAt(execution, 'seen.push(sku);');
    const s = await values.scopes(second!);
    const closure = s.scopes.find((sc) => sc.name === 'Closure');
    assert.ok(closure, `scopes: ${s.scopes.map((sc) => sc.name).join(', ')}`);
    assert.deepEqual(closure.variables.map((v) => `${v.name}=${v.value}`), ["seen=[ 'apple' ]"]);
  });

  it('an error value expands to its name, message and stack', async () => {
    const [ret] = statementsAt(execution, 'return { owner, running');
    const problem = byName((await values.scopes(ret!)).scopes.flatMap((sc) => sc.variables), 'problem');
    assert.equal(problem.type, 'RangeError');
    const parts = await values.children(problem.ref);
    assert.deepEqual(parts.slice(0, 2).map((p) => [p.name, p.value]), [['name', "'RangeError'"], ['message', "'over budget: 1400'"]]);
    assert.match(byName(parts, 'stack').value, /over budget/);
  });

  it('evaluates an expression in the frame at that point; one that throws says what it threw and the next still answers', async () => {
    const [, second] = statementsAt(execution, 'note(sku);');
    const r = await values.evaluate(second!, 'running / 100 + seen.length');
    assert.equal(r.text, '10', 'running is 900 and one sku was noted before this statement');
    const bad = await values.evaluate(second!, 'q.nothing.deeper');
    assert.equal(bad.error, "TypeError: Cannot read properties of undefined (reading 'deeper')");
    assert.equal((await values.evaluate(second!, 'q.sku')).text, "'kiwi'");
  });

  it('an expression that changes the state does not leak into later answers', async () => {
    const [first, second] = statementsAt(execution, 'note(sku);');
    assert.equal((await values.evaluate(first!, 'seen.push("tampered")')).text, '1');
    assert.equal((await values.evaluate(second!, 'seen.join()')).text, "'apple'");
  });

  it('a value handed out at one point cannot be expanded at another', async () => {
    const [first, second] = statementsAt(execution, 'note(sku);');
    const b = byName((await values.scopes(first!)).scopes.flatMap((sc) => sc.variables), 'b');
    await values.scopes(second!);
    await assert.rejects(values.children(b.ref), { code: 'HS_E_VALUES_STALE' });
  });

  it('samples an expression at many points in one pass (what watchpoints and conditions use)', async () => {
    const visits = statementsAt(execution, 'running = b.add');
    const samples = await values.sample(visits, 'running');
    assert.deepEqual(samples.map((s) => [s.index, s.text]), visits.map((i, k) => [i, ['0', '500', '900'][k]]));
  });

  it('an event that is not a statement answers with the state of the statement it belongs to', async () => {
    const resume = [...Array(execution.length).keys()].find((i) => execution.kinds[i] === EventKind.Resume)!;
    const s = await values.scopes(resume);
    assert.ok(s.index < resume);
    assert.equal(execution.kinds[s.index], EventKind.Statement);
    assert.equal(execution.frames[s.index], execution.frames[resume]);
  });

  it('through the debugger: print and info locals answer at the cursor; the note says which statement the values are from', async () => {
    const session = new DebugSession(execution, { values: new ReplayValues(execution, history, modulePath) });
    try {
      const [, second] = statementsAt(execution, 'note(sku);');
      await session.execute(`goto ${second}`);
      const p = await session.execute('print { running, seen }');
      assert.equal(p.result?.kind === 'value' ? p.result.text : p, "{ running: 900, seen: [ 'apple' ] }");
      await session.execute('step');
      await session.execute('step');
      const locals = await session.execute('info locals');
      assert.equal(locals.result?.kind, 'scopes');
      const err = await session.execute('print running +');
      assert.equal(err.error?.code, 'HS_E_DEBUG_EVAL');
      assert.match(err.error!.message, /SyntaxError/);
    } finally {
      await session.close();
    }
  });

  it('watch: every change of a value in the frame, from what to what; reverse-continue finds the last change before the cursor', async () => {
    const session = new DebugSession(execution, { values: new ReplayValues(execution, history, modulePath) });
    try {
      const [first] = statementsAt(execution, 'let running = 0;');
      await session.execute(`goto ${first}`);
      const w = (await session.execute('watch running')).result;
      assert.equal(w?.kind, 'watch');
      if (w?.kind !== 'watch') return;
      assert.equal(w.function, 'basket');
      assert.deepEqual(w.changes.map((c) => [c.from, c.to, c.line]), [
        ['<not defined>', '0', lineOf('let running = 0;')],
        ['0', '500', lineOf('running = b.add')],
        ['500', '900', lineOf('running = b.add')],
        ['900', '1400', lineOf('running = b.add')],
      ]);
      const c1 = (await session.execute('continue')).stop!;
      assert.deepEqual([c1.reason, c1.watch?.from, c1.watch?.to], ['breakpoint', '<not defined>', '0']);
      await session.execute(`goto ${execution.length - 1}`);
      const back = (await session.execute('reverse-continue')).stop!;
      assert.deepEqual([back.watch?.from, back.watch?.to, back.line], ['900', '1400', lineOf('note(sku);')]);
      const before = (await session.execute('rc')).stop!;
      assert.deepEqual([before.watch?.from, before.watch?.to], ['500', '900']);
      const info = (await session.execute('info breakpoints')).result;
      assert.deepEqual(info?.kind === 'breakpoints' ? info.breakpoints.map((b) => [b.location, b.hits]) : info, [['watch running', 4]]);
    } finally {
      await session.close();
    }
  });

  it('a breakpoint condition is evaluated at each hit: continue stops only where it holds, both ways', async () => {
    const session = new DebugSession(execution, { values: new ReplayValues(execution, history, modulePath) });
    try {
      const line = lineOf('running = b.add');
      const bp = (await session.execute(`break values.ts:${line} if q.sku === 'kiwi'`)).result;
      assert.equal(bp?.kind === 'breakpoint' ? bp.breakpoint.condition : bp, "q.sku === 'kiwi'");
      assert.match(bp?.kind === 'breakpoint' ? bp.breakpoint.note ?? '' : '', /holds at 1 of its 3 hits/);
      const stop = (await session.execute('continue')).stop!;
      assert.equal(stop.reason, 'breakpoint');
      assert.equal((await session.execute('print q.sku')).result?.kind === 'value' ? 'ok' : 'no value', 'ok');
      const p = (await session.execute('print running')).result;
      assert.equal(p?.kind === 'value' ? p.text : p, '500');
      assert.equal((await session.execute('continue')).stop!.reason, 'end');
      assert.equal((await session.execute('reverse-continue')).stop!.index, stop.index);
      const thrown = (await session.execute(`break values.ts:${line} if q.nothing.deeper`)).result;
      assert.match(thrown?.kind === 'breakpoint' ? thrown.breakpoint.note ?? '' : '', /holds at 0 of its 3 hits; it threw at 3 \(TypeError/);
      const bad = await session.execute(`break values.ts:${line} if running ===`);
      assert.equal(bad.error?.code, 'HS_E_DEBUG_EXPRESSION');
      assert.equal((await session.execute('watch )')).error?.code, 'HS_E_DEBUG_EXPRESSION');
    } finally {
      await session.close();
    }
  });

  it('origin: a value that came from a step result jumps to where the code received it; a computed one says so', async () => {
    const { session } = await startSession(history, { workflowId: 'basket-1', runId: 'r', workflowType: 'basket' }, modulePath);
    try {
      const [, second] = statementsAt(execution, 'note(sku);');
      await session.execute(`goto ${second}`);
      const whole = (await session.execute('origin q')).stop!;
      assert.match(whole.message!, /^q = \{ sku: 'kiwi', cents: 400 \} is the result of step 'quote' \(history #\d+\), received here$/);
      assert.equal(whole.kind, 'resume', 'where the await that waited for the step resumed');
      assert.ok(whole.index < second!);
      await session.execute(`goto ${second}`);
      const part = (await session.execute('origin q.cents')).stop!;
      assert.match(part.message!, /is \.cents of the result of step 'quote'/);
      assert.equal(part.index, whole.index);
      await session.execute(`goto ${second}`);
      const input = (await session.execute('origin skus')).stop!;
      assert.match(input.message!, /is \.skus of the workflow input \(history #1\)/);
      const computed = await session.execute(`goto ${second}`).then(() => session.execute('origin running'));
      assert.equal(computed.error?.code, 'HS_E_DEBUG_NO_ORIGIN');
      assert.match(computed.error!.message, /the workflow code computed it; `watch running`/);
      assert.equal(session.cursor.index, second, 'a failed origin leaves the cursor where it was');
    } finally {
      await session.close();
    }
  });

  it('after close, questions are refused with a clear code', async () => {
    const v = new ReplayValues(execution, history, modulePath);
    await v.close();
    await assert.rejects(v.scopes(0), { code: 'HS_E_VALUES_CLOSED' });
  });
});
