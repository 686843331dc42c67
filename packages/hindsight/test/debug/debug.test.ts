import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DebugSession } from '../../src/debugger/index.js';
import { EventKind, ExecutionBuilder, SiteTable } from '../../src/trace/index.js';
import { Sandbox } from '../cli/helpers.js';
import { Harness } from '../engine/harness.js';
import { orders, refund } from './fixtures/orders.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test/debug -> packages/hindsight: the TypeScript sources the sites name, the golden files. */
const PKG = path.resolve(here, '../../..');
const SOURCES = path.join(PKG, 'test', 'debug');
const WORKFLOWS = path.join(here, 'fixtures', 'orders.js');
/** A module that exports only 'shop', not the workflows of these histories. */
const OTHER_WORKFLOWS = path.resolve(here, '../replay/fixtures/shop.js');
const UPDATE = process.env.HINDSIGHT_UPDATE_GOLDEN === '1';

type Json = Record<string, any>;

/** Sorted keys, so a golden file does not depend on the order a field was added in. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Json)[k])]));
  return v;
}

describe('hindsight debug: a terminal debugger over runs recorded by a real worker', () => {
  const sb = new Sandbox();
  const files = { orders: path.join(sb.dir, 'orders.json'), refund: path.join(sb.dir, 'refund.json'), truncated: path.join(sb.dir, 'truncated.json') };
  const runIds: string[] = [];

  /** Unstable things (absolute paths, run ids, an error's stack as the live run threw it) replaced by placeholders. */
  const stable = (text: string) => {
    let out = text.split(PKG).join('<PKG>').split(sb.dir).join('<TMP>').replace(/"stack":"(?:[^"\\]|\\.)*"/g, '"stack":"<STACK>"');
    for (const id of runIds) out = out.split(id).join('<RUN_ID>');
    return out;
  };

  /** Runs a command script through the built CLI and compares the transcript with golden/<name>. */
  async function golden(script: string, history: string, json: boolean): Promise<string> {
    const args = ['debug', history, '--workflows', WORKFLOWS, '--commands', path.join(SOURCES, 'scripts', `${script}.txt`), ...(json ? ['--json'] : [])];
    const out = await sb.ok(args, { store: null });
    const transcript = json
      ? out.trimEnd().split('\n').map((l) => stable(JSON.stringify(sortKeys(JSON.parse(l))))).join('\n') + '\n'
      : stable(out);
    const file = path.join(SOURCES, 'golden', `${script}.${json ? 'jsonl' : 'txt'}`);
    if (UPDATE) writeFileSync(file, transcript);
    assert.ok(existsSync(file), `no golden file ${file}; run the tests with HINDSIGHT_UPDATE_GOLDEN=1 to write it`);
    assert.equal(transcript, readFileSync(file, 'utf8'), `the transcript differs from ${file}; if the change is intended, rerun with HINDSIGHT_UPDATE_GOLDEN=1`);
    return transcript;
  }

  const lines = (transcript: string) => transcript.trimEnd().split('\n').map((l) => JSON.parse(l) as Json);

  before(async () => {
    const h = await Harness.open();
    try {
      h.worker([orders, refund]);
      const run = await h.client.start(orders, [300, 200, 100], { workflowId: 'orders-1' });
      assert.deepEqual(await run.result(), ['first:300', 'second:300']);
      const failing = await h.client.start(refund, 250, { workflowId: 'refund-1' });
      await assert.rejects(failing.result(), /over the limit/);
      for (const [id, file] of [['orders-1', files.orders], ['refund-1', files.refund]] as const) {
        const exported = await h.client.exportHistory(id);
        runIds.push(exported.run.runId);
        writeFileSync(file, JSON.stringify(exported, null, 2));
      }
    } finally {
      await h.close();
    }
    const text = readFileSync(files.orders, 'utf8');
    writeFileSync(files.truncated, text.slice(0, Math.floor(text.length / 2)));
  });

  after(() => sb.dispose());

  it('a scripted session (--commands --json) steps, nexts, finishes and continues both ways, as the golden transcript says', async () => {
    const out = lines(await golden('tour', files.orders, true));
    assert.equal(out[0]!.command, 'start');
    assert.equal(out[0]!.result.status, 'completed');
    for (const r of out.slice(1)) assert.ok(['stop', 'result', 'error'].filter((k) => k in r).length === 1, `one of stop, result, error: ${JSON.stringify(r)}`);
    const stepInto = out.find((r) => r.command === 'step' && r.stop.function === 'total');
    assert.ok(stepInto, 'step enters the helper');
    const finish = out.find((r) => r.command === 'finish');
    assert.deepEqual([finish?.stop.function, finish?.stop.returnedFrom, finish?.stop.returnValue], ['orders', 'total', '600'], 'finish stops in the caller just after the helper returned, and says what it returned');
    const p = out.find((r) => r.command === 'print')!;
    assert.equal(p.result.kind, 'value', 'print shows the value the re-execution had at the cursor');
  });

  it('the human transcript of the same session prints file:line in function (event i/N) and the source line at each stop', async () => {
    const out = await golden('tour', files.orders, false);
    assert.match(out, /orders\.ts:24 in orders \(event 0\/\d+, enter\)/);
    assert.match(out, /^>\s+\d+ {2}/m, 'list marks the current line');
  });

  it('a failed run opens at the failure and says so; reverse commands go back from it', async () => {
    const out = lines(await golden('failed', files.refund, true));
    const start = out[0]!.result;
    assert.equal(start.status, 'failed');
    assert.match(start.notes[0], /the run failed: Error: refund of 250 is over the limit/);
    assert.equal(start.stop.index, start.traceEvents - 1);
    assert.equal(out.at(-1)!.command, 'quit', 'quit ends the script: nothing after it runs');
  });

  it('bad input gets a clear error and the session stays usable', async () => {
    const out = lines(await golden('bad', files.orders, true)).slice(1);
    const codes = out.map((r) => r.error?.code ?? 'ok');
    assert.deepEqual(codes, [
      'HS_E_DEBUG_UNKNOWN_COMMAND',
      'HS_E_DEBUG_NO_CODE',
      'HS_E_DEBUG_NO_CODE',
      'HS_E_DEBUG_NO_CODE',
      'HS_E_DEBUG_NO_CODE',
      'HS_E_DEBUG_CONDITION',
      'HS_E_DEBUG_EXPRESSION',
      'HS_E_DEBUG_EVAL',
      'HS_E_DEBUG_EVAL',
      'HS_E_DEBUG_USAGE',
      'HS_E_DEBUG_USAGE',
      'HS_E_DEBUG_USAGE',
      'HS_E_DEBUG_NO_BREAKPOINT',
      'HS_E_DEBUG_USAGE',
      'HS_E_DEBUG_NO_THREADS',
      'HS_E_DEBUG_NO_THREADS',
      'ok',
    ]);
    assert.match(out[1]!.error.message, /no code on line 2 of orders\.ts; lines with code nearby: /);
    assert.equal(out.at(-1)!.result.position.index, 0, 'where still answers after the errors');
  });

  it('a breakpoint on a line with no code is refused and not added', async () => {
    const script = path.join(sb.dir, 'nocode.txt');
    writeFileSync(script, 'break orders.ts:1\ninfo breakpoints\n');
    const out = lines(await sb.ok(['debug', files.orders, '--workflows', WORKFLOWS, '--commands', script, '--json'], { store: null }));
    assert.equal(out[1]!.error.code, 'HS_E_DEBUG_NO_CODE');
    assert.deepEqual(out[2]!.result.breakpoints, []);
  });

  it('a history of a workflow the module does not export opens a session that says so and still answers', async () => {
    const script = path.join(sb.dir, 'other.txt');
    writeFileSync(script, 'step\nhelp\nquit\n');
    const out = lines(await sb.ok(['debug', files.orders, '--workflows', OTHER_WORKFLOWS, '--commands', script, '--json'], { store: null }));
    assert.match(out[0]!.result.notes[0], /run of 'orders', which the workflows module does not export \(it exports: shop\)/);
    assert.equal(out[1]!.error.code, 'HS_E_DEBUG_NO_TRACE');
    assert.match(out[1]!.error.message, /nothing to debug: .*does not export/);
    assert.equal(out[2]!.result.kind, 'help');
    assert.equal(out[3]!.result.kind, 'quit');
  });

  it('debugs a run straight from the store by its workflow id', async () => {
    await sb.ok(['workflow', 'import', files.orders]);
    const script = path.join(sb.dir, 'where.txt');
    writeFileSync(script, 'where\n');
    const out = lines(await sb.ok(['debug', 'orders-1', '--workflows', WORKFLOWS, '--commands', script, '--json']));
    assert.equal(out[0]!.result.run.workflowId, 'orders-1');
    assert.equal(out[1]!.result.position.function, 'orders');
  });

  it('an unknown workflow id is one HS_E_ line and exit 1', async () => {
    await sb.fails(['debug', 'no-such-run', '--workflows', WORKFLOWS], 'HS_E_WORKFLOW_NOT_FOUND');
  });

  it('a missing workflows module is one HS_E_ line and exit 1', async () => {
    await sb.fails(['debug', files.orders, '--workflows', path.join(sb.dir, 'missing.js')], 'HS_E_WORKFLOWS_NOT_FOUND', { store: null });
  });

  it('a truncated history file is one HS_E_ line and exit 1', async () => {
    const { line } = await sb.fails(['debug', files.truncated, '--workflows', WORKFLOWS], 'HS_E_HISTORY_FILE', { store: null });
    assert.match(line, /truncated/);
  });
});

describe('DebugSession (the front-end-free core)', () => {
  const file = '/nowhere/gone.ts';
  const b = new ExecutionBuilder(
    new SiteTable([
      { kind: 'function', file, line: 1, column: 1, functionName: 'main' },
      { kind: 'statement', file, line: 2, column: 3, functionName: 'main' },
    ]),
  );
  b.append(EventKind.Enter, 0, 1, 0);
  b.append(EventKind.Statement, 1, 1, 1);
  b.append(EventKind.Exit, 0, 1, 2);
  const execution = b.build();

  it('list says plainly that a source file is missing; stops still name file:line', async () => {
    const s = new DebugSession(execution);
    const r = (await s.execute('list'));
    assert.equal(r.error?.code, 'HS_E_SOURCE_NOT_FOUND');
    assert.match(r.error!.message, /gone\.ts is not on this machine/);
    const stop = (await s.execute('s')).stop!;
    assert.deepEqual([stop.file, stop.line, stop.function, stop.source], [file, 2, 'main', null]);
  });

  it('aliases run the same command as the full names; reverse-next after next comes back', async () => {
    const s = new DebugSession(execution);
    assert.equal((await s.execute('n')).stop!.index, 1);
    assert.equal((await s.execute('rn')).command, 'reverse-next');
    assert.equal(s.cursor.index, 0);
    assert.equal((await s.execute('fin')).command, 'finish');
  });

  it('a breakpoint on a step says that steps are not replayed and where their recorded results are', async () => {
    const result = (id: number) => ({ type: 'StepCompleted' as const, seq: id, name: 'main', args: [], result: id, attempts: 1, id, ts: 0 });
    const s = new DebugSession(execution, { history: [result(4), result(9)] });
    const bp = (await s.execute('break main')).result;
    assert.equal(bp?.kind, 'breakpoint');
    assert.match(bp?.kind === 'breakpoint' ? bp.breakpoint.note ?? '' : '', /'main' is a step: its code is not replayed.*history events #4, #9/);
    const plain = (await new DebugSession(execution).execute('break main')).result;
    assert.equal(plain?.kind === 'breakpoint' ? plain.breakpoint.note : 'no breakpoint', undefined);
  });

  it('print on a trace with no values answers that they are not captured, and the session goes on', async () => {
    const s = new DebugSession(execution);
    const r = await s.execute('p x');
    assert.equal(r.error?.code, 'HS_E_VALUES_NOT_CAPTURED');
    assert.match(r.error!.message, /not captured/);
    assert.equal((await s.execute('info locals')).error?.code, 'HS_E_VALUES_NOT_CAPTURED');
    assert.equal((await s.execute('n')).stop?.index, 1);
  });
});
