/**
 * The transform cache: a recorded program's instrumented modules are kept on disk by content hash,
 * so its next start reads them back instead of instrumenting them again (Babel takes seconds for
 * a few hundred modules). Real programs under `hindsight record`, ES modules and CommonJS.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { instrumenterId } from '../../src/instrument/index.js';
import { decodeRecording } from '../../src/recorder/index.js';
import { openRecordings } from '../../src/store/index.js';
import { CLI } from './oracle-helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-transform-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ENV = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };

const APP = `import { total } from './lib.cjs';
function order(n) {
  return total([n, n + 1]);
}
console.log('order', order(1) + order(2));
`;
const LIB = `exports.total = function total(xs) {
  let sum = 0;
  for (const x of xs) sum += x;
  return sum;
};
`;

/** A fresh program in a folder of its own. */
function program(name: string): string {
  const cwd = path.join(dir, name);
  mkdirSync(cwd, { recursive: true });
  writeFileSync(path.join(cwd, 'app.mjs'), APP);
  writeFileSync(path.join(cwd, 'lib.cjs'), LIB);
  return cwd;
}

/** `hindsight record --always` of the program; its output, and the functions its recording calls. */
function record(cwd: string, ...flags: string[]): { stdout: string; stderr: string; functions: string[]; warnings: readonly string[] } {
  const store = path.join(cwd, 'store.db');
  const out = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--always', '--json', ...flags, '--', process.execPath, 'app.mjs'], { cwd, env: ENV, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const id = (JSON.parse(out.stdout.slice(out.stdout.indexOf('{'))) as { id: string }).id;
  const recordings = openRecordings({ path: store });
  try {
    const recording = recordings.get(id)!;
    const ex = decodeRecording(recording);
    const functions = [...Array(ex.length).keys()].filter((i) => ex.kind(i) === 0).map((i) => ex.siteOf(i)!.functionName);
    return { stdout: out.stdout, stderr: out.stderr, functions, warnings: recording.meta.warnings ?? [] };
  } finally {
    recordings.close();
  }
}

/** The entries of the cache at `root` kept by this instrumenter. */
const entries = (root: string) => readdirSync(path.join(root, instrumenterId())).filter((f) => f.endsWith('.json'));

describe('the transform cache', () => {
  const EXPECTED = ['<module app.mjs>', '<module lib.cjs>', 'order', 'total', 'order', 'total'];

  it('the first start keeps each instrumented module; the next start reads them back, and records the same trace', () => {
    const cwd = program('kept');
    const cache = path.join(cwd, 'cache');
    const first = record(cwd, '--transform-cache', cache);
    assert.deepEqual([...first.functions].sort(), [...EXPECTED].sort());
    assert.equal(entries(cache).length, 2, 'one entry per module: the ES module and the CommonJS one');

    // proof the next start uses them: each entry's code gets a line of its own, which only a start that reads it runs
    for (const name of entries(cache)) {
      const file = path.join(cache, instrumenterId(), name);
      const entry = JSON.parse(readFileSync(file, 'utf8')) as { code: string };
      entry.code += `\nconsole.log('read back from the cache');\n`;
      writeFileSync(file, JSON.stringify(entry));
    }
    const second = record(cwd, '--transform-cache', cache);
    assert.equal(second.stdout.split('\n').filter((l) => l === 'read back from the cache').length, 2, second.stdout);
    assert.deepEqual(second.functions, first.functions, 'the same trace, event for event');
  });

  it('a changed module is instrumented again; its old entry is not read', () => {
    const cwd = program('changed');
    const cache = path.join(cwd, 'cache');
    record(cwd, '--transform-cache', cache);
    writeFileSync(path.join(cwd, 'lib.cjs'), LIB.replace('let sum = 0;', 'let sum = 0;\n  if (xs.length === 0) return 0;'));
    const again = record(cwd, '--transform-cache', cache);
    assert.deepEqual(again.functions.sort(), [...EXPECTED].sort());
    assert.equal(entries(cache).length, 3, 'the new version of lib.cjs beside the old one');
  });

  it('a torn entry is instrumented again and written anew; the program never notices', () => {
    const cwd = program('torn');
    const cache = path.join(cwd, 'cache');
    record(cwd, '--transform-cache', cache);
    const torn = path.join(cache, instrumenterId(), entries(cache)[0]!);
    writeFileSync(torn, readFileSync(torn, 'utf8').slice(0, 100));
    const again = record(cwd, '--transform-cache', cache);
    assert.deepEqual(again.functions.sort(), [...EXPECTED].sort());
    assert.doesNotThrow(() => JSON.parse(readFileSync(torn, 'utf8')), 'rewritten whole');
  });

  it('a folder that cannot be written: the program is recorded all the same, and one warning says what to do', () => {
    const cwd = program('unwritable');
    const blocker = path.join(cwd, 'a-file');
    writeFileSync(blocker, '');
    const out = record(cwd, '--transform-cache', path.join(blocker, 'cache'));
    assert.deepEqual(out.functions.sort(), [...EXPECTED].sort());
    const said = out.warnings.filter((w) => w.includes('instrumented modules cannot be kept'));
    assert.ok(said.length >= 1 && said.length <= 2, `once per thread that instruments (the loader's, the program's): ${JSON.stringify(out.warnings)}`);
    assert.match(said[0]!, /give --transform-cache a writable folder, or off$/);
  });

  it('off keeps nothing; the default is node_modules/.cache/hindsight when the program has node_modules', () => {
    const cwd = program('off');
    mkdirSync(path.join(cwd, 'node_modules'));
    record(cwd, '--transform-cache', 'off');
    assert.equal(existsSync(path.join(cwd, 'node_modules', '.cache')), false);
    const out = spawnSync(process.execPath, [CLI, '--store', path.join(cwd, 'store.db'), 'record', '--', process.execPath, 'app.mjs'], { cwd, env: { ...ENV, HINDSIGHT_TRANSFORM_CACHE: '' }, encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.equal(entries(path.join(cwd, 'node_modules', '.cache', 'hindsight')).length, 2);
  });

  it("another instrumenter's folder goes once no one wrote to it for a day; a recent one stays", () => {
    const cwd = program('versions');
    const cache = path.join(cwd, 'cache');
    const stale = path.join(cache, '0123456789abcdef');
    const recent = path.join(cache, 'fedcba9876543210');
    for (const other of [stale, recent]) mkdirSync(other, { recursive: true });
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(stale, twoDaysAgo, twoDaysAgo);
    record(cwd, '--transform-cache', cache);
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(recent), true);
  });
});
