/**
 * Crash tests: a real service runs under `hindsight record` (a real supervisor process and a real
 * child), dies in each of the ways a process dies, and its ring is archived and decodes into the
 * control flow it went through.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startRecordingSession } from '../../src/debugger/index.js';
import { decodeRecording, demotedSites } from '../../src/recorder/index.js';
import { ringHeader } from '../../src/recorder/ring-reader.js';
import { openRecordings, type Recording, type RecordingMeta } from '../../src/store/index.js';
import { EventKind, type Execution } from '../../src/trace/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../../src/cli/main.js');
const SERVICE = path.join(here, 'fixtures', 'service.js');
/** The TypeScript the sites name (through the compiler's source maps). */
const SOURCE = path.resolve(here, '../../../test/recorder/fixtures/service.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-record-'));
/** The environment of every process these tests start: plain output (CI=true would colour it), no inherited preloads. */
const ENV = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };
after(() => rmSync(dir, { recursive: true, force: true }));

type Json = Record<string, any>;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  store: string;
}

/** `hindsight record -- node service.js <mode>`; `onReady` gets the service's pid once it prints it, and `hindsight record`'s process. */
function recordService(mode: string, opts: { args?: string[]; include?: string; nodeArgs?: string[]; env?: NodeJS.ProcessEnv; onReady?: (pid: number, supervisor: ChildProcess) => void; onStderr?: (text: string) => void } = {}): Promise<Run> {
  const store = path.join(mkdtempSync(path.join(dir, 'run-')), 'store.db');
  const child = spawn(process.execPath, [CLI, '--store', store, 'record', '--include', opts.include ?? path.join(here, 'fixtures', '**'), ...(opts.args ?? []), '--', process.execPath, ...(opts.nodeArgs ?? []), SERVICE, mode], {
    cwd: dir,
    env: opts.env ?? ENV,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    const m = /ready (\d+)/.exec(stdout);
    if (m && opts.onReady) {
      opts.onReady(Number(m[1]), child);
      opts.onReady = undefined;
    }
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
    opts.onStderr?.(stderr);
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, store })));
}

/** The recordings' listing in `store`. */
function listed(store: string): RecordingMeta[] {
  const r = openRecordings({ path: store });
  try {
    return r.list();
  } finally {
    r.close();
  }
}

function onlyRecording(store: string): Recording {
  const r = openRecordings({ path: store });
  try {
    const list = r.list();
    assert.equal(list.length, 1, `one recording, not ${list.length}`);
    assert.deepEqual(r.pendingRings(), [], 'its ring was copied into the store after it was committed');
    return r.get(list[0]!.id)!;
  } finally {
    r.close();
  }
}

/** A 32 MiB tmpfs (a container's /dev/shm is 64 MiB), unmounted after the test; undefined, the test skipped, where mounting is not allowed (it needs root). */
function smallMemory(t: TestContext): string | undefined {
  const at = mkdtempSync(path.join(tmpdir(), 'hindsight-small-memory-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', at], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmSync(at, { recursive: true, force: true });
    t.skip(`cannot mount a small tmpfs here: ${mounted.error?.message ?? mounted.stderr.trim()}`);
    return undefined;
  }
  t.after(() => {
    spawnSync('umount', [at]);
    rmSync(at, { recursive: true, force: true });
  });
  return at;
}

/** `kind function:line` of every event, for the events of the service's own code. */
const calls = (ex: Execution, fn: string) => {
  let n = 0;
  for (let i = 0; i < ex.length; i++) if (ex.kinds[i] === EventKind.Enter && ex.siteOf(i)?.functionName === fn) n++;
  return n;
};

describe('hindsight record: the ring outlives the process, whatever kills it', () => {
  it('an uncaught exception: the recording holds the error, and the trace ends where it was thrown, in TypeScript lines', async () => {
    const run = await recordService('throw');
    assert.equal(run.code, 1, 'the recorder exits as the program did');
    const rec = onlyRecording(run.store);
    assert.match(run.stderr, new RegExp(`crashed \\(Error: boom in checkout: sum \\d+\\); recording ${rec.meta.id} archived`));
    assert.match(run.stderr, new RegExp(`hindsight debug ${rec.meta.id}`));
    const link = /reverse debug in VS Code: (vscode:\S+)/.exec(run.stderr)?.[1];
    assert.ok(link, run.stderr);
    const url = new URL(link);
    assert.deepEqual([url.host, url.pathname, url.searchParams.get('recording'), url.searchParams.get('store')], ['hindsight.hindsight', '/debug', rec.meta.id, run.store], 'the extension opens it: the recording, in its store');
    assert.equal(rec.meta.trigger, 'crash');
    assert.equal(rec.meta.error?.message.startsWith('boom in checkout'), true);
    assert.match(rec.meta.error?.stack ?? '', /service\.(js|ts):\d+/);
    const ex = decodeRecording(rec);
    const last = ex.length - 1;
    const throwAt = [...Array(ex.length).keys()].find((i) => ex.kinds[i] === EventKind.Throw)!;
    assert.equal(ex.siteOf(throwAt)?.functionName, 'explode');
    assert.equal(ex.siteOf(throwAt)?.file, SOURCE, 'sites name the TypeScript source');
    assert.equal(ex.siteOf(last)?.functionName, '<module service.ts>', 'the exception unwinds through main, then the module that awaited it');
    assert.equal(ex.kinds[last], EventKind.Throw);
    const mainThrew = [...Array(ex.length).keys()].filter((i) => ex.kinds[i] === EventKind.Throw && ex.siteOf(i)?.functionName === 'main');
    assert.ok(mainThrew.length === 1 && mainThrew[0]! < last, 'main threw before the module did');
    assert.equal(calls(ex, 'handle'), 20);
    assert.equal(calls(ex, 'price'), 20);
    assert.ok(rec.files.some((f) => f.path === SOURCE), 'the code bundle holds the TypeScript source');
    // said as the notice says it, not by the exit code the crash left
    const trace = (...args: string[]) => spawnSync(process.execPath, [CLI, '--store', run.store, 'trace', ...args], { encoding: 'utf8', env: { ...ENV, NO_COLOR: '1' } }).stdout;
    assert.match(trace('list'), /│ crashed \(Error: boom in checkout: sum \d+\) +│/);
    assert.match(trace('show', rec.meta.id), /^ {2}crashed \(Error: boom in checkout: sum \d+\) at .*; trigger: crash$/m);
    const { start } = startRecordingSession(rec);
    assert.equal(start.status, 'crashed', 'the debugger too');
    assert.deepEqual([start.recordedEvents, start.traceEvents], [rec.meta.events, ex.length], 'it counts what the recording holds as `trace list` does, and the trace with its statements put back');
    assert.ok(ex.length > rec.meta.events, 'the recorder leaves statements out (sparse)');
  });

  it('SIGKILL from outside: nothing runs in the process, yet every event it wrote is archived', async () => {
    const run = await recordService('wait', { onReady: (pid) => process.kill(pid, 'SIGKILL') });
    assert.equal(run.code, 128 + 9);
    const rec = onlyRecording(run.store);
    assert.equal(rec.meta.reason, 'killed by SIGKILL');
    assert.equal(rec.meta.error, undefined);
    assert.match(run.stderr, new RegExp(` was killed by SIGKILL; recording ${rec.meta.id} archived`), 'killed, not crashed, as a shell says');
    assert.equal(startRecordingSession(rec).start.notes[0], 'the process was killed by SIGKILL; the cursor is at its last event');
    const ex = decodeRecording(rec);
    assert.equal(calls(ex, 'handle'), 20, 'all 20 requests before the kill are in the ring');
    // the kill comes as main says it is ready: before or after the module's body, which awaits main, ends
    const last = ex.siteOf(ex.length - 1)?.functionName ?? '';
    assert.ok(['main', '<module service.ts>'].includes(last), `the last event is main finishing its setup, or the module body after it: ${last}`);
  });

  for (const [mode, expected] of [
    ['reject', { code: 1, reason: 'exited with code 1', error: /nobody handled this refusal/ }],
    ['exit', { code: 3, reason: 'exited with code 3', error: undefined }],
    ['abort', { code: 128 + 6, reason: 'killed by SIGABRT', error: undefined }],
  ] as const) {
    it(`${mode === 'reject' ? 'an unhandled rejection' : mode === 'exit' ? 'process.exit(3)' : 'a native abort'}: archived, with how it ended`, async () => {
      const run = await recordService(mode);
      assert.equal(run.code, expected.code);
      const rec = onlyRecording(run.store);
      assert.equal(rec.meta.reason, expected.reason);
      if (expected.error) assert.match(rec.meta.error?.message ?? '', expected.error);
      else assert.equal(rec.meta.error, undefined);
      assert.equal(calls(decodeRecording(rec), 'handle'), 20);
    });
  }

  it('the heap out of memory, where no JavaScript runs as the process dies: archived, with what Node reported of it, and the trace ends where the memory ran out', async () => {
    const run = await recordService('oom', { nodeArgs: ['--max-old-space-size=32'] });
    assert.equal(run.code, 128 + 6);
    const rec = onlyRecording(run.store);
    assert.equal(rec.meta.reason, 'killed by SIGABRT');
    assert.equal(rec.meta.error?.name, 'OOMError');
    assert.match(rec.meta.error?.message ?? '', /^Allocation failed - JavaScript heap out of memory \(heap: [\d.]+ MB used, the limit [\d.]+ MB\)$/);
    assert.match(run.stderr, /crashed \(OOMError: Allocation failed - JavaScript heap out of memory \(heap: .*\)\); recording rec-/);
    assert.ok(!JSON.stringify(rec.meta).includes(process.env.PATH!), "the report's environment is not kept");
    const ex = decodeRecording(rec);
    assert.equal(calls(ex, 'handle'), 20);
    assert.equal(ex.siteOf(ex.length - 1)?.functionName, 'hoard');
  });

  it('--webhook: the crash notice is posted as JSON once the recording is stored; a webhook that fails or refuses is said, and the recording is kept', async () => {
    const posts: { url: string; type: string; body: Json }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d)).on('end', () => {
        posts.push({ url: req.url ?? '', type: req.headers['content-type'] ?? '', body: JSON.parse(body) as Json });
        res.writeHead(req.url === '/refuses' ? 500 : 204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const run = await recordService('throw', { args: ['--webhook', `http://127.0.0.1:${port}/crashes`] });
      const rec = onlyRecording(run.store);
      assert.equal(posts.length, 1);
      assert.equal(posts[0]!.url, '/crashes');
      assert.equal(posts[0]!.type, 'application/json');
      const body = posts[0]!.body;
      assert.equal(body.recording, rec.meta.id);
      assert.equal(body.trigger, 'crash');
      assert.equal(body.pid, rec.meta.pid);
      assert.match(body.error.message, /^boom in checkout: sum \d+$/);
      assert.equal(body.debug, `hindsight debug ${rec.meta.id}`);
      assert.match(body.vscode, new RegExp(`^vscode://hindsight\\.hindsight/debug\\?recording=${rec.meta.id}&store=`));

      const refused = await recordService('throw', { args: ['--webhook', `http://127.0.0.1:${port}/refuses`] });
      assert.match(refused.stderr, new RegExp(`the webhook http://127\\.0\\.0\\.1:${port}/refuses answered 500; the recording is stored all the same`));
      assert.equal(onlyRecording(refused.store).meta.trigger, 'crash');
    } finally {
      server.close();
    }
    const unreachable = await recordService('throw', { args: ['--webhook', `http://127.0.0.1:${port}/crashes`] });
    assert.match(unreachable.stderr, /the webhook http:\/\/127\.0\.0\.1:\d+\/crashes failed \(connect ECONNREFUSED 127\.0\.0\.1:\d+\); the recording is stored all the same/);
    assert.equal(onlyRecording(unreachable.store).meta.trigger, 'crash');
  });

  it('a program that ends normally leaves no recording, unless asked with --always', async () => {
    const plain = await recordService('ok');
    assert.equal(plain.code, 0);
    assert.match(plain.stdout, /done \d+/);
    const r = openRecordings({ path: plain.store });
    assert.deepEqual(r.list(), []);
    r.close();
    const always = await recordService('ok', { args: ['--always'] });
    assert.equal(onlyRecording(always.store).meta.trigger, 'exit');
  });

  it('a small ring wraps: the trace starts mid-program, with synthetic frames, and decodes without failing', async () => {
    const run = await recordService('throw', { args: ['--ring', '64KiB'] });
    const rec = onlyRecording(run.store);
    assert.equal(rec.meta.wrapped, false, '64KiB holds 4096 events: this run fits');
    const tiny = await recordService('wait', { args: ['--ring', '64KiB'], onReady: (pid) => process.kill(pid, 'SIGTERM') });
    assert.equal(onlyRecording(tiny.store).meta.reason, 'killed by SIGTERM');
  });

  it("a stop sent to hindsight record and passed on (Ctrl-C, a deploy's SIGTERM) is not a crash: nothing archived, unless --always, which keeps it as the end it was", async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const run = await recordService('wait', { onReady: (_pid, supervisor) => supervisor.kill(signal) });
      assert.deepEqual(listed(run.store), [], `${signal}: nothing archived`);
      assert.match(run.stderr, new RegExp(`was stopped by ${signal} \\(passed on by hindsight record\\); nothing archived \\(--always keeps`));
    }
    const kept = await recordService('wait', { args: ['--always'], onReady: (_pid, supervisor) => supervisor.kill('SIGTERM') });
    const rec = onlyRecording(kept.store);
    assert.deepEqual([rec.meta.trigger, rec.meta.reason], ['exit', 'stopped by SIGTERM (passed on by hindsight record)']);
    assert.match(kept.stderr, /stopped by SIGTERM \(passed on by hindsight record\); recording rec-\w+ archived/);
    // the same signal sent to the program by anything else is its death, as before (the small-ring test above)
    // and a worker the stop reaches before the program has ended is part of that end, not a crash of its own
    const slow = await recordService('slow-stop', { onReady: (_pid, supervisor) => supervisor.kill('SIGTERM') });
    assert.deepEqual(listed(slow.store), [], `nothing archived: ${slow.stderr}`);
    assert.match(slow.stderr, /was stopped by SIGTERM \(passed on by hindsight record\); nothing archived/);
  });

  it('snapshots of a live program: snapshot(reason) from its code, SIGUSR2, an error logged; it goes on running', async () => {
    const api = await recordService('snapshot');
    assert.equal(api.code, 0);
    assert.match(api.stdout, /snapshot asked: true[\s\S]*done/, 'the program went on after the snapshot');
    const fromApi = onlyRecording(api.store);
    assert.equal(fromApi.meta.trigger, 'snapshot');
    assert.match(fromApi.meta.reason, /^snapshot: after 20 requests, sum \d+$/);
    assert.equal(calls(decodeRecording(fromApi), 'handle'), 20);
    assert.match(startRecordingSession(fromApi).start.notes[0]!, /^a snapshot of the process, which went on running \(after 20 requests, sum \d+\); the cursor is at its last event$/, 'the debugger says what it is');

    let pid = 0;
    const signalled = await recordService('wait', {
      onReady: (p) => {
        pid = p;
        process.kill(p, 'SIGUSR2');
      },
      onStderr: (text) => {
        if (/was snapshotted/.test(text) && pid) {
          process.kill(pid, 'SIGTERM');
          pid = 0;
        }
      },
    });
    const r = openRecordings({ path: signalled.store });
    const metas = r.list();
    r.close();
    assert.deepEqual(metas.map((m) => m.reason).sort(), ['killed by SIGTERM', 'snapshot: SIGUSR2']);

    const logged = await recordService('log', { args: ['--on-error-log'] });
    assert.equal(logged.code, 0);
    assert.equal(onlyRecording(logged.store).meta.reason, 'snapshot: error logged: payment failed: card declined');
  });

  it('a snapshot of a program none of whose code is traced is kept, and the notice says what is traced and how to change it', async () => {
    const run = await recordService('snapshot', { include: '/nowhere/**' });
    assert.equal(run.code, 0);
    assert.equal(onlyRecording(run.store).meta.events, 0);
    assert.match(run.stderr, /recording rec-\w+ archived \(0 events\)\nhindsight: no traced code has run yet \(is --include right\? it traces \/nowhere\/\*\*\)/);
  });

  it('without a supervisor (node --import hindsight/register): a crash is archived by the process itself; a SIGKILLed one, whose ring is in memory (/dev/shm), is recovered by the next trace command, as is one an earlier version left beside the store', async () => {
    const cwd = mkdtempSync(path.join(dir, 'standalone-'));
    const store = path.join(cwd, '.hindsight', 'hindsight.db');
    const env = { ...ENV, HINDSIGHT_STORE: store, HINDSIGHT_INCLUDE: path.join(here, 'fixtures', '**') };
    const register = new URL('../../src/recorder/register.bundle.js', import.meta.url).href;
    const thrown = spawnSync(process.execPath, ['--import', register, SERVICE, 'throw'], { cwd, env, encoding: 'utf8' });
    assert.equal(thrown.status, 1);
    assert.match(thrown.stderr, /hindsight: exited with code 1 \(Error: boom in checkout: sum \d+\); recording rec-[0-9a-f]+ archived/);
    assert.equal(onlyRecording(store).meta.error?.message.startsWith('boom in checkout'), true);

    const killed = spawn(process.execPath, ['--import', register, SERVICE, 'wait'], { cwd, env });
    await new Promise<void>((resolve) => killed.stdout.on('data', (d: Buffer) => /ready/.test(String(d)) && resolve()));
    killed.kill('SIGKILL');
    await new Promise((r) => killed.once('close', r));
    // in memory, not on disk (the kernel would write a file's ring back as the program writes it)
    const left = readdirSync('/dev/shm').map((d) => path.join('/dev/shm', d, String(killed.pid))).filter((d) => existsSync(path.join(d, 'ring')));
    assert.equal(left.length, 1, `the killed process's ring in /dev/shm: ${left.join(', ')}`);

    // a ring in the folder beside the store (where earlier versions put it) is recovered too
    const earlier = spawn(process.execPath, ['--import', register, SERVICE, 'wait'], { cwd, env });
    await new Promise<void>((resolve) => earlier.stdout.on('data', (d: Buffer) => /ready/.test(String(d)) && resolve()));
    earlier.kill('SIGKILL');
    await new Promise((r) => earlier.once('close', r));
    const from = readdirSync('/dev/shm').map((d) => path.join('/dev/shm', d, String(earlier.pid))).find((d) => existsSync(d))!;
    cpSync(from, path.join(path.dirname(store), 'rings', String(earlier.pid)), { recursive: true });
    rmSync(from, { recursive: true });

    const list = spawnSync(process.execPath, [CLI, '--store', store, 'trace', 'list', '--json'], { cwd, encoding: 'utf8', env: ENV });
    const recordings = JSON.parse(list.stdout) as { reason: string; events: number }[];
    assert.deepEqual(recordings.map((r) => r.reason).sort(), ['died without a word (killed by a signal or a native crash)', 'died without a word (killed by a signal or a native crash)', 'exited with code 1']);
    assert.ok(recordings.every((r) => r.events > 0));
    assert.equal(existsSync(path.dirname(left[0]!)), false, "the store's spool in /dev/shm is gone once its rings are archived");
  });

  it('where memory has no room for the ring (a small /dev/shm), it is a file on disk instead, which the user is told; a worker whose ring has no room runs untraced; with no room on disk either, the program runs unrecorded; nothing dies of SIGBUS', async (t) => {
    const memory = smallMemory(t);
    if (memory === undefined) return;
    const env = { ...ENV, HINDSIGHT_MEMORY_DIR: memory };
    const crashed = await recordService('throw', { env });
    assert.equal(crashed.code, 1, crashed.stderr);
    assert.match(crashed.stderr, new RegExp(`hindsight: ${memory} has no room for the 64 MiB ring; it is a file in \\S+ instead`));
    assert.ok(onlyRecording(crashed.store).meta.events > 0);

    const standalone = spawnSync(process.execPath, ['--import', new URL('../../src/recorder/register.bundle.js', import.meta.url).href, SERVICE, 'throw'], { cwd: dir, encoding: 'utf8', env: { ...env, HINDSIGHT_STORE: path.join(mkdtempSync(path.join(dir, 'small-')), 'store.db'), HINDSIGHT_INCLUDE: path.join(here, 'fixtures', '**') } });
    assert.equal(standalone.status, 1);
    assert.match(standalone.stderr, /has no room for the 64 MiB ring; it is a file in \S+rings instead[^]*recording rec-[0-9a-f]+ archived/);

    // the main ring fits (16 MiB of 32), the worker's (32 MiB) does not
    const worker = await recordService('thread', { env, args: ['--always', '--ring', '16MiB', '--worker-ring', '32MiB'] });
    assert.match(worker.stdout, /thread done/, worker.stderr);
    assert.doesNotMatch(worker.stderr, /has no room for the 16 MiB ring/);
    assert.match(worker.stderr, /no room for the 32 MiB ring of worker thread \d+ in \S+: it runs untraced/);
    const r = openRecordings({ path: worker.store });
    const all = r.list();
    r.close();
    assert.deepEqual(all.map((m) => m.part === undefined), [true], 'the main recording, no part');

    // the disk (the temporary folder, the store's folder) has no room either: the program runs unrecorded, and says so
    const disk = smallMemory(t)!;
    const full = { ...env, TMPDIR: disk };
    const unrecorded = await recordService('throw', { env: full });
    assert.equal(unrecorded.code, 1, 'the program ran, and its exit is hindsight record\'s');
    assert.match(unrecorded.stderr, /boom in checkout/);
    assert.match(unrecorded.stderr, new RegExp(`hindsight: no room for the 64 MiB ring in ${memory} or ${disk}: the program runs unrecorded`));
    const alone = spawnSync(process.execPath, ['--import', new URL('../../src/recorder/register.bundle.js', import.meta.url).href, SERVICE, 'throw'], { cwd: dir, encoding: 'utf8', env: { ...full, HINDSIGHT_STORE: path.join(disk, 'store.db'), HINDSIGHT_INCLUDE: path.join(here, 'fixtures', '**') } });
    assert.equal(alone.status, 1);
    assert.match(alone.stderr, /hindsight: no room for the 64 MiB ring in \S+ or \S+rings: the program runs unrecorded/);
    assert.doesNotMatch(alone.stderr, /archived/);
  });

  it('HINDSIGHT_MEMORY_DIR naming no folder is said in one line, before the program starts', () => {
    const run = spawnSync(process.execPath, [CLI, '--store', path.join(mkdtempSync(path.join(dir, 'memory-')), 'store.db'), 'record', '--', process.execPath, '-e', "console.log('ran')"], { cwd: dir, encoding: 'utf8', env: { ...ENV, HINDSIGHT_MEMORY_DIR: path.join(dir, 'no-such-tmpfs') } });
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '', 'the program did not run');
    assert.match(run.stderr, /HINDSIGHT_MEMORY_DIR names \S+no-such-tmpfs, which does not exist: make it \(a tmpfs\) or unset it to keep rings in \/dev\/shm \[HS_E_MEMORY_DIR\]/);
  });

  it('SIGUSR2 to hindsight record before its program records (not Node.js, or not started yet) says so, and the supervisor goes on', async () => {
    const store = path.join(mkdtempSync(path.join(dir, 'early-')), 'store.db');
    const supervisor = spawn(process.execPath, [CLI, '--store', store, 'record', '--', 'sh', '-c', 'echo up; sleep 2'], { cwd: dir, env: ENV });
    let stderr = '';
    supervisor.stderr.on('data', (d: Buffer) => (stderr += d));
    // its program is running: the supervisor listens for the signal by then
    supervisor.stdout.once('data', () => supervisor.kill('SIGUSR2'));
    const code = await new Promise((r) => supervisor.once('close', r));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /hindsight: no snapshot \(SIGUSR2 to hindsight record\): sh has not started recording yet/);
  });

  it('a very hot, tiny function is demoted once its events are a tenth of the trace (looked at every 8192 calls): not traced from there on, and the recording says where and from when', async () => {
    const run = await recordService('hot', { args: ['--always'] });
    assert.match(run.stdout, /hot 250000/, 'the program computes the same with its function demoted');
    const rec = onlyRecording(run.store);
    // at 8192 calls it is first looked at; at 16384, its events over the last 8192 calls are most of the trace
    assert.deepEqual(rec.meta.demoted?.map((d) => [d.functionName, d.calls, d.file === SOURCE]), [['bump', 16_384, true]]);
    const ex = decodeRecording(rec);
    assert.equal(calls(ex, 'bump'), 16_384, 'its calls after the demotion are not in the trace');
    assert.equal(calls(ex, 'handle'), 20, 'the rest is traced as before');
    const { session } = startRecordingSession(rec);
    const set = await session.execute('break bump');
    const note = set.result?.kind === 'breakpoint' ? (set.result.breakpoint.note ?? '') : '';
    assert.match(note, /^'bump' was demoted \(too hot and too small to trace\): its calls after event \d+ are not in the trace$/, 'a breakpoint on it says so');
    // the event it names is in the trace's own numbering: bump's last traced call is at or just before it
    const after = Number(/after event (\d+)/.exec(note)![1]);
    const bumps = ex.functionOccurrences(ex.sites.functionSites('bump')[0]!);
    assert.ok(bumps.at(-1)! <= after && after - bumps.at(-1)! < 50, `bump's last traced call ${bumps.at(-1)} is at or just before event ${after}`);
    const shown = spawnSync(process.execPath, [CLI, '--store', run.store, 'trace', 'show', rec.meta.id], { encoding: 'utf8', env: ENV }).stdout;
    assert.match(shown, /^ {2}demoted \(too hot and too small to trace\): bump \(.*service\.ts:\d+\), after 16384 calls$/m, 'trace show lists it');
    const bumpSite = ex.sites.functionSites('bump');
    assert.deepEqual([...demotedSites(ex, rec.meta.demoted)], bumpSite, 'the recording names its site');
    const older = rec.meta.demoted!.map(({ site: _, ...d }) => d);
    assert.deepEqual([...demotedSites(ex, older)], bumpSite, 'one made before demotions named their site: found by name, file and line');
    const latency = spawnSync(process.execPath, [CLI, '--store', run.store, 'trace', 'latency', rec.meta.id], { encoding: 'utf8', env: ENV }).stdout;
    assert.match(latency, /^bump \(.*service\.ts:\d+\) was demoted after 16384 calls \(too hot and too small to trace\): call paths go through it without naming it, as they do after its demotion$/m, 'trace latency says what it does with it');
    await session.close();
    const plain = await recordService('hot', { args: ['--always', '--no-demote'] });
    assert.equal(calls(decodeRecording(onlyRecording(plain.store)), 'bump'), 250_000);
  });

  it('a worker thread and a child process record into rings of their own (sized by --worker-ring), archived with the main one as its parts', async () => {
    for (const [mode, kind] of [['thread', 'worker thread'], ['fork', 'process']] as const) {
      const run = await recordService(mode, { args: ['--always', '--worker-ring', '256KiB'] });
      assert.match(run.stdout, new RegExp(`${mode} done`));
      const r = openRecordings({ path: run.store });
      const all = r.list().map((m) => r.get(m.id)!);
      r.close();
      const main = all.find((x) => !x.meta.part)!;
      const parts = all.filter((x) => x.meta.part);
      assert.equal(parts.length, 1, `${mode}: one part, not ${parts.length}`);
      const { part } = parts[0]!.meta;
      assert.deepEqual([part!.kind, part!.of], [kind, main.meta.id]);
      assert.match(parts[0]!.meta.reason, new RegExp(`^exited normally \\(${kind} ${part!.id} of ${main.meta.id}\\)$`));
      assert.equal(calls(decodeRecording(main), 'handle'), 20, `${mode}: the main thread's 20 requests, whole`);
      assert.equal(calls(decodeRecording(parts[0]!), 'handle'), 20, `${mode}: the ${kind}'s own 20 requests`);
      assert.equal(ringHeader(main.ring).capacity / ringHeader(parts[0]!.ring).capacity, 256, `${mode}: the ${kind}'s ring is 256KiB, the program's 64MiB`);
      assert.match(run.stderr, new RegExp(`with it, ${kind} ${part!.id}'s own ring: recording ${parts[0]!.meta.id}`));
    }
  });

  it('a launcher that runs no traced code itself (npx tsx, npm start): the program it started is archived, once, and the notice points at it', () => {
    const cwd = mkdtempSync(path.join(dir, 'launcher-'));
    // two launchers, as `npx tsx` is: each starts the next and exits with its code, the outer one
    // after the supervisor has seen the inner ones die while it runs
    const launch = (next: string, ms: number) => `import { spawn } from 'node:child_process';\nspawn(process.execPath, ['${next}'], { stdio: 'inherit' }).on('exit', (code) => setTimeout(() => process.exit(code ?? 1), ${ms}));\n`;
    writeFileSync(path.join(cwd, 'launch.mjs'), launch('tsx.mjs', 500));
    writeFileSync(path.join(cwd, 'tsx.mjs'), launch('app.mjs', 0));
    writeFileSync(path.join(cwd, 'app.mjs'), "function boom(n) {\n  if (n > 2) throw new Error('boom ' + n);\n  return n;\n}\nfor (let i = 0; i < 5; i++) boom(i);\n");
    const store = path.join(cwd, 'store.db');
    // the launcher untraced, as npm is (not the program's own files)
    const run = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--exclude', '**/launch.mjs', '--exclude', '**/tsx.mjs', '--', process.execPath, 'launch.mjs'], { cwd, env: ENV, encoding: 'utf8' });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /^hindsight: node ran no traced code itself \(a launcher, such as npm, is not the program's code\); the processes it started did$/m);
    assert.doesNotMatch(run.stderr, /nothing to archive/);
    const r = openRecordings({ path: store });
    const all = r.list().map((m) => r.get(m.id)!);
    r.close();
    const app = all.find((x) => x.meta.part?.kind === 'process');
    assert.equal(all.length, 2, `the launcher's recording and the program's, once: ${all.map((x) => x.meta.reason).join('; ')}`);
    assert.equal(app?.meta.error?.message, 'boom 3', "the program's crash is its recording's");
    assert.deepEqual(app!.meta.command, ['node', 'app.mjs'], 'named by its own command, not the launcher’s');
    assert.match(run.stderr, new RegExp(`^hindsight: debug process ${app!.meta.part!.id} backwards with: hindsight debug ${app!.meta.id}$`, 'm'));
    const p = startRecordingSession(app!).session.position();
    assert.deepEqual([p.function, p.line], ['boom', 2]);
    // the launcher's own recording leads to the program's
    const launcher = all.find((x) => !x.meta.part)!.meta.id;
    const shown = spawnSync(process.execPath, [CLI, '--store', store, 'trace', 'show', launcher], { cwd, env: ENV, encoding: 'utf8' }).stdout;
    assert.match(shown, new RegExp(`^  with it, process ${app!.meta.part!.id} \\(node app\\.mjs\\): ${app!.meta.id}, crashed`, 'm'));
    assert.match(shown, new RegExp(`^  it ran no traced code itself \\(a launcher, such as npm\\); debug the program it started: hindsight debug ${app!.meta.id}$`, 'm'));
    const debugged = spawnSync(process.execPath, [CLI, '--store', store, 'debug', launcher], { cwd, env: ENV, encoding: 'utf8', input: 'quit\n' }).stdout;
    assert.match(debugged, new RegExp(`^Debugging recording ${app!.meta.id} `, 'm'), 'the launcher\'s recording opens the program\'s');
    assert.match(debugged, /ran no traced code itself \(a launcher, such as npm\): this is the process it started/);
  });

  it('a worker thread or child process that dies while the program goes on is archived at once, as the crash it was, with the program as it is', async () => {
    for (const [mode, kind, how] of [
      ['thread-crash', 'worker thread', /crashed: Error: boom in checkout: sum \d+/],
      ['fork-kill', 'process', /died without exiting \(killed by a signal or aborted\)/],
    ] as const) {
      const run = await recordService(mode);
      assert.equal(run.code, 0, `${mode}: the program ended well: ${run.stderr}`);
      assert.match(run.stdout, /still serving/);
      const r = openRecordings({ path: run.store });
      const all = r.list().map((m) => r.get(m.id)!);
      r.close();
      const dead = all.filter((x) => x.meta.part);
      assert.equal(dead.length, 1, `${mode}: the dead ${kind}'s ring, once: ${all.map((x) => x.meta.reason).join('; ')}`);
      const [part] = dead;
      const program = all.find((x) => x.meta.id === part!.meta.part!.of)!;
      assert.equal(program.meta.trigger, 'snapshot', `${mode}: the program is taken as it is, not ended`);
      assert.match(program.meta.reason, new RegExp(`^snapshot: ${kind} ${part!.meta.part!.id} ${how.source}$`));
      assert.deepEqual([part!.meta.trigger, part!.meta.part!.kind], ['crash', kind]);
      assert.match(run.stderr, new RegExp(`^hindsight: debug ${kind} ${part!.meta.part!.id} backwards with: hindsight debug ${part!.meta.id}$`, 'm'), `${mode}: the notice points at the dead part's own recording`);
      assert.equal(calls(decodeRecording(part!), 'handle') >= 20, true, `${mode}: the ${kind}'s requests are in its ring`);
      if (kind === 'worker thread') {
        assert.match(part!.meta.error?.message ?? '', /^boom in checkout/, 'the thread\'s error is its recording\'s');
        assert.equal(calls(decodeRecording(part!), 'explode'), 1);
        assert.match(startRecordingSession(part!).start.notes[0]!, new RegExp(`^worker thread ${part!.meta.part!.id} died of Error: boom in checkout`), 'the thread died, not the process');
      }
      assert.equal(all.length, 2, `${mode}: nothing else archived (the program ended well)`);
    }
  });

  it("a cluster's rolling restart (each worker stopped in turn, the others serving) archives each stopped worker's ring once, with the program, never its siblings'", async () => {
    const run = await recordService('fork-restart');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /restarted, still serving/);
    const all = listed(run.store);
    const programs = all.filter((m) => !m.part);
    const parts = all.filter((m) => m.part);
    assert.equal(programs.length, 3, `a snapshot of the program at each worker's end: ${all.map((m) => m.reason).join('; ')}`);
    assert.deepEqual(programs.map((p) => parts.filter((m) => m.part!.of === p.id).length), [1, 1, 1], 'each with the stopped worker alone');
    assert.equal(new Set(parts.map((m) => m.part!.id)).size, 3, 'each worker once');
    for (const p of programs) assert.match(p.reason, new RegExp(`^snapshot: process ${parts.find((m) => m.part!.of === p.id)!.part!.id} `));
  });

  it('snapshot(reason) in a worker thread or a child process reaches the supervisor, not the program: the program as it is, with the asking part', async () => {
    for (const [mode, kind] of [['thread-snapshot', 'worker thread'], ['fork-snapshot', 'process']] as const) {
      const run = await recordService(mode);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /snapshot asked: true/);
      assert.doesNotMatch(run.stdout, /the program got a message/, `${mode}: the program's own channel is left alone`);
      const r = openRecordings({ path: run.store });
      const all = r.list().map((m) => r.get(m.id)!);
      r.close();
      const program = all.filter((x) => !x.meta.part);
      assert.equal(program.length, 1, `${mode}: one snapshot: ${all.map((x) => x.meta.reason).join('; ')}`);
      assert.match(program[0]!.meta.reason, new RegExp(`^snapshot: after 20 requests, sum \\d+ \\(asked by ${kind} \\d+\\)$`));
      const part = all.find((x) => x.meta.part?.of === program[0]!.meta.id);
      assert.ok(part, `${mode}: the asking ${kind}'s ring is archived with it`);
      assert.equal(calls(decodeRecording(part), 'handle'), 20);
    }
    // with a sibling serving on: the asking worker's ring alone, as a slow request in one of a cluster's workers would take
    const run = await recordService('fork-snapshot-sibling');
    assert.equal(run.code, 0, run.stderr);
    const all = listed(run.store);
    assert.deepEqual(all.map((m) => (m.part ? 'part' : m.trigger)).sort(), ['part', 'snapshot'], `the program and the asking worker: ${all.map((m) => m.reason).join('; ')}`);
    assert.match(all.find((m) => !m.part)!.reason, new RegExp(`\\(asked by process ${all.find((m) => m.part)!.part!.id}\\)$`));
  });

  it('debug a recording from its exported file, on another machine: same trace, listings from its code bundle; a damaged file is refused', async () => {
    const run = await recordService('throw');
    const rec = onlyRecording(run.store);
    const file = path.join(path.dirname(run.store), 'crash.json');
    const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', env: ENV });
    assert.equal(cli(['--store', run.store, 'trace', 'export', rec.meta.id, '-o', file]).status, 0);
    const script = path.join(path.dirname(run.store), 'script.txt');
    writeFileSync(script, 'where\nlist\nprint $exception\nreverse-finish\nbt\nprint sum\n');
    const out = cli(['debug', file, '--commands', script, '--json']);
    assert.equal(out.status, 0, out.stderr);
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    assert.equal(lines[0]!.result.source, 'recording');
    assert.equal(lines[0]!.result.traceEvents, decodeRecording(rec).length);
    // the cursor is at the crash: the statement that threw, in explode
    assert.ok(lines[2]!.result.listing.lines.some((l: { text: string }) => l.text.includes('throw new Error(`boom in checkout: ${reason}`);')), 'the listing shows the recorded code');
    assert.match(lines[3]!.result.text, /^Error: boom in checkout: sum \d+ \(the error that killed the process\)$/, 'the error is a value where it was thrown');
    assert.equal(lines.at(-1)!.error.code, 'HS_E_VALUES_NOT_CAPTURED');
    writeFileSync(file, JSON.stringify({ format: 'hindsight-recording', version: 2 }));
    const bad = cli(['debug', file]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /format 2; this hindsight reads format 1, upgrade it \[HS_E_RECORDING_FILE_VERSION\]/);
  });

  it('bad input: a ring size, an inlining budget or a --slow duration that is not one, a program that does not exist or fails before its code runs: one clear line and no recording', async () => {
    const bad = await recordService('ok', { args: ['--ring', 'lots'] });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--ring "lots" is not a size of at least 64KiB; write it like 64MiB/);
    const badWorker = await recordService('ok', { args: ['--worker-ring', '1KiB'] });
    assert.equal(badWorker.code, 1);
    assert.match(badWorker.stderr, /--worker-ring "1KiB" is not a size of at least 64KiB/);
    const badBudget = await recordService('ok', { args: ['--inlining-budget', 'lots'] });
    assert.equal(badBudget.code, 1);
    assert.match(badBudget.stderr, /--inlining-budget "lots" is not a number of bytes; write it like --inlining-budget 4000, or 0 for V8's own/);
    const badSlow = await recordService('ok', { args: ['--slow', 'lots'] });
    assert.equal(badSlow.code, 1);
    assert.match(badSlow.stderr, /--slow "lots" is not a duration; use milliseconds or text like '30s'/);
    const store = path.join(mkdtempSync(path.join(dir, 'bad-')), 'store.db');
    const missing = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--', process.execPath, path.join(dir, 'no-such-app.js')], { cwd: dir, encoding: 'utf8', env: ENV });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /ended \(Error: Cannot find module .*no-such-app\.js.*\) before any traced code ran; nothing to archive/);
    const notAProgram = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--', 'no-such-program-anywhere'], { cwd: dir, encoding: 'utf8', env: ENV });
    assert.equal(notAProgram.status, 1);
    assert.match(notAProgram.stderr, /cannot run no-such-program-anywhere: spawn no-such-program-anywhere ENOENT \[HS_E_RECORD_SPAWN\]/);
  });

  it('a program whose files are reached through a symbolic link (a workspace package) is traced by their real path: when nothing was, the notice says which glob to pass', () => {
    const cwd = mkdtempSync(path.join(dir, 'linked-'));
    const real = mkdtempSync(path.join(dir, 'real-pkg-'));
    writeFileSync(path.join(real, 'main.cjs'), "function fail() { throw new Error('linked'); }\nfail();\n");
    mkdirSync(path.join(cwd, 'node_modules'));
    symlinkSync(real, path.join(cwd, 'node_modules', 'pkg'));
    const run = spawnSync(process.execPath, [CLI, '--store', path.join(cwd, 'store.db'), 'record', '--include', 'node_modules/pkg/**', '--', process.execPath, 'node_modules/pkg/main.cjs'], { cwd, encoding: 'utf8', env: ENV });
    assert.equal(run.status, 1);
    const suggested = `${realpathSync(real)}/**`;
    assert.ok(run.stderr.includes(`it traces node_modules/pkg/**; globs match files where they really are: --include '${suggested}'`), run.stderr);
    const again = spawnSync(process.execPath, [CLI, '--store', path.join(cwd, 'store.db'), 'record', '--include', suggested, '--', process.execPath, 'node_modules/pkg/main.cjs'], { cwd, encoding: 'utf8', env: ENV });
    assert.match(again.stderr, /crashed \(Error: linked\); recording rec-\w+ archived/, 'traced with the glob it suggested');
  });
});
