/**
 * Bad input: source maps that cannot serve. A recorded module whose map is missing, unreadable or
 * does not match it (a stale build) is traced all the same, naming its JavaScript lines, and the
 * recorder says why on stderr and in the recording.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeRecording } from '../../src/recorder/index.js';
import { openRecordings } from '../../src/store/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../../src/cli/main.js');
const ENV = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };
const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-maps-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const APP = 'function add(a, b) {\n  return a + b;\n}\nconsole.log(add(1, 2));\n';

function recordWith(name: string, mapComment: string, mapFile?: [string, string]): { stderr: string; warnings: readonly string[]; files: Set<string>; shown: string } {
  const cwd = mkdtempSync(path.join(dir, `${name}-`));
  writeFileSync(path.join(cwd, 'app.mjs'), `${APP}${mapComment}\n`);
  if (mapFile) writeFileSync(path.join(cwd, mapFile[0]), mapFile[1]);
  const store = path.join(cwd, 'store.db');
  const r = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--always', '--', process.execPath, 'app.mjs'], { cwd, env: ENV, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '3', 'the program ran as it would have');
  const recordings = openRecordings({ path: store });
  try {
    const rec = recordings.get(recordings.list()[0]!.id)!;
    const ex = decodeRecording(rec);
    const shown = spawnSync(process.execPath, [CLI, '--store', store, 'trace', 'show', rec.meta.id], { cwd, env: ENV, encoding: 'utf8' }).stdout;
    return { stderr: r.stderr, warnings: rec.meta.warnings ?? [], files: new Set(Array.from({ length: ex.length }, (_, i) => path.basename(ex.siteOf(i)!.file))), shown };
  } finally {
    recordings.close();
  }
}

describe('hindsight record: source maps that cannot serve', () => {
  const cases: [string, string, [string, string] | undefined, RegExp][] = [
    ['missing', '//# sourceMappingURL=app.mjs.map', undefined, /app\.mjs: its source map app\.mjs\.map is missing \(.*app\.mjs\.map\); its events name the JavaScript, not the TypeScript$/m],
    ['unreadable', '//# sourceMappingURL=app.mjs.map', ['app.mjs.map', '{"version": 3, "mappi'], /app\.mjs: its source map app\.mjs\.map cannot be read: .*; its events name the JavaScript/m],
    ['stale', '//# sourceMappingURL=app.mjs.map', ['app.mjs.map', JSON.stringify({ version: 3, sources: ['app.ts'], names: [], mappings: 'AAAA;'.repeat(40) })], /app\.mjs: its source map app\.mjs\.map does not match it: the map covers 41 lines, the file has 6 \(a stale build\?\); its events name the JavaScript/m],
  ];
  for (const [name, comment, mapFile, expected] of cases) {
    it(`a source map that is ${name}: the module is traced under its JavaScript name, and the recording says why (trace show too)`, () => {
      const r = recordWith(name, comment, mapFile);
      assert.match(r.stderr, expected);
      assert.equal(r.warnings.length, 1, r.warnings.join('\n'));
      assert.match(r.warnings[0]!, expected);
      assert.match(r.stderr, /^hindsight: /m, 'said as hindsight’s on the program’s stderr');
      assert.doesNotMatch(r.warnings[0]!, /^hindsight: /, 'kept as it is in the recording');
      assert.match(r.shown, expected);
      assert.match(r.shown, /^  warning: .*app\.mjs: its source map/m, 'trace show marks it a warning, not a line of the recorder');
      assert.deepEqual([...r.files], ['app.mjs']);
    });
  }

  it('a dependency (in node_modules) that names a source map it does not ship is traced without a word: packages do that, every recording would say so', () => {
    const cwd = mkdtempSync(path.join(dir, 'dependency-'));
    mkdirSync(path.join(cwd, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(path.join(cwd, 'node_modules', 'dep', 'index.mjs'), 'export function add(a, b) {\n  return a + b;\n}\n//# sourceMappingURL=index.mjs.map\n');
    writeFileSync(path.join(cwd, 'node_modules', 'dep', 'package.json'), '{"name": "dep", "type": "module", "main": "index.mjs"}\n');
    writeFileSync(path.join(cwd, 'app.mjs'), "import { add } from 'dep';\nconsole.log(add(1, 2));\n");
    const store = path.join(cwd, 'store.db');
    const r = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--always', '--include', '*.mjs', 'node_modules/dep/**', '--', process.execPath, 'app.mjs'], { cwd, env: ENV, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /source map/);
    const recordings = openRecordings({ path: store });
    try {
      const rec = recordings.get(recordings.list()[0]!.id)!;
      assert.equal(rec.meta.warnings, undefined);
      const ex = decodeRecording(rec);
      assert.ok(Array.from({ length: ex.length }, (_, i) => ex.siteOf(i)?.functionName).includes('add'), 'the dependency is traced');
    } finally {
      recordings.close();
    }
  });
});
