import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { AdapterClient, CLI } from './client.js';
import { lineOf, MODULES, recordRuns, SOURCES, type Runs } from './runs.js';

describe('hindsight dap: launch targets, custom requests, and misuse answered with error responses', () => {
  let runs: Runs;
  let dc: AdapterClient;

  before(async () => {
    runs = await recordRuns();
    dc = new AdapterClient();
    await dc.start();
    await dc.initializeRequest();
  });
  after(async () => {
    await dc.stop();
    runs.dispose();
  });

  it('before a launch, requests that need a run are refused with what to do; threads answers an empty list', async () => {
    assert.match(await dc.refused('stackTrace', { threadId: 1 }), /'stackTrace' needs an open run; send launch first .*\[HS_E_DAP_NOT_LAUNCHED\]$/);
    assert.match(await dc.refused('next', { threadId: 1 }), /\[HS_E_DAP_NOT_LAUNCHED\]$/);
    assert.deepEqual((await dc.threadsRequest()).body.threads, []);
  });

  it('bad launch arguments give one-line error responses naming the problem; the adapter keeps serving', async () => {
    const missing = path.join(runs.dir, 'nothing-here.json');
    const folder = path.join(runs.dir, 'a-folder');
    mkdirSync(folder, { recursive: true });
    const corrupt = path.join(runs.dir, 'corrupt.json');
    writeFileSync(corrupt, '{"format": "hindsight-history", "ver');
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ history: runs.files.orders }, /launch needs 'workflows', the compiled module .*\[HS_E_DAP_LAUNCH_ARGS\]$/],
      [{ workflows: MODULES.orders }, /launch needs 'history' \(a file\) or 'run' \(an id in the store\) for a workflow run, or 'recording'.*\[HS_E_DAP_LAUNCH_ARGS\]$/],
      [{ history: runs.files.orders, workflows: 42 }, /launch argument 'workflows' must be a string, not 42 \[HS_E_DAP_LAUNCH_ARGS\]$/],
      [{ history: runs.files.orders, workflows: path.join(runs.dir, 'no-module.js') }, /no workflows module at .*no-module\.js.*\[HS_E_DAP_LAUNCH_ARGS\]$/],
      [{ history: missing, workflows: MODULES.orders }, /the history file .*nothing-here\.json does not exist; write one with `hindsight workflow export.*\[HS_E_FILE_NOT_FOUND\]$/],
      [{ history: folder, workflows: MODULES.orders }, /cannot read the history file .*a-folder: EISDIR.*\[HS_E_FILE_READ\]$/],
      [{ history: corrupt, workflows: MODULES.orders }, /corrupt\.json.*\[HS_E_[A-Z_]+\]$/],
      [{ run: 'orders-1', store: path.join(runs.dir, 'no-store.db'), workflows: MODULES.orders }, /no store at .*no-store\.db; set 'store' in the launch configuration.*\[HS_E_STORE_NOT_FOUND\]$/],
      [{ run: 'no-such-run', store: runs.store, workflows: MODULES.orders }, /no workflow run with id no-such-run.*\[HS_E_WORKFLOW_NOT_FOUND\]$/],
      [{ history: runs.files.basket, workflows: MODULES.orders }, /nothing to debug: .*basket.*\[HS_E_DAP_NOTHING_TO_DEBUG\]$/],
    ];
    for (const [args, expected] of cases) {
      const message = await dc.refused('launch', args);
      assert.match(message, expected, JSON.stringify(args));
      assert.doesNotMatch(message, /\n/, 'one line');
    }
    assert.deepEqual((await dc.threadsRequest()).body.threads, [], 'still serving, with no run open');
  });

  it('a run in the store opens by its workflow id; a failed run opens at its failure as an exception, with exceptionInfo', async () => {
    const [output, stopped] = await Promise.all([dc.waitForEvent('output'), dc.open({ run: 'refund-1', store: runs.store, workflows: MODULES.orders })]);
    assert.match(output.body.output, /the run failed: Error: refund of 250 is over the limit/);
    assert.equal(stopped.body.reason, 'exception');
    const info = (await dc.customRequest('exceptionInfo', { threadId: 1 })).body as DebugProtocol.ExceptionInfoResponse['body'];
    assert.deepEqual([info.exceptionId, info.description, info.breakMode, info.details?.typeName], ['Error', 'refund of 250 is over the limit', 'unhandled', 'Error']);
    assert.match(stopped.body.description!, /^the run failed: Error: refund of 250 is over the limit; the cursor is at the failure/);
    assert.deepEqual((await dc.threadsRequest()).body.threads, [{ id: 1, name: 'refund refund-1' }]);
    const line = (text: string) => lineOf(SOURCES.orders, text);
    const stack = async () => (await dc.frames()).map((f) => `${f.name}:${f.line}`);
    assert.deepEqual(await stack(), [`refund:${line("export const refund = workflow('refund'")}`], 'the workflow function, where the error leaves it');
    await dc.moveBy('reverseStepIn');
    assert.deepEqual(await stack(), [`check:${line('throw new Error(`refund of')}`, `refund:${line('check(cents);')}`], 'one step back: the throw, in the helper');
    assert.deepEqual((await dc.scope('Arguments')).map((v) => `${v.name}=${v.value}`), ['cents=250']);
    await dc.moveBy('reverseStepIn');
    assert.deepEqual(await stack(), [`check:${line('if (cents > 100)')}`, `refund:${line('check(cents);')}`], 'and the branch that led there');
  });

  it('a run whose code diverges opens on the line that diverged, and says so; the code warning goes to the console', async () => {
    const changed = path.join(path.dirname(MODULES.orders), 'orders-changed.js');
    const changedTs = path.join(path.dirname(SOURCES.orders), 'orders-changed.ts');
    const outputs: string[] = [];
    const collect = (e: { body: { output: string } }) => outputs.push(e.body.output);
    dc.on('output', collect);
    const stopped = await dc.open({ history: runs.files.orders, workflows: changed });
    dc.off('output', collect);
    assert.equal(stopped.body.reason, 'entry');
    assert.match(stopped.body.description!, /^the code diverges from the history: .*the cursor is where the code issued it/);
    assert.ok(outputs.some((o) => /the code at hand is not the code that recorded this run/.test(o)), outputs.join(''));
    const [top] = await dc.frames();
    assert.deepEqual([top!.name, top!.source!.path, top!.line], ['orders', changedTs, lineOf(changedTs, 'await ctx.step(audit, holds);')]);
  });

  it('workflow code that writes to stdout while it replays does not corrupt the protocol: its output goes to stderr', async () => {
    await dc.open({ history: runs.files.noisy, workflows: MODULES.noisy });
    await dc.setBreakpointsRequest({ source: { path: SOURCES.noisy }, breakpoints: [{ line: lineOf(SOURCES.noisy, 'total += i;'), hitCondition: '3' }] });
    await dc.moveBy('continue');
    assert.deepEqual((await dc.scope('Locals')).map((v) => `${v.name}=${v.value}`), ['n=3', 'total=1', 'i=2'], 'values re-execute the noisy code in a worker thread, too');
    assert.match(dc.stderr, /noise 0/);
    assert.match(dc.stderr, /more noise/);
  });

  it('hindsight/timeline lists the history events with the trace index where the code reached each; hindsight/gotoEvent jumps to one', async () => {
    await dc.open({ history: runs.files.orders, workflows: MODULES.orders });
    const timeline = (await dc.customRequest('hindsight/timeline')).body as { cursor: number; events: { id: number; type: string; name?: string; index: number | null; at: string }[] };
    assert.equal(timeline.cursor, 0);
    const reserves = timeline.events.filter((e) => e.type === 'StepCompleted' && e.name === 'reserve');
    assert.equal(reserves.length, 3);
    assert.ok(reserves.every((e) => typeof e.index === 'number' && e.at === 'after'));
    const stopped = await dc.moveBy('hindsight/gotoEvent', { historyId: reserves[1]!.id });
    assert.equal(stopped.body.reason, 'goto');
    assert.equal(stopped.body.description, `event ${reserves[1]!.index}`);
    const after = (await dc.customRequest('hindsight/timeline')).body as typeof timeline;
    assert.equal(after.events.find((e) => e.id === reserves[1]!.id)!.at, 'cursor');
    await dc.moveBy('hindsight/gotoEvent', { index: 3 });
    assert.equal(((await dc.customRequest('hindsight/timeline')).body as typeof timeline).cursor, 3);
    assert.match(await dc.refused('hindsight/gotoEvent', { historyId: 999 }), /no history event #999.*\[HS_E_DEBUG_NO_EVENT\]$/);
    assert.match(await dc.refused('hindsight/gotoEvent', { at: 'x' }), /takes \{ index: <trace event> \} or \{ historyId: <history event id> \}.*\[HS_E_DAP_BAD_ARGS\]$/);
  });

  it('mutating and unknown requests are refused plainly, and references from an earlier stop are refused; the next request still works', async () => {
    const frames = await dc.frames();
    const scopes = (await dc.scopesRequest({ frameId: frames[0]!.id })).body.scopes;
    assert.match(await dc.refused('setVariable', { variablesReference: scopes[0]!.variablesReference, name: 'sum', value: '1' }), /'setVariable' would change the run, and a recorded run is read-only.*\[HS_E_DAP_READ_ONLY\]$/);
    assert.match(await dc.refused('setExpression', { expression: 'sum', value: '1' }), /\[HS_E_DAP_READ_ONLY\]$/);
    assert.match(await dc.refused('pause', { threadId: 1 }), /nothing is running: a recorded run is always paused.*\[HS_E_DAP_NOT_RUNNING\]$/);
    assert.match(await dc.refused('attach', {}), /attach is not supported.*\[HS_E_DAP_UNSUPPORTED\]$/);
    assert.match(await dc.refused('frobnicate', {}), /does not support the request 'frobnicate' \[HS_E_DAP_UNSUPPORTED\]$/);
    await dc.moveBy('next');
    assert.match(await dc.refused('variables', { variablesReference: scopes[0]!.variablesReference }), /is from an earlier stop; ask for the scopes again \[HS_E_DAP_STALE_REFERENCE\]$/);
    assert.match(await dc.refused('scopes', { frameId: frames[0]!.id }), /is not a frame of this stop; ask for the stack trace again \[HS_E_DAP_STALE_FRAME\]$/);
    assert.ok((await dc.frames()).length >= 1, 'the adapter still answers');
  });

  it('loadedSources lists the workflow code; source serves a file of it', async () => {
    const sources = (await dc.customRequest('loadedSources')).body.sources as { path: string }[];
    assert.ok(sources.some((s) => s.path === SOURCES.orders));
    const content = (await dc.sourceRequest({ source: { path: SOURCES.orders }, sourceReference: 0 })).body.content;
    assert.match(content, /export const orders = workflow\('orders'/);
  });
});

describe('hindsight dap: a client that counts lines from 0', () => {
  let runs: Runs;
  before(async () => (runs = await recordRuns()));
  after(() => runs.dispose());

  it('gets stack lines and breakpoint lines in its own count, and its breakpoint lines are read in it', async () => {
    const dc = new AdapterClient();
    await dc.start();
    try {
      await dc.initializeRequest({ adapterID: 'hindsight', linesStartAt1: false, columnsStartAt1: true, pathFormat: 'path' });
      const configured = dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest());
      await Promise.all([configured, dc.launchRequest({ history: runs.files.orders, workflows: MODULES.orders } as never), dc.waitForEvent('stopped')]);
      const sumLine = lineOf(SOURCES.orders, 'sum += cents;');
      const set = await dc.setBreakpointsRequest({ source: { path: SOURCES.orders }, breakpoints: [{ line: sumLine - 1 }] });
      assert.deepEqual([set.body.breakpoints[0]!.verified, set.body.breakpoints[0]!.line], [true, sumLine - 1]);
      await dc.moveBy('continue');
      assert.equal((await dc.frames())[0]!.line, sumLine - 1);
    } finally {
      await dc.stop();
    }
  });
});

describe('hindsight dap --port: the same adapter over TCP on 127.0.0.1', () => {
  let runs: Runs;
  before(async () => (runs = await recordRuns()));
  after(() => runs.dispose());

  it('a port in use is one error line with its code, and exit code 1', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (busy.address() as net.AddressInfo).port;
      const r = spawnSync(process.execPath, [CLI, 'dap', '--port', String(port)], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 20_000 });
      assert.equal(r.status, 1);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use; pick another with --port, or --port 0 for a free one \\[HS_E_DAP_LISTEN\\]`));
    } finally {
      busy.close();
    }
  });

  it('listens on the port it prints; a client that connects launches and steps', async () => {
    const child = spawn(process.execPath, [CLI, 'dap', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
      const m = /^hindsight dap: listening on 127\.0\.0\.1:(\d+)$/.exec(first);
      assert.ok(m, first);
      const client = new DebugClient(process.execPath, CLI, 'hindsight');
      client.defaultTimeout = 20_000;
      await client.start(Number(m[1]));
      try {
        const [, , stopped] = await Promise.all([client.configurationSequence(), client.launch({ history: runs.files.orders, workflows: MODULES.orders }), client.waitForEvent('stopped')]);
        assert.equal(stopped.body.reason, 'entry');
        const [, next] = await Promise.all([client.nextRequest({ threadId: 1 }), client.waitForEvent('stopped')]);
        assert.equal(next.body.reason, 'step');
        const frames = (await client.stackTraceRequest({ threadId: 1 })).body.stackFrames;
        assert.equal(frames[0]!.line, lineOf(SOURCES.orders, 'const sum = total(items)'));
      } finally {
        await client.stop();
      }
    } finally {
      child.kill();
    }
  });
});
