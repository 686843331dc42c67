/**
 * Latency analysis of a real recording: an HTTP service runs under `hindsight record --always` (a
 * real supervisor, a real child, real sockets), this test sends it requests, and the CLI's
 * `trace latency` and `trace export` read the archived recording.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ChromeTrace, GroupLatency, SpeedscopeFile, TailExplanation } from '../../src/analysis/index.js';
import { openRecordings } from '../../src/store/index.js';
import { assertChromeBalanced, assertSpeedscopeBalanced } from './viewers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../../src/cli/main.js');
const SERVICE = path.join(here, 'fixtures', 'checkout-service.js');
/** The line of the service's TypeScript source that holds `text` (its sites name the source's lines). */
const fixtureLine = (text: string) => readFileSync(path.resolve(here, '../../../test/analysis/fixtures/checkout-service.ts'), 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;
const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-latency-'));
const store = path.join(dir, 'store.db');
after(() => rmSync(dir, { recursive: true, force: true }));

const CHECKOUTS = 50;
const ITEMS = 30;

/** Records the service while this process sends it CHECKOUTS checkouts and ITEMS item reads, one at a time; returns the recording id. */
async function recordService(): Promise<string> {
  const child = spawn(process.execPath, [CLI, '--store', store, 'record', '--always', '--include', path.join(here, 'fixtures', '**'), '--', process.execPath, SERVICE], {
    cwd: dir,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('close', () => reject(new Error(`the service ended before it was ready: ${stderr}`)));
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  // interleaved: 5 checkouts, then 3 item reads, and again
  const urls = Array.from({ length: CHECKOUTS + ITEMS }, (_, i) => (i % 8 < 5 ? '/checkout/apple' : '/items/pear'));
  for (const url of urls) {
    const res = await fetch(`http://127.0.0.1:${port}${url}`);
    assert.equal(res.status, 200);
    await res.text();
  }
  await (await fetch(`http://127.0.0.1:${port}/quit`)).text();
  assert.equal(await closed, 0, stderr);
  const r = openRecordings({ path: store });
  try {
    return r.list()[0]!.id;
  } finally {
    r.close();
  }
}

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, '--store', store, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a recorded HTTP service: latency per handler, and why the slow checkouts are slow', () => {
  let id = '';
  before(async () => {
    id = await recordService();
  });

  it('trace latency --json: requests grouped by handler, the slow tail explained by `flush`', () => {
    const run = cli('trace', 'latency', id, '--json');
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { groups: (GroupLatency & { tail: TailExplanation | null })[] };
    const byEntry = new Map(report.groups.map((g) => [g.entry, g]));
    const checkout = byEntry.get('checkout')!;
    const items = byEntry.get('items')!;
    assert.equal(checkout.count, CHECKOUTS);
    assert.equal(items.count, ITEMS);
    assert.equal(byEntry.get('get'), undefined, "an item read's two `get`s, called by a callback of `map` and awaited with Promise.all, are part of its request");
    assert.equal(byEntry.get('read'), undefined, '`read`, whose promise `get` returns, is part of the request that awaits `get`');
    assert.equal(byEntry.get('route')?.count, 1, 'the router starts each handler and returns: the handler is the request, timed from the router\'s start; the quit request it answers itself is its own');
    // two inline callbacks (the quit response's and listen's): two entry points, named by where they are defined
    const anonymous = report.groups.filter((g) => g.entry.startsWith('<anonymous>')).map((g) => [g.entry, g.count]);
    assert.deepEqual(anonymous.sort(), [[`<anonymous> checkout-service.ts:${fixtureLine("res.end('bye'")}`, 1], [`<anonymous> checkout-service.ts:${fixtureLine('server.listen(')}`, 1]]);
    assert.ok(checkout.max >= 149, `every 10th checkout waits 150 ms (max ${checkout.max})`);
    assert.ok(checkout.p50 < 15, `a typical checkout does not (p50 ${checkout.p50})`);
    assert.equal(checkout.histogram.reduce((s, b) => s + b.count, 0), CHECKOUTS);
    const tail = checkout.tail!;
    assert.equal(tail.slow.count, CHECKOUTS / 10);
    assert.deepEqual(tail.paths[0]!.path, ['checkout', 'flush']);
    assert.deepEqual([tail.paths[0]!.slow.calls, tail.paths[0]!.typical.calls, tail.paths[0]!.before], [1, 0, 'get']);
    assert.match(tail.summary, /^the slow requests call `flush` before `get` \(1 time per request; typical ones never do\)/);
  });

  it('trace latency: a table per handler, a histogram and the explanation, for people', () => {
    const run = cli('trace', 'latency', id, '--group', 'checkout');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Entry point\s*│\s*Requests\s*│\s*p50\s*│\s*p90\s*│\s*p99\s*│\s*max/);
    assert.match(run.stdout, new RegExp(`│ checkout\\s*│ ${CHECKOUTS}\\s*│`));
    assert.doesNotMatch(run.stdout, /│ items/, '--group shows that group only');
    assert.match(run.stdout, /ms – \d+(\.\d+)? ms\s+█+\s+\d+/, 'a histogram bar');
    assert.match(run.stdout, /the slow requests call `flush` before `get`/);
    assert.match(run.stdout, /│ checkout > flush\s*│ 1\s*│ 0\s*│/);
    // entry points that ran once (the router's own quit, callbacks) are rows of the table, not histograms of one bar
    const all = cli('trace', 'latency', id).stdout;
    assert.match(all, /^3 entry points with one request \(their times are in the table\): .*\broute\b/m);
    // the module's body is the service starting, not a request of it
    assert.doesNotMatch(all, /<module /);
    assert.doesNotMatch(all, /^route \(1 request\)$/m);
    assert.match(all, /^checkout \(50 requests\)$/m);
  });

  it('trace export --format chrome and speedscope: files the viewers open, balanced per lane, named after the functions', () => {
    const chromeFile = path.join(dir, 'trace.json');
    const run = cli('trace', 'export', id, '--format', 'chrome', '-o', chromeFile);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /in chrome format; open it in https:\/\/ui\.perfetto\.dev/);
    const chrome = JSON.parse(readFileSync(chromeFile, 'utf8')) as ChromeTrace;
    const opened = assertChromeBalanced(chrome);
    const names = new Set([...opened.values()].flat());
    for (const fn of ['route', 'checkout', 'items', 'get', 'flush', 'respond']) assert.ok(names.has(fn), `${fn} is in the trace`);
    assert.match(String(chrome.traceEvents.find((e) => e.name === 'flush')!.args!.at), /checkout-service\.ts:\d+$/);

    const ssFile = path.join(dir, 'trace.speedscope.json');
    assert.equal(cli('trace', 'export', id, '--format', 'speedscope', '-o', ssFile).status, 0);
    const ss = JSON.parse(readFileSync(ssFile, 'utf8')) as SpeedscopeFile;
    assertSpeedscopeBalanced(ss);
    assert.ok(ss.shared.frames.some((f) => f.name === 'flush' && f.file?.endsWith('checkout-service.ts')));
  });

  it('bad input: an unknown recording, an unknown group or format, a program with no requests: one line that says what to do', () => {
    const unknown = cli('trace', 'latency', 'rec-nope');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no recording rec-nope in this store; `hindsight trace list` shows the recordings/);
    const group = cli('trace', 'latency', id, '--group', 'pay');
    assert.equal(group.status, 1);
    assert.match(group.stderr, /no complete request enters at "pay" in rec-\w+; the entry points are: .*checkout/);
    const format = cli('trace', 'export', id, '--format', 'pprof', '-o', path.join(dir, 'x'));
    assert.equal(format.status, 1);
    assert.match(format.stderr, /--format "pprof" is not one of hindsight, chrome, speedscope/);
    const record = (include: string) => spawnSync(process.execPath, [CLI, '--store', store, 'record', '--always', '--include', include, '--', process.execPath, path.join(here, 'fixtures', 'no-requests.js')], { encoding: 'utf8', cwd: dir, env: { ...process.env, NODE_OPTIONS: '' } });
    // a program none of whose code is traced leaves no recording to analyse, and says so
    const untraced = record(path.join(here, 'fixtures', 'nothing-here', '**'));
    assert.equal(untraced.status, 0, untraced.stderr);
    assert.match(untraced.stderr, /before any traced code ran; nothing to archive \(is --include right\? it traces .*nothing-here/);
    // one with no function of its own still runs its module's body: its one unit of work, the program's start
    const plain = record(path.join(here, 'fixtures', '**'));
    assert.equal(plain.status, 0, plain.stderr);
    const started = /recording (rec-\w+) archived/.exec(plain.stderr)?.[1];
    assert.ok(started, plain.stderr);
    assert.match(cli('trace', 'latency', started).stdout, /│ <module no-requests\.ts> │ 1 /);
  });
});
