/**
 * `catch throw` (gdb's catchpoint), and the DAP exception filter `thrown` that is the same in an
 * editor: continue and reverse-continue stop at each statement that threw an exception out of
 * its function, over a recorded program whose exceptions go every way: out of a sync chain, through
 * a finally block, and caught by the loop that called it, out of an async chain through an await, caught and wrapped in
 * a new one, one that reaches its awaiting caller through untraced code (Promise.all), and one
 * caught inside the untraced code that threw it (JSON.parse), which no trace sees.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { startRecordingSession, type DebugSession } from '../../src/debugger/index.js';
import { openRecordings } from '../../src/store/index.js';
import { AdapterClient, CLI } from '../dap/client.js';

const APP = `function h(x) {
  const y = x * 2;
  if (y > 3) throw new RangeError(\`too big: \${y}\`);
  return y;
}
const seen = [];
function g(x) {
  try {
    const r = h(x);
    return r + 1;
  } finally {
    seen.push(x);
  }
}
async function a2(x) {
  await null;
  return g(x);
}
async function load(k) {
  await null;
  if (k === 2) throw new TypeError(\`no item \${k}\`);
  return k;
}
async function all() {
  return await Promise.all([1, 2, 3].map((k) => load(k)));
}
async function f() {
  let total = 0;
  try {
    total += (await all()).length;
  } catch {
    total = -2;
  }
  for (let i = 0; i < 3; i++) {
    try {
      total += g(i);
    } catch (e) {
      total = -1;
    }
  }
  try {
    await a2(5);
  } catch (e) {
    try { JSON.parse('{'); } catch { total -= 1; }
    throw new Error('wrapped', { cause: e });
  }
  return total;
}
f().catch(() => (process.exitCode = 3));
`;
const line = (text: string) => APP.split('\n').findIndex((l) => l.includes(text)) + 1;
const THROW_H = line('throw new RangeError');
const THROW_F = line("throw new Error('wrapped'");
const THROW_LOAD = line('throw new TypeError');
const ENV = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };

describe('catch throw: stops where exceptions were thrown, forward and back', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-catch-'));
  const store = path.join(dir, 'store.db');
  let id: string;
  let session: DebugSession;
  before(() => {
    writeFileSync(path.join(dir, 'app.mjs'), APP);
    const run = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--always', '--', process.execPath, 'app.mjs'], { cwd: dir, env: ENV, encoding: 'utf8' });
    assert.equal(run.status, 3, run.stderr);
    const recordings = openRecordings({ path: store });
    try {
      const rec = recordings.get(recordings.list()[0]!.id)!;
      id = rec.meta.id;
      session = startRecordingSession(rec).session;
    } finally {
      recordings.close();
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const where = () => {
    const p = session.position();
    return `${p.function}:${p.line}`;
  };
  const stack = () => session.cursor.execution.stackAt(session.cursor.index).map((f) => session.cursor.execution.sites.get(session.cursor.execution.frameSite(f))!.functionName);

  it('stops at the four throws, newest first going back: the wrapping one, the one under the await, the one out of the loop’s call, the one Promise.all passed on', async () => {
    const set = (await session.execute('catch throw')).result;
    assert.ok(set?.kind === 'breakpoint');
    assert.deepEqual([set.breakpoint.location, set.breakpoint.hits], ['catch throw', 4], 'not the propagations (through Promise.all too), not JSON.parse’s');
    const stops: string[] = [];
    for (let k = 0; k < 4; k++) {
      assert.equal((await session.execute('reverse-continue')).stop?.caught, set.breakpoint.id);
      stops.push(`${where()} < ${stack().slice(1).join(' < ')}`);
    }
    assert.deepEqual(stops, [`f:${THROW_F} < <module app.mjs>`, `h:${THROW_H} < g < a2 < f < <module app.mjs>`, `h:${THROW_H} < g < f < <module app.mjs>`, `load:${THROW_LOAD} < <anonymous> < all < f < <module app.mjs>`]);
    // as gdb's `bt n` and `bt -n`: the innermost frames, or the outermost
    const bt = async (n: string) => {
      const r = (await session.execute(`backtrace ${n}`)).result;
      assert.ok(r?.kind === 'backtrace');
      return [r.frames.map((f) => f.function).join(' < '), r.more ?? 0];
    };
    assert.deepEqual([await bt('2'), await bt('-2'), await bt('9')], [['load < <anonymous>', 3], ['f < <module app.mjs>', 3], ['load < <anonymous> < all < f < <module app.mjs>', 0]]);
    assert.match((await session.execute('backtrace 0')).error!.message, /^backtrace takes a number of frames, the innermost n \(backtrace 5\) or the outermost \(backtrace -5\); got '0'$/);
    const past = await session.execute('reverse-continue');
    assert.equal(past.stop?.reason, 'start', 'no throw before the first');
    assert.equal((await session.execute('continue')).stop?.caught, set.breakpoint.id);
    assert.equal(where(), `load:${THROW_LOAD}`);
  });

  it('says what it takes, and is deleted like a breakpoint', async () => {
    assert.match((await session.execute('catch exceptions')).error!.message, /^`catch throw` stops where an exception is thrown \(the one event catch knows\); got 'exceptions'$/);
    const listed = await session.execute('info breakpoints');
    assert.deepEqual(listed.result?.kind === 'breakpoints' && listed.result.breakpoints.map((b) => b.location), ['catch throw']);
    assert.deepEqual((await session.execute('delete 1')).result, { kind: 'deleted', ids: [1] });
    assert.equal((await session.execute('continue')).stop?.reason, 'end');
  });

  it('in an editor: the exception filter `thrown` stops there too, as an exception, and exceptionInfo says where it was thrown', async () => {
    const dc = new AdapterClient();
    await dc.start();
    try {
      const init = await dc.initializeRequest();
      assert.deepEqual(init.body?.exceptionBreakpointFilters?.map((f) => f.filter), ['thrown']);
      const entry = await dc.open({ recording: id, store });
      const set = await dc.setExceptionBreakpointsRequest({ filters: ['thrown'] });
      assert.match(set.body!.breakpoints![0]!.message!, /^4 hits in this run/);
      const hit = await dc.moveBy('reverseContinue', { threadId: entry.body.threadId });
      assert.equal(hit.body.reason, 'exception', JSON.stringify(hit.body));
      const [top] = await dc.frames(hit.body.threadId!);
      assert.deepEqual([top!.name, top!.line], ['f', THROW_F]);
      const info = (await dc.customRequest('exceptionInfo', { threadId: hit.body.threadId })).body as DebugProtocol.ExceptionInfoResponse['body'];
      assert.deepEqual([info.exceptionId, info.description, info.breakMode], ['thrown', `an exception was thrown here, out of f (line ${THROW_F})`, 'always']);
      await dc.setExceptionBreakpointsRequest({ filters: [] });
      const off = await dc.moveBy('reverseContinue', { threadId: hit.body.threadId });
      assert.equal(off.body.reason, 'step', 'the filter off: back to the start');
    } finally {
      await dc.stop();
    }
  });
});

/**
 * `program` recorded (a crash is archived; `always`: a normal end too), and a debugging session of
 * its recording, closed after the test; the program's exit code.
 */
function debugRecorded(name: string, program: string, always = false): { session: DebugSession; status: number | null } {
  const dir = mkdtempSync(path.join(tmpdir(), `hindsight-catch-${name}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'app.mjs'), program);
  const store = path.join(dir, 'store.db');
  const run = spawnSync(process.execPath, [CLI, '--store', store, 'record', ...(always ? ['--always'] : []), '--', process.execPath, 'app.mjs'], { cwd: dir, env: ENV, encoding: 'utf8' });
  const recordings = openRecordings({ path: store });
  try {
    const id = recordings.list()[0]?.id;
    assert.ok(id, `no recording: ${run.stderr}`);
    return { session: startRecordingSession(recordings.get(id)!).session, status: run.status };
  } finally {
    recordings.close();
  }
}

describe('a crash whose exception reached the top through untraced code (Promise.all)', () => {
  const CRASH = `async function load(k) {
  await null;
  if (k === 2) throw new TypeError(\`no item \${k}\`);
  return k;
}
await Promise.all([1, 2, 3].map((k) => load(k)));
`;

  it('the debugger opens at the statement that threw it, not at the await it came out of; its error is in the frames it left, not in the call that returned meanwhile', async () => {
    const { session, status } = debugRecorded('all', CRASH);
    assert.equal(status, 1);
    const p = session.position();
    assert.deepEqual([p.function, p.line], ['load', 3]);
    const thrown = (await session.execute('print $exception')).result;
    assert.match(thrown?.kind === 'value' ? thrown.text : '', /no item 2/);
    await session.execute('break 4');
    assert.equal((await session.execute('continue')).stop?.reason, 'breakpoint', 'load(3) returns after load(2) threw');
    assert.equal((await session.execute('print $exception')).error?.code, 'HS_E_VALUES_NOT_CAPTURED', 'the error did not pass through it');
  });
});

describe('a crash whose exception left a `for await` loop over an untraced stream', () => {
  const CRASH = `import { Readable } from 'node:stream';
function parse(line) {
  if (line === 'bad') throw new SyntaxError(\`bad line \${line}\`);
  return line.toUpperCase();
}
async function* lines() {
  for await (const line of Readable.from(['a', 'b', 'bad', 'c'])) yield parse(line);
}
for await (const line of lines()) console.log(line);
`;

  it('the debugger opens where it was thrown, past the await of the stream’s return() the loop made on its way out', () => {
    const { session, status } = debugRecorded('stream', CRASH);
    assert.equal(status, 1);
    const p = session.position();
    assert.deepEqual([p.function, p.line], ['parse', 3]);
  });
});

describe('catch throw and finally blocks', () => {
  const FINALLY = `function h(x) {
  if (x > 1) throw new RangeError(\`too big: \${x}\`);
  return x;
}
function g(x) {
  try {
    return h(x);
  } finally {
    if (x > 2) throw new Error(\`cleanup failed for \${x}\`);
  }
}
for (let i = 0; i < 4; i++) {
  try {
    g(i);
  } catch {}
}
`;

  it('an exception that goes through a finally (its if not taken) is not thrown again there; a throw in a finally is a new one', async () => {
    const { session, status } = debugRecorded('finally', FINALLY, true);
    assert.equal(status, 0);
    await session.execute('catch throw');
    const stops: string[] = [];
    for (let stop = await session.execute('reverse-continue'); stop.stop?.reason !== 'start'; stop = await session.execute('reverse-continue')) {
      const p = session.position();
      stops.push(`${p.function}:${p.line}`);
    }
    assert.deepEqual(stops, ['g:9', 'h:2', 'h:2'], 'x = 3: h threw, then the finally; x = 2: h threw, and g passed it on');
  });
});
