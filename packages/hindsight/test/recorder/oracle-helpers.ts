/**
 * The V8 oracle's two halves, shared by the tests that compare the flight recorder with V8: how
 * often V8's precise coverage saw each function called, and the decoded recording of the same
 * script under `hindsight record`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeRecording } from '../../src/recorder/index.js';
import { openRecordings } from '../../src/store/index.js';
import { EventKind, type Execution, type Site } from '../../src/trace/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CLI = path.resolve(here, '../../src/cli/main.js');

/** The name v8Functions gives a module's own function (its top-level code). */
export const MODULE = '<module>';

/** One function as V8's coverage saw it: where it starts (1-based, in the file run) and its calls. */
export interface V8Function {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly name: string;
  readonly count: number;
}

interface CoverageFunction {
  functionName: string;
  ranges: { startOffset: number; endOffset: number; count: number }[];
}

/** `line:column` (1-based) of an offset in a file's text. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/** Runs `script` under NODE_V8_COVERAGE (precise, with call counts) into `coverageDir`: the functions of the files `accept` takes. */
export function v8Functions(script: string, coverageDir: string, accept: (file: string) => boolean): V8Function[] {
  const run = spawnSync(process.execPath, [script], { env: { ...process.env, NODE_OPTIONS: '', NODE_V8_COVERAGE: coverageDir }, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const out: V8Function[] = [];
  for (const f of readdirSync(coverageDir)) {
    const { result } = JSON.parse(readFileSync(path.join(coverageDir, f), 'utf8')) as { result: { url: string; functions: CoverageFunction[] }[] };
    for (const script of result) {
      if (!script.url.startsWith('file:')) continue;
      const file = fileURLToPath(script.url);
      if (!accept(file)) continue;
      const text = readFileSync(file, 'utf8');
      for (const fn of script.functions) {
        const range = fn.ranges[0]!;
        // the module itself (offset 0, no name) is a function V8 calls once, as the recorder's module frame: `file:1:1`
        const module = range.startOffset === 0 && fn.functionName === '';
        out.push({ file, ...position(text, range.startOffset), name: module ? MODULE : fn.functionName, count: range.count });
      }
    }
  }
  return out;
}

/** Runs `script` under `hindsight record --always` with these `--include` globs, into the store `store`, and decodes its recording. */
export function recordAndDecode(script: string, store: string, cwd: string, include: readonly string[]): Execution {
  const run = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--always', '--ring', '256MiB', ...include.flatMap((g) => ['--include', g]), '--', process.execPath, script], {
    cwd,
    env: { ...process.env, NODE_OPTIONS: '' },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  const recordings = openRecordings({ path: store });
  try {
    const rec = recordings.get(recordings.list()[0]!.id)!;
    assert.equal(rec.meta.wrapped, false, 'the ring did not wrap: every call is in it');
    return decodeRecording(rec);
  } finally {
    recordings.close();
  }
}

/** Calls per function in a decoded recording (its Enter events), by `key` of the function's site. */
export function enterCounts(ex: Execution, key: (site: Site) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < ex.length; i++) {
    if (ex.kinds[i] !== EventKind.Enter) continue;
    const k = key(ex.siteOf(i)!);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}
