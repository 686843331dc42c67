/**
 * A cycle of imports, recorded: the module that starts second runs its body first, and that body
 * calls a function of the first before the first's body has run (hoisted, as function declarations
 * are). The program runs as it does without the recorder, and the call is traced, in ES modules (the
 * probes come from a module of their own, which runs before either body) and in CommonJS (they are
 * set up before the first `require`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeRecording } from '../../src/recorder/index.js';
import { openRecordings } from '../../src/store/index.js';
import { EventKind, type Execution } from '../../src/trace/index.js';
import { CLI } from './oracle-helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-import-cycles-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ENV = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };

const PROGRAMS = {
  esm: {
    'main.mjs': `import { twice } from './a.mjs';\nconsole.log('main', twice(5));\n`,
    'a.mjs': `import { early } from './b.mjs';\nexport function twice(x) { return add(x, x); }\nfunction add(x, y) { return x + y; }\nconsole.log('a', early);\n`,
    'b.mjs': `import { twice } from './a.mjs';\nexport const early = twice(21);\n`,
  },
  cjs: {
    'main.cjs': `const { twice } = require('./a.cjs');\nconsole.log('main', twice(5));\n`,
    'a.cjs': `exports.twice = twice;\nconst { early } = require('./b.cjs');\nfunction twice(x) { return add(x, x); }\nfunction add(x, y) { return x + y; }\nconsole.log('a', early);\n`,
    'b.cjs': `const a = require('./a.cjs');\nexports.early = a.twice(21);\n`,
  },
} as const;

/** The program run plain and recorded (archived however it ends), and the recording decoded. */
function run(kind: keyof typeof PROGRAMS): { plain: string; recorded: ReturnType<typeof spawnSync>; ex: Execution } {
  const cwd = path.join(dir, kind);
  rmSync(cwd, { recursive: true, force: true });
  spawnSync('mkdir', ['-p', cwd]);
  for (const [name, text] of Object.entries(PROGRAMS[kind])) writeFileSync(path.join(cwd, name), text);
  const main = kind === 'esm' ? 'main.mjs' : 'main.cjs';
  const plain = spawnSync(process.execPath, [main], { cwd, env: ENV, encoding: 'utf8' });
  assert.equal(plain.status, 0, plain.stderr);
  const store = path.join(cwd, 'store.db');
  const recorded = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--always', '--', process.execPath, main], { cwd, env: ENV, encoding: 'utf8' });
  const recordings = openRecordings({ path: store });
  try {
    const [only] = recordings.list();
    assert.ok(only, recorded.stderr);
    return { plain: plain.stdout, recorded, ex: decodeRecording(recordings.get(only.id)!) };
  } finally {
    recordings.close();
  }
}

/** The functions entered, in order, by name. */
function entered(ex: Execution): string[] {
  const names: string[] = [];
  for (let i = 0; i < ex.length; i++) if (ex.kinds[i] === EventKind.Enter) names.push(ex.siteOf(i)!.functionName);
  return names;
}

describe('a cycle of imports, recorded', () => {
  for (const kind of ['esm', 'cjs'] as const) {
    it(`${kind}: a function called before its module's body ran works and is traced`, () => {
      const { plain, recorded, ex } = run(kind);
      assert.equal(recorded.status, 0, String(recorded.stderr));
      assert.equal(recorded.stdout, plain);
      const calls = entered(ex);
      const b = calls.findIndex((n) => n.startsWith('<module b.'));
      const a = calls.findIndex((n) => n.startsWith('<module a.'));
      // b's body runs inside a's in CommonJS (a requires it), before it in ES modules
      assert.deepEqual(calls.slice(b, b + 3), [`<module b.${kind === 'esm' ? 'mjs' : 'cjs'}>`, 'twice', 'add'], calls.join(' '));
      assert.ok(a >= 0, calls.join(' '));
      assert.deepEqual(calls.slice(-2), ['twice', 'add'], 'main calls it again once all have run');
    });
  }
});
