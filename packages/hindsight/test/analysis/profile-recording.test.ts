/**
 * `hindsight trace profile` on a real recording: a batch job (no requests for `trace latency`)
 * that computes for a while in one function and waits in another. The computing function leads
 * by its self time; the waiting is nobody's.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FunctionTime } from '../../src/analysis/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../../src/cli/main.js');
const ENV = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };
const SPIN_MS = 60;
const WAIT_MS = 150;

const JOB = `function inc(n) {
  return n + 1;
}
function spin(ms) {
  const until = performance.now() + ms;
  let n = 0;
  while (performance.now() < until) n = inc(n);
  return n;
}
function step(i) {
  return spin(${SPIN_MS / 3}) + i;
}
async function pause() {
  await new Promise((resolve) => setTimeout(resolve, ${WAIT_MS}));
}
async function main() {
  let total = 0;
  for (let i = 0; i < 3; i++) total += step(i);
  await pause();
  console.log(total > 0 ? 'done' : 'none');
}
main();
`;

describe('hindsight trace profile: where a recorded batch job spent its time', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-profile-'));
  const store = path.join(dir, 'store.db');
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, '--store', store, ...args], { cwd: dir, env: ENV, encoding: 'utf8' });
  let id: string;
  before(() => {
    writeFileSync(path.join(dir, 'job.mjs'), JOB);
    const run = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--always', '--json', '--', process.execPath, 'job.mjs'], { cwd: dir, env: ENV, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    id = (JSON.parse(cli('trace', 'list', '--json').stdout) as { id: string }[])[0]!.id;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the function that computed leads by self time; the one that waited has next to none; totals hold their callees', () => {
    const out = cli('trace', 'profile', id, '--json');
    assert.equal(out.status, 0, out.stderr);
    const p = JSON.parse(out.stdout) as { span: number; running: number; functions: FunctionTime[] };
    const by = (name: string) => p.functions.find((f) => f.name === name)!;
    assert.equal(p.functions[0]!.name, 'spin');
    assert.deepEqual([by('spin').calls, by('step').calls, by('pause').calls, by('main').calls], [3, 3, 1, 1]);
    // the clock decides how long spin runs: at least SPIN_MS of wall time, whatever the machine does.
    // Until inc is demoted, the time of spin's untraced calls (performance.now) is spread over inc's
    // events too (an estimate, said under the table): on a slow machine inc's share was 9 ms of 64
    assert.ok(by('spin').total >= SPIN_MS * 0.95, `spin ran ${by('spin').total} ms`);
    assert.ok(by('spin').self > by('spin').total / 2, `most of it in spin itself: ${by('spin').self} of ${by('spin').total} ms`);
    assert.ok(p.span >= SPIN_MS + WAIT_MS * 0.95, `the trace spans ${p.span} ms`);
    assert.ok(by('pause').total < WAIT_MS / 3, `pause waited, it did not run: ${by('pause').total} ms`);
    assert.ok(by('step').total >= by('spin').self && by('main').total >= by('step').total + by('pause').total);
    assert.ok(Math.abs(p.functions.reduce((s, f) => s + f.self, 0) - p.running) < 1e-6, 'running time is the sum of self times');
  });

  it('prints a table, the first functions by the order asked for, and the functions demoted; bad flags say what to pass', () => {
    const out = cli('trace', 'profile', id, '--by', 'calls', '--limit', '3');
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`^${id}: traced code ran for [\\d.]+ ms of the [\\d.]+ ms the trace spans$`, 'm'));
    const rows = out.stdout.split('\n').filter((l) => /^│ (?!Function)/.test(l)).map((l) => l.split('│')[1]!.trim());
    assert.deepEqual(rows, ['inc', 'spin', 'step'], 'inc, called until it was demoted, then the two functions called three times, the greater self time first');
    assert.match(out.stdout, /4 more functions; --limit 7 shows them all/, 'pause, main, the module and the promise executor');
    assert.match(out.stdout, /^inc \(.*job\.mjs:\d+\) was demoted after \d+ calls \(too hot and too small to trace\): its later calls are not counted, their time is their callers' self time$/m);
    const bad = cli('trace', 'profile', id, '--by', 'time');
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim(), 'error --by "time" is not one of self, total, calls; self is the time in a function\'s own code, total with what it called [HS_E_INVALID_INPUT]');
  });

  it('--group: the functions of one entry point’s requests only; an unknown one names the entry points', () => {
    const out = cli('trace', 'profile', id, '--group', 'main', '--json');
    assert.equal(out.status, 0, out.stderr);
    const p = JSON.parse(out.stdout) as { group: string; requests: number; running: number; functions: FunctionTime[] };
    assert.deepEqual([p.group, p.requests], ['main', 1]);
    assert.deepEqual(p.functions.map((f) => f.name).sort(), ['<anonymous>', 'inc', 'main', 'pause', 'spin', 'step'], 'not the module’s body, which called main and did not wait for it');
    const unknown = cli('trace', 'profile', id, '--group', 'handle');
    assert.equal(unknown.status, 1);
    assert.equal(unknown.stderr.trim(), `error no request enters at "handle" in ${id}; the entry points are: main [HS_E_UNKNOWN_GROUP]`, 'not the module’s body, which is the program starting');
  });

  it('trace latency, which finds no complete request in a ring that the job wrapped, points at the profile', () => {
    const wrapped = path.join(dir, 'wrapped.db');
    const run = spawnSync(process.execPath, [CLI, '--store', wrapped, 'record', '--always', '--ring', '64KiB', '--', process.execPath, 'job.mjs'], { cwd: dir, env: ENV, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const [{ id: small }] = JSON.parse(spawnSync(process.execPath, [CLI, '--store', wrapped, 'trace', 'list', '--json'], { cwd: dir, env: ENV, encoding: 'utf8' }).stdout) as { id: string }[];
    const out = spawnSync(process.execPath, [CLI, '--store', wrapped, 'trace', 'latency', small!], { cwd: dir, env: ENV, encoding: 'utf8' });
    assert.equal(out.status, 1);
    assert.match(out.stderr, new RegExp(`holds no complete request .*; for where a program without requests spent its time: hindsight trace profile ${small} \\[HS_E_NO_REQUESTS\\]`));
  });
});
