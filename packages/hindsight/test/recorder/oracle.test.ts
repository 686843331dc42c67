/**
 * The flight recorder against an outside oracle: V8 itself. Real npm packages' code (picomatch,
 * commander) runs once under NODE_V8_COVERAGE (precise coverage with call counts) and once under
 * `hindsight record`; every function both know must have been called as many times in the decoded
 * recording as V8 counted.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeRecording } from '../../src/recorder/index.js';
import { openRecordings } from '../../src/store/index.js';
import { EventKind } from '../../src/trace/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../../src/cli/main.js');
const SCRIPT = path.join(here, 'fixtures', 'oracle.js');
const require = createRequire(import.meta.url);
/** The package folders: above each package's main file, up to its node_modules entry. */
const PACKAGES = ['picomatch', 'commander'].map((p) => {
  const main = require.resolve(p);
  return main.slice(0, main.indexOf(`${path.sep}node_modules${path.sep}${p}${path.sep}`) + `${path.sep}node_modules${path.sep}${p}`.length);
});
const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-oracle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface V8Function {
  functionName: string;
  ranges: { startOffset: number; endOffset: number; count: number }[];
}

/** `file:line:column` (1-based) of an offset in a file's text. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/** Calls per function of the packages, as V8 counted them: `file:line:column` -> count. */
function v8Counts(): Map<string, number> {
  const coverage = path.join(dir, 'coverage');
  const run = spawnSync(process.execPath, [SCRIPT], { env: { ...process.env, NODE_OPTIONS: '', NODE_V8_COVERAGE: coverage }, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const counts = new Map<string, number>();
  for (const f of readdirSync(coverage)) {
    const { result } = JSON.parse(readFileSync(path.join(coverage, f), 'utf8')) as { result: { url: string; functions: V8Function[] }[] };
    for (const script of result) {
      if (!script.url.startsWith('file:')) continue;
      const file = fileURLToPath(script.url);
      if (!PACKAGES.some((p) => file.startsWith(p + path.sep))) continue;
      const text = readFileSync(file, 'utf8');
      for (const fn of script.functions) {
        const range = fn.ranges[0]!;
        if (range.startOffset === 0 && fn.functionName === '') continue; // the module itself
        const { line, column } = position(text, range.startOffset);
        counts.set(`${file}:${line}:${column}`, range.count);
      }
    }
  }
  return counts;
}

/** Calls per function of the packages in the decoded recording (its Enter events). */
function recordedCounts(): Map<string, number> {
  const store = path.join(dir, 'store.db');
  const include = PACKAGES.flatMap((p) => ['--include', path.join(p, '**')]);
  const run = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--always', '--ring', '256MiB', ...include, '--', process.execPath, SCRIPT], {
    cwd: dir,
    env: { ...process.env, NODE_OPTIONS: '' },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  const recordings = openRecordings({ path: store });
  try {
    const rec = recordings.get(recordings.list()[0]!.id)!;
    assert.equal(rec.meta.wrapped, false, 'the ring did not wrap: every call is in it');
    const ex = decodeRecording(rec);
    const counts = new Map<string, number>();
    for (let i = 0; i < ex.length; i++) {
      if (ex.kinds[i] !== EventKind.Enter) continue;
      const s = ex.siteOf(i)!;
      const key = `${s.file}:${s.line}:${s.column}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  } finally {
    recordings.close();
  }
}

describe('the flight recorder agrees with V8 on how often each function of real npm packages was called', () => {
  it('picomatch and commander: every function V8 saw called is in the recording, called as many times', (t) => {
    const v8 = v8Counts();
    const recorded = recordedCounts();
    const called = [...v8].filter(([, n]) => n > 0);
    const both = called.filter(([key]) => recorded.has(key));
    const differ = both.filter(([key, n]) => recorded.get(key) !== n).map(([key, n]) => `${key}: V8 ${n}, recorded ${recorded.get(key)}`);
    assert.deepEqual(differ, []);
    const missing = called.filter(([key]) => !recorded.has(key)).map(([k]) => k);
    t.diagnostic(`${both.length} of the ${called.length} functions V8 saw called compared, ${[...recorded.values()].reduce((a, b) => a + b, 0)} calls; not found: ${missing.join(', ') || 'none'}`);
    assert.deepEqual(missing, [], 'every function V8 saw called is in the recording');
    assert.ok(both.length >= 50, `a real sample: ${both.length} functions compared`);
    const recordedOnly = [...recorded.keys()].filter((k) => !v8.has(k));
    assert.deepEqual(recordedOnly, [], 'the recording names no function V8 does not know');
  });
});
