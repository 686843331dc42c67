import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { AdapterClient, CLI } from './client.js';

/** A service with four requests in flight at once; the third one dies, and the process with it. */
const APP = `// requests in flight at once: the third one dies
function price(sku) {
  let cents = 0;
  for (const ch of sku) cents += ch.charCodeAt(0);
  return cents;
}

function explode(total) {
  throw new Error(\`boom at \${total}\`);
}

async function handle(id) {
  await new Promise((resolve) => setTimeout(resolve, id * 20));
  const total = price(\`sku-\${id}\`);
  if (id === 3) explode(total);
  return total;
}

for (let id = 1; id <= 4; id++) setTimeout(() => handle(id), 0);
`;
const line = (text: string) => APP.split('\n').findIndex((l) => l.includes(text)) + 1;
const ENV = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };

describe('hindsight dap: a flight recording of a crashed service, debugged backwards', () => {
  let dir: string;
  let app: string;
  let store: string;
  let id: string;
  let exported: string;
  let dc: AdapterClient;
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, '--store', store, ...args], { cwd: dir, env: ENV, encoding: 'utf8' });

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hindsight-dap-rec-'));
    app = path.join(dir, 'app.mjs');
    store = path.join(dir, 'store.db');
    writeFileSync(app, APP);
    const recorded = cli('record', '--', process.execPath, app);
    assert.equal(recorded.status, 1, recorded.stderr);
    id = /recording (rec-[0-9a-f]+) archived/.exec(recorded.stderr)![1]!;
    exported = path.join(dir, 'crash.json');
    assert.equal(cli('trace', 'export', id, '-o', exported).status, 0);
    dc = new AdapterClient();
    await dc.start();
    await dc.initializeRequest();
  });
  after(async () => {
    await dc.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const stack = async (threadId: number) => (await dc.frames(threadId)).map((f) => `${f.name}:${f.line}`);

  it('opens at the crash as an exception: exceptionInfo has the error, the stack is that of the statement that threw it', async () => {
    const stopped = await dc.open({ recording: id, store });
    assert.equal(stopped.body.reason, 'exception');
    assert.match(stopped.body.description!, /^the process died of Error: boom at 435; the cursor is at the statement that threw it/);
    const info = (await dc.customRequest('exceptionInfo', { threadId: stopped.body.threadId })).body as DebugProtocol.ExceptionInfoResponse['body'];
    assert.deepEqual([info.exceptionId, info.description, info.breakMode], ['Error', 'boom at 435', 'unhandled']);
    assert.match(info.details!.stackTrace!, /at explode \(.*app\.mjs:9/);
    assert.deepEqual(await stack(stopped.body.threadId!), [`explode:${line('throw new Error')}`, `handle:${line('if (id === 3)')}`, `<anonymous>:${line('for (let id')}`]);
  });

  it('threads are the requests in flight at the cursor; another request shows where it was waiting', async () => {
    const threads = (await dc.threadsRequest()).body.threads;
    assert.deepEqual(threads.map((t) => t.name.replace(/@[\d.]+ms/, '@…')), ['handle @…', 'handle @…'], 'the dying request and the fourth, still waiting');
    const [current] = await dc.frames(threads[0]!.id);
    assert.equal(current!.line, line('throw new Error'));
    assert.deepEqual(await stack(threads[1]!.id), [`handle:${line('await new Promise')}`, `<anonymous>:${line('for (let id')}`], 'suspended at its await');
    const stepped = await dc.moveBy('stepBack', { threadId: threads[1]!.id });
    assert.equal(stepped.body.threadId, threads[1]!.id, 'stepping another request steps that request');
    assert.deepEqual(await stack(threads[1]!.id), [`handle:${line('await new Promise')}`, `<anonymous>:${line('for (let id')}`], 'the start of that line');
    const back = await dc.moveBy('hindsight/gotoEvent', { index: 86 });
    assert.equal(back.body.threadId, threads[0]!.id);
  });

  it('reverse-continue to a function breakpoint finds the most recent call before the crash; reverse steps go line by line', async () => {
    const set = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'price' }] });
    assert.equal(set.body.breakpoints[0]!.verified, true);
    const hit = await dc.moveBy('reverseContinue', { threadId: 0 });
    assert.equal(hit.body.reason, 'function breakpoint', JSON.stringify(hit.body));
    assert.deepEqual(await stack(hit.body.threadId!), [`price:${line('function price')}`, `handle:${line('const total = price')}`, `<anonymous>:${line('for (let id')}`]);
    const back = await dc.moveBy('stepBack', { threadId: hit.body.threadId });
    assert.deepEqual(await stack(back.body.threadId!), [`handle:${line('const total = price')}`, `<anonymous>:${line('for (let id')}`]);
    const resumed = await dc.moveBy('stepBack', { threadId: hit.body.threadId });
    assert.equal((await dc.frames(resumed.body.threadId!))[0]!.line, line('await new Promise'), 'back to where it resumed from its await');
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  });

  it('values are not captured in recordings: evaluate and data breakpoints say so plainly', async () => {
    const frameId = (await dc.frames((await dc.threadsRequest()).body.threads[0]!.id))[0]!.id;
    assert.match(await dc.refused('evaluate', { expression: 'total', context: 'hover', frameId }), /values are not captured in flight recordings/);
    const data = (await dc.customRequest('dataBreakpointInfo', { name: 'total', frameId })).body as DebugProtocol.DataBreakpointInfoResponse['body'];
    assert.equal(data.dataId, null);
    assert.match(data.description, /^values are not captured in flight recordings/);
  });

  it('hindsight/timeline lists the request lanes, and hindsight/gotoEvent jumps to where one began', async () => {
    const { lanes } = (await dc.customRequest('hindsight/timeline')).body as { lanes: { thread: number; label: string; index: number; complete: boolean; threw: boolean }[] };
    const handles = lanes.filter((l) => l.label === 'handle');
    assert.equal(handles.length, 4, JSON.stringify(lanes));
    assert.deepEqual(handles.map((l) => [l.complete, l.threw]), [[true, false], [true, false], [true, true], [false, false]], 'two returned, one threw, one never finished');
    const stopped = await dc.moveBy('hindsight/gotoEvent', { index: handles[1]!.index });
    assert.equal(stopped.body.threadId, handles[1]!.thread);
  });

  it('sources come from the code bundle once the checkout holds another version; an exported file opens the same way', async () => {
    const before = (await dc.frames((await dc.threadsRequest()).body.threads[0]!.id))[0]!;
    assert.equal(before.source!.sourceReference ?? 0, 0, 'the checkout holds the code as it ran: a plain path');
    writeFileSync(app, `// a later version\n${APP.replace('id * 20', 'id * 30')}`);
    try {
      await reconnect();
      const stopped = await dc.open({ recording: exported });
      assert.equal(stopped.body.reason, 'exception');
      const [top] = await dc.frames(stopped.body.threadId!);
      assert.ok(top!.source!.sourceReference! > 0, 'the editor must ask for the bundle');
      const served = await dc.sourceRequest({ source: top!.source!, sourceReference: top!.source!.sourceReference! });
      assert.equal(served.body.content, APP);
      assert.notEqual(readFileSync(app, 'utf8'), APP);
    } finally {
      writeFileSync(app, APP);
    }
  });

  it('bad recording targets give one-line errors, and the adapter keeps serving', async () => {
    const notARecording = path.join(dir, 'not-a-recording.json');
    writeFileSync(notARecording, '{"format": "something-else"}');
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ recording: 'rec-00000000', store }, /no recording rec-00000000 in this store; `hindsight trace list` shows the recordings \[HS_E_RECORDING_NOT_FOUND\]$/],
      [{ recording: 'crash-of-tuesday' }, /'recording' is neither a recording id \(rec-…\) nor a file: .*crash-of-tuesday does not exist.*\[HS_E_DAP_LAUNCH_ARGS\]$/],
      [{ recording: id, run: 'orders-1', store }, /launch takes 'recording' or 'run', not both \[HS_E_DAP_LAUNCH_ARGS\]$/],
      [{ recording: notARecording }, /not-a-recording\.json is not a recording file; write one with `hindsight trace export.*\[HS_E_RECORDING_FILE_INVALID\]$/],
      [{ recording: id, store: path.join(dir, 'elsewhere.db') }, /no store at .*elsewhere\.db.*\[HS_E_STORE_NOT_FOUND\]$/],
    ];
    for (const [args, expected] of cases) {
      const message = await dc.refused('launch', args);
      assert.match(message, expected, JSON.stringify(args));
      assert.doesNotMatch(message, /\n/, 'one line');
    }
    assert.equal((await dc.open({ recording: id, store })).body.reason, 'exception', 'still serving');
    assert.equal(cli('trace', 'list', '--json').stdout.includes(id), true, 'the recording is untouched');
  });

  it('the terminal debugger has the same threads: info threads, and thread <id> goes where that request stood', () => {
    const script = path.join(dir, 'threads.txt');
    writeFileSync(script, 'info threads\nthread 999\n');
    const out = cli('debug', id, '--commands', script);
    assert.equal(out.status, 0, out.stderr);
    const rows = out.stdout.split('\n').filter((l) => /^[* ] \d+ +handle/.test(l));
    assert.equal(rows.length, 2, out.stdout);
    assert.match(rows[0]!, new RegExp(`^\\* \\d+ +handle @[\\d.]+ms +explode at app\\.mjs:${line('throw new Error')} \\(event \\d+\\)$`));
    assert.match(rows[1]!, new RegExp(`^  \\d+ +handle @[\\d.]+ms +handle at app\\.mjs:${line('await new Promise')} \\(event \\d+\\)$`));
    assert.match(out.stdout, /error thread takes a thread id from `info threads`; got '999' \[HS_E_DEBUG_USAGE\]/);
    const waiting = /^  (\d+) /.exec(rows[1]!)![1]!;
    writeFileSync(script, `thread ${waiting}\nbacktrace\n`);
    const moved = cli('debug', id, '--commands', script);
    assert.match(moved.stdout, new RegExp(`#0  handle at app\\.mjs:${line('await new Promise')}`));
    // back in the timer's callback that started that request (its dispatch): the cursor is in that request
    writeFileSync(script, `break app.mjs:${line('for (let id')}\nreverse-continue\ninfo threads\n`);
    const current = cli('debug', id, '--commands', script).stdout.split('\n').filter((l) => l.startsWith('* '));
    assert.equal(current.length, 1);
    assert.match(current[0]!, new RegExp(`^\\* ${waiting} +handle @[\\d.]+ms +<anonymous> at app\\.mjs:${line('for (let id')} \\(event \\d+\\)$`));
  });

  it('goto time +<duration> goes to the first event at or after it, on the recording\'s clock (as info threads gives times); what it cannot do, it says', () => {
    const script = path.join(dir, 'time.txt');
    writeFileSync(script, 'info threads\n');
    const waiting = /^  \d+ +handle @([\d.]+)ms/m.exec(cli('debug', id, '--commands', script).stdout)![1]!;
    writeFileSync(script, `goto time +0ms\ngoto time +${waiting}ms\ngoto time +1h\ngoto time 2026-01-01T00:00:00Z\n`);
    const out = cli('debug', id, '--commands', script).stdout;
    const events = [...out.matchAll(/\(event (\d+)\/\d+, /g)].map((m) => Number(m[1]));
    assert.equal(events[1], 0, 'before the first event: the first event');
    assert.ok(events[2]! > 0, `the waiting request's start is later (${out})`);
    assert.match(out, /error no event at or after \+3600s; its events run from \+[\d.]+m?s to \+[\d.]+m?s \[HS_E_DEBUG_NO_EVENT\]/);
    assert.match(out, /error this session has no history: goto time takes \+<duration> from the recording's start, like \+1\.5s; its events run from/);
  });

  async function reconnect(): Promise<void> {
    await dc.stop();
    dc = new AdapterClient();
    await dc.start();
    await dc.initializeRequest();
  }
});

/** A loop long enough to wrap a small ring, in functions the trace began inside, and a normal exit. */
const LOOP = `function step(i) {
  const x = i % 7;
  return x > 3 ? x : -x;
}
function spin(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s += step(i) + 1;
  return s;
}
console.log(spin(200000));
`;

describe('hindsight dap: a recording whose ring wrapped, of a process that ended without an error', () => {
  it('shows the decode as progress, marks the frames whose caller the trace lost, shows a caller it made up with no place, and says there is no exception', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-dap-wrapped-'));
    const dc = new AdapterClient();
    try {
      const app = path.join(dir, 'loop.mjs');
      const store = path.join(dir, 'store.db');
      writeFileSync(app, LOOP);
      const recorded = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--always', '--no-demote', '--ring', '64KiB', '--', process.execPath, app], { cwd: dir, env: ENV, encoding: 'utf8' });
      assert.equal(recorded.status, 0, recorded.stderr);
      const id = /recording (rec-[0-9a-f]+)/.exec(recorded.stderr)![1]!;
      await dc.start();
      await dc.initializeRequest({ adapterID: 'hindsight', supportsProgressReporting: true, linesStartAt1: true, columnsStartAt1: true });
      const progress: string[] = [];
      for (const name of ['progressStart', 'progressUpdate', 'progressEnd']) dc.on(name, (e: DebugProtocol.Event) => progress.push(`${name} ${e.body?.percentage ?? ''}`.trim()));
      // launched as an editor does, after the one initialize (DebugClient's launch() sends another, without progress)
      const configured = dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest());
      const [, , event] = await Promise.all([configured, dc.launchRequest({ recording: id, store } as DebugProtocol.LaunchRequestArguments), dc.waitForEvent('stopped')]);
      const stopped = event as DebugProtocol.StoppedEvent;
      assert.equal(progress[0], 'progressStart 0', progress.join(', '));
      assert.equal(progress.at(-1), 'progressEnd', 'ended before the entry stop');
      const percentages = progress.slice(1, -1).map((p) => Number(p.split(' ')[1]));
      assert.ok(percentages.length > 0 && percentages.every((p, i) => p > 0 && p < 100 && (i === 0 || p > percentages[i - 1]!)), progress.join(', '));
      await assert.rejects(dc.exceptionInfoRequest({ threadId: stopped.body.threadId! }), /no exception: the process ended \(exited normally\), not of an error/);
      // back into the loop: spin's statement, called by the module body, which the trace made up a caller for
      await dc.moveBy('stepBack', { threadId: stopped.body.threadId });
      const frames = await dc.frames(stopped.body.threadId);
      assert.ok(frames.length >= 2);
      assert.ok(frames.some((f) => f.name.endsWith('(caller not in the trace)')), frames.map((f) => f.name).join(', '));
      const madeUp = frames.at(-1)!;
      assert.deepEqual([madeUp.name, madeUp.line, madeUp.source, madeUp.presentationHint], ['<unknown> (caller not in the trace)', 0, undefined, 'subtle'], 'no place: not the location of the trace\'s first event');
    } finally {
      await dc.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
