/**
 * A process of the program that outlives the recording (a detached child started just before the
 * program ends, a cluster's worker after its primary): once the supervisor has archived the
 * recording and removed its folder, the process runs untraced, its own errors are its own, and it
 * leaves nothing behind in memory.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { CLI } from './oracle-helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-outlived-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MAIN = `import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
const out = openSync(process.argv[2], 'w');
spawn(process.execPath, ['late.mjs'], { detached: true, stdio: ['ignore', out, out] }).unref();
console.log('main done');
`;
// it waits until the recording is over, then loads a module and dies of its own error
const LATE = `await new Promise((r) => setTimeout(r, 1500));
await import('./later.mjs');
throw new Error('late failure');
`;

describe('a process that outlives the recording', () => {
  it('runs untraced once the recording is over: it does not make the folder again, and dies of its own error, not of the recorder', async () => {
    writeFileSync(path.join(dir, 'main.mjs'), MAIN);
    writeFileSync(path.join(dir, 'late.mjs'), LATE);
    writeFileSync(path.join(dir, 'later.mjs'), 'export const x = 1;\n');
    const memory = mkdtempSync(path.join(dir, 'memory-'));
    const log = path.join(dir, 'late.log');
    const env = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1', HINDSIGHT_MEMORY_DIR: memory };
    const run = spawnSync(process.execPath, [CLI, '--store', path.join(dir, 'store.db'), 'record', '--', process.execPath, 'main.mjs', log], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /could not be removed/);
    for (let waited = 0; !(existsSync(log) && readFileSync(log, 'utf8').includes('Node.js')) && waited < 15_000; waited += 100) await sleep(100);
    const out = readFileSync(log, 'utf8');
    assert.match(out, /^Error: late failure$/m);
    assert.doesNotMatch(out, /ENOENT|register\.bundle|__hs/, 'nothing of the recorder in its death');
    assert.match(out, /^throw new Error\('late failure'\);$/m, 'its own code, not instrumented');
    assert.deepEqual(readdirSync(memory), [], 'no ring left in memory');
  });
});
