/**
 * The flight recorder against an outside oracle: V8 itself. Real npm packages' code (picomatch,
 * commander) runs once under NODE_V8_COVERAGE (precise coverage with call counts) and once under
 * `hindsight record`; every function both know must have been called as many times in the decoded
 * recording as V8 counted. A module's top-level code is a function to both (V8 counts its one
 * run; the recorder makes it a frame starting at line 1, column 1).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { enterCounts, recordAndDecode, v8Functions } from './oracle-helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCRIPT = path.join(here, 'fixtures', 'oracle.js');
const require = createRequire(import.meta.url);
/** The package folders: above each package's main file, up to its node_modules entry. */
const PACKAGES = ['picomatch', 'commander'].map((p) => {
  const main = require.resolve(p);
  return main.slice(0, main.indexOf(`${path.sep}node_modules${path.sep}${p}${path.sep}`) + `${path.sep}node_modules${path.sep}${p}`.length);
});
const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-oracle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Calls per function of the packages, as V8 counted them: `file:line:column` -> count. */
function v8Counts(): Map<string, number> {
  const fns = v8Functions(SCRIPT, path.join(dir, 'coverage'), (file) => PACKAGES.some((p) => file.startsWith(p + path.sep)));
  return new Map(fns.map((f) => [`${f.file}:${f.line}:${f.column}`, f.count]));
}

/** Calls per function of the packages in the decoded recording (its Enter events). */
function recordedCounts(): Map<string, number> {
  const ex = recordAndDecode(SCRIPT, path.join(dir, 'store.db'), dir, PACKAGES.map((p) => path.join(p, '**')));
  return enterCounts(ex, (s) => `${s.file}:${s.line}:${s.column}`);
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
    const modules = both.filter(([key]) => key.endsWith(':1:1')).length;
    assert.ok(modules >= 10, `the modules' own code is compared too, each run once: ${modules}`);
    const recordedOnly = [...recorded.keys()].filter((k) => !v8.has(k));
    assert.deepEqual(recordedOnly, [], 'the recording names no function V8 does not know');
  });
});
