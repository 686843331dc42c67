/**
 * The slow-request trigger and `hindsight record`'s config file: a real HTTP service under a real
 * supervisor, snapshotted when one of its requests takes too long; settings read from
 * hindsight.config.json, overridden by flags, and refused in one line when wrong.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeRecording, readRing } from '../../src/recorder/index.js';
import { oncePerBurst, watchSlowRequests } from '../../src/recorder/slow-requests.js';
import { openRecordings, type Recording } from '../../src/store/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../../src/cli/main.js');
const ENV = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };
const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-triggers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Answers /fast at once and /slow after 300 ms; /quit closes the server, and the program ends. */
const SERVICE = `import http from 'node:http';
function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
async function slowReport(res) {
  await wait(300);
  res.end('slow');
}
const server = http.createServer((req, res) => {
  if (req.url === '/slow') return void slowReport(res);
  if (req.url === '/quit') server.close();
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
`;

const get = (port: number, url: string) =>
  new Promise<void>((resolve, reject) => http.get({ host: '127.0.0.1', port, path: url }, (res) => res.resume().on('end', resolve)).on('error', reject));

/** Runs the service under `hindsight record` in its own folder (with `config` as hindsight.config.json) and sends it /fast, /slow, /quit. */
async function recordService(name: string, args: string[], config?: unknown): Promise<{ code: number | null; stderr: string; recordings: Recording[] }> {
  const cwd = path.join(dir, name);
  mkdirSync(cwd);
  writeFileSync(path.join(cwd, 'service.mjs'), SERVICE);
  if (config !== undefined) writeFileSync(path.join(cwd, 'hindsight.config.json'), JSON.stringify(config));
  const store = path.join(cwd, 'store.db');
  const child = spawn(process.execPath, [CLI, '--store', store, 'record', ...args, '--', process.execPath, 'service.mjs'], { cwd, env: ENV });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  let out = '';
  child.stdout.on('data', async (d: Buffer) => {
    out += d;
    const m = /port (\d+)/.exec(out);
    if (!m) return;
    out = '';
    const port = Number(m[1]);
    await get(port, '/fast');
    await get(port, '/slow');
    // the snapshot is taken while the program goes on: wait for its notice before ending the program
    while (!/was snapshotted/.test(stderr)) await new Promise((r) => setTimeout(r, 20));
    await get(port, '/quit');
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const r = openRecordings({ path: store });
  try {
    return { code, stderr, recordings: r.list().map((m) => r.get(m.id)!) };
  } finally {
    r.close();
  }
}

describe('the slow-request trigger', () => {
  it('calls back once for a request over the threshold, not for fast ones, and once per burst', async () => {
    const reasons: string[] = [];
    watchSlowRequests(100, oncePerBurst((reason) => reasons.push(reason)));
    const server = http.createServer((req, res) => void setTimeout(() => res.end('x'), req.url === '/slow' ? 200 : 0));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      await get(port, '/fast');
      assert.deepEqual(reasons, []);
      await get(port, '/slow');
      await get(port, '/slow?again');
      assert.equal(reasons.length, 1, reasons.join('; '));
      assert.match(reasons[0]!, /^slow request: GET \/slow took \d+ ms \(threshold 100 ms\)$/);
    } finally {
      server.close();
    }
  });

  it('hindsight record --slow snapshots the service while it goes on; the recording holds the slow handler', async () => {
    const run = await recordService('flag', ['--slow', '200']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.recordings.length, 1, run.stderr);
    const [snap] = run.recordings;
    assert.equal(snap!.meta.trigger, 'snapshot');
    assert.match(snap!.meta.reason, /^snapshot: slow request: GET \/slow took \d+ ms \(threshold 200 ms\)$/);
    assert.match(run.stderr, new RegExp(`was snapshotted, and goes on \\(slow request: GET /slow took \\d+ ms \\(threshold 200 ms\\)\\); recording ${snap!.meta.id} archived`));
    const ex = decodeRecording(snap!);
    const names = new Set(Array.from({ length: ex.length }, (_, i) => ex.siteOf(i)?.functionName));
    assert.ok(names.has('slowReport'), [...names].join(', '));
  });
});

/** A job runner, no HTTP: a timer hands jobs to an async handler; the second job takes 300 ms, and so does the module's own start. */
const JOBS = `function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
async function handle(job) {
  await wait(job.ms);
  console.log('done ' + job.id);
}
await wait(300);
const jobs = [{ id: 1, ms: 5 }, { id: 2, ms: 300 }, { id: 3, ms: 5 }];
let next = 0;
const timer = setInterval(() => {
  const job = jobs[next++];
  if (job) return void handle(job);
  clearInterval(timer);
  setTimeout(() => console.log('end'), 500);
}, 20);
`;

describe('the slow-work trigger', () => {
  it('hindsight record --slow snapshots a program that serves no HTTP when an async unit of work the event loop started is slow; its own start is not one (--slow takes a duration with its unit too: 0.2s)', async () => {
    const cwd = path.join(dir, 'jobs');
    mkdirSync(cwd);
    writeFileSync(path.join(cwd, 'jobs.mjs'), JOBS);
    const store = path.join(cwd, 'store.db');
    const out = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--slow', '0.2s', '--', process.execPath, 'jobs.mjs'], { cwd, env: ENV, encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout, 'done 1\ndone 3\ndone 2\nend\n');
    const r = openRecordings({ path: store });
    try {
      const snaps = r.list();
      assert.equal(snaps.length, 1, out.stderr);
      assert.match(snaps[0]!.reason, /^snapshot: slow work: handle \(jobs\.mjs:4\) took 3\d\d ms \(threshold 200 ms\)$/);
      const ex = decodeRecording(r.get(snaps[0]!.id)!);
      assert.ok(Array.from({ length: ex.length }, (_, i) => ex.siteOf(i)?.functionName).includes('handle'));
    } finally {
      r.close();
    }
  });
});

describe('triggers under a launcher (npm start)', () => {
  it('the program a launcher started asks for its own snapshots: --slow watches its work, and the notice points at its ring', () => {
    const cwd = path.join(dir, 'launched');
    mkdirSync(cwd);
    writeFileSync(path.join(cwd, 'jobs.mjs'), JOBS);
    writeFileSync(path.join(cwd, 'launch.mjs'), "import { spawn } from 'node:child_process';\nspawn(process.execPath, ['jobs.mjs'], { stdio: 'inherit' }).on('exit', (code) => process.exit(code ?? 1));\n");
    const store = path.join(cwd, 'store.db');
    const out = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--slow', '200', '--exclude', '**/launch.mjs', '--', process.execPath, 'launch.mjs'], { cwd, env: ENV, encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const r = openRecordings({ path: store });
    try {
      const all = r.list();
      const part = all.find((m) => m.part);
      assert.equal(all.length, 2, out.stderr);
      assert.match(part?.reason ?? '', /^snapshot: slow work: handle \(jobs\.mjs:4\) took 3\d\d ms \(threshold 200 ms\) \(asked by process \d+\) \(process \d+ of rec-\w+\)$/);
      assert.match(out.stderr, new RegExp(`^hindsight: debug process ${part!.part!.id} backwards with: hindsight debug ${part!.id}$`, 'm'));
    } finally {
      r.close();
    }
  });
});

describe('hindsight record: settings from hindsight.config.json', () => {
  it('the config file sets the trigger and the ring; a flag overrides the file', async () => {
    const fromFile = await recordService('file', [], { record: { slow: 200, ring: '1MiB' } });
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal(fromFile.recordings.length, 1);
    const overridden = await recordService('override', ['--ring', '4MiB'], { record: { slow: 200, ring: '1MiB' } });
    assert.equal(overridden.recordings.length, 1, 'the file still sets the trigger');
    const capacity = (r: { recordings: Recording[] }) => readRing(r.recordings[0]!.ring).capacity;
    assert.equal(capacity(overridden), 4 * capacity(fromFile), 'the flag took the ring from 1MiB to 4MiB');
  });

  it('a wrong config is refused in one line before the program starts', () => {
    const cases: [unknown, RegExp][] = [
      [{ record: { rign: '1MiB' } }, /hindsight\.config\.json: unknown setting record\.rign; the settings are ring, workerRing, include, .* \[HS_E_RECORD_CONFIG\]$/],
      [{ record: { include: 'src/**' } }, /record\.include must be a list of globs, not "src\/\*\*" \[HS_E_RECORD_CONFIG\]$/],
      [{ record: [] }, /"record" must be an object of settings \[HS_E_RECORD_CONFIG\]$/],
      ['{ not json', /hindsight\.config\.json is not JSON .* \[HS_E_RECORD_CONFIG\]$/],
    ];
    for (const [config, expected] of cases) {
      const cwd = mkdtempSync(path.join(dir, 'bad-'));
      writeFileSync(path.join(cwd, 'hindsight.config.json'), typeof config === 'string' ? config : JSON.stringify(config));
      writeFileSync(path.join(cwd, 'app.mjs'), "console.log('the program ran');");
      const r = spawnSync(process.execPath, [CLI, '--store', path.join(cwd, 'store.db'), 'record', '--', process.execPath, 'app.mjs'], { cwd, env: ENV, encoding: 'utf8' });
      assert.equal(r.status, 1, JSON.stringify(config));
      assert.match(r.stderr.trim(), expected);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      assert.doesNotMatch(r.stdout, /the program ran/);
    }
    const missing = spawnSync(process.execPath, [CLI, 'record', '--config', 'nowhere.json', '--', process.execPath, '-e', '0'], { cwd: dir, env: ENV, encoding: 'utf8' });
    assert.match(missing.stderr.trim(), /no config file at .*nowhere\.json; write one like .* \[HS_E_RECORD_CONFIG\]$/);
  });
});
