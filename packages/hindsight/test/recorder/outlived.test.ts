/**
 * A process of the program that outlives the recording (a detached child, a cluster's worker after
 * its primary): once the supervisor has archived the recording and removed its folder, what the
 * recorder would write there cannot fail the process, its own errors are its own, one started
 * from then on runs untraced, and nothing is left behind in memory.
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

// the early child starts traced, while the program runs; the late one once the recording is over
const MAIN = `import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
const [early, late] = process.argv.slice(2);
spawn(process.execPath, ['early.mjs'], { detached: true, stdio: ['ignore', openSync(early, 'w'), openSync(early, 'a')] }).unref();
while (!(existsSync(early) && readFileSync(early, 'utf8').includes('started'))) await new Promise((r) => setTimeout(r, 20));
spawn('sh', ['-c', 'sleep 1.5; exec "$0" late.mjs', process.execPath], { detached: true, stdio: ['ignore', openSync(late, 'w'), openSync(late, 'a')] }).unref();
console.log('main done');
`;
// it waits until the recording's folder is gone, then loads a module and dies of its own error
const EARLY = `console.log('started');
while (existsSync(process.env.HINDSIGHT_RECORDING_DIR)) await new Promise((r) => setTimeout(r, 20));
await import('./later.mjs');
throw new Error('early failure');
import { existsSync } from 'node:fs';
`;
const LATE = `await import('./later.mjs');
throw new Error('late failure');
`;

describe('a process that outlives the recording', () => {
  it('one traced before the recording was over dies of its own error, not of the recorder; one started after runs untraced; no ring is left in memory', async () => {
    for (const [name, code] of [['main.mjs', MAIN], ['early.mjs', EARLY], ['late.mjs', LATE], ['later.mjs', 'export const x = 1;\n']]) writeFileSync(path.join(dir, name!), code!);
    const memory = mkdtempSync(path.join(dir, 'memory-'));
    const [early, late] = [path.join(dir, 'early.log'), path.join(dir, 'late.log')];
    const env = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1', HINDSIGHT_MEMORY_DIR: memory };
    const run = spawnSync(process.execPath, [CLI, '--store', path.join(dir, 'store.db'), 'record', '--', process.execPath, 'main.mjs', early, late], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const ended = (log: string) => existsSync(log) && readFileSync(log, 'utf8').includes('Node.js');
    for (let waited = 0; !(ended(early) && ended(late)) && waited < 20_000; waited += 100) await sleep(100);
    const [earlyOut, lateOut] = [readFileSync(early, 'utf8'), readFileSync(late, 'utf8')];
    assert.match(earlyOut, /^Error: early failure$/m);
    assert.match(earlyOut, /__hs/, 'it was traced');
    assert.doesNotMatch(earlyOut, /ENOENT|register\.bundle/, 'nothing of the recorder in its death');
    assert.match(lateOut, /^Error: late failure$/m);
    assert.match(lateOut, /^throw new Error\('late failure'\);$/m, 'its own code, not instrumented');
    assert.doesNotMatch(lateOut, /ENOENT|register\.bundle|__hs/);
    assert.deepEqual(readdirSync(memory), [], 'no ring left in memory');
  });
});
