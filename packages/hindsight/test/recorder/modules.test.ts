/**
 * A module's top-level code under the flight recorder, on real programs run in a child process by
 * `hindsight record`: an ES module that imports two CommonJS modules, calls a function from a
 * loop with a top-level await in it, and dies of a throw at its top level.
 *
 * The model: a module's body is a frame of its own, as in V8's stacks, under a function site named
 * `<module file>` at line 1, column 1: an Enter as it starts, its statements and branches as in a
 * function, its top-level awaits as Suspend and Resume of its activation (an async one, then), and
 * an Exit when it ends (a CommonJS `return` at the top level too) or a Throw when an error leaves it.
 * The functions it calls are its frame's callees.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { instrument } from '../../src/instrument/index.js';
import { decodeRecording } from '../../src/recorder/index.js';
import { openRecordings, type Recording } from '../../src/store/index.js';
import { EventKind, eventKindName, type Execution } from '../../src/trace/index.js';
import { CLI } from './oracle-helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-modules-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ENV = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };

const APP = `import { helper } from './lib.cjs';
import './early.cjs';
function handle(i) {
  return helper(i) * 2;
}

let total = 0;
for (let i = 0; i < 3; i++) {
  await Promise.resolve();
  total += handle(i);
}
const limit = total + 1;
if (limit > 100) console.log('big');
throw new Error(\`boom at \${total}\`);
`;
/** CommonJS with top-level code: a hoisted function, a `return` at the top level not taken. */
const LIB = `'use strict';
const base = 10;
function helper(i) {
  return i + base;
}
if (typeof module === 'undefined') return;
module.exports = { helper };
`;
/** CommonJS left by a `return` at its top level. */
const EARLY = `const ready = true;
if (ready) return;
module.exports.never = 1;
`;

let rec: Recording;
let ex: Execution;
let stderr: string;
before(() => {
  writeFileSync(path.join(dir, 'app.mjs'), APP);
  writeFileSync(path.join(dir, 'lib.cjs'), LIB);
  writeFileSync(path.join(dir, 'early.cjs'), EARLY);
  const store = path.join(dir, 'store.db');
  const run = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--', process.execPath, 'app.mjs'], { cwd: dir, env: ENV, encoding: 'utf8' });
  stderr = run.stderr;
  assert.equal(run.status, 1, run.stderr);
  const recordings = openRecordings({ path: store });
  try {
    rec = recordings.get(recordings.list()[0]!.id)!;
  } finally {
    recordings.close();
  }
  ex = decodeRecording(rec);
});

const nameOf = (f: number): string => ex.sites.get(ex.frameSite(f))?.functionName ?? '?';
const stackAt = (i: number): string => ex.stackAt(i).map(nameOf).join(' < ');
const where = (i: number): string => `${eventKindName(ex.kinds[i]!)} ${path.basename(ex.siteOf(i)!.file)}:${ex.siteOf(i)!.line}`;
/** The events of the frames of the module `name`, as `kind file:line`. */
function moduleEvents(name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < ex.length; i++) if (nameOf(ex.frames[i]!) === name) out.push(where(i));
  return out;
}

describe('a module body is a frame of its own', () => {
  it('a throw at the top level after top-level awaits: the last statement is the throw, and the Throw ends the module frame', () => {
    assert.match(stderr, /crashed \(Error: boom at 66\)/);
    const last = ex.length - 1;
    assert.equal(where(last), 'throw app.mjs:1', 'the crash: an error left the module body (its site is the module, at line 1)');
    assert.equal(nameOf(ex.frames[last]!), '<module app.mjs>');
    const statements = [...Array(ex.length).keys()].filter((i) => ex.kinds[i] === EventKind.Statement);
    const lastStatement = statements.at(-1)!;
    assert.equal(where(lastStatement), 'statement app.mjs:14', 'the throw');
    assert.equal(ex.frames[lastStatement], ex.frames[last], 'in the module frame');
    assert.equal(ex.frameExit(ex.frames[last]!), last, 'which the Throw ends');
    const site = ex.sites.get(ex.frameSite(ex.frames[last]!))!;
    assert.deepEqual([site.kind, site.line, site.column, site.async, site.module], ['function', 1, 1, true, true], 'a function site at line 1, async: it awaits at its top level');
  });

  it('its top-level statements, branches and awaits are traced as a function body’s; the functions it calls are its callees', () => {
    const events = moduleEvents('<module app.mjs>');
    assert.deepEqual(events.slice(0, 4), ['enter app.mjs:1', 'statement app.mjs:7', 'statement app.mjs:8', 'branch app.mjs:8']);
    assert.deepEqual(events.filter((e) => e.startsWith('suspend') || e.startsWith('resume')), ['suspend app.mjs:9', 'resume app.mjs:9', 'suspend app.mjs:9', 'resume app.mjs:9', 'suspend app.mjs:9', 'resume app.mjs:9'], 'each top-level await suspends the module');
    assert.deepEqual(events.slice(-5), ['statement app.mjs:12', 'statement app.mjs:13', 'branch app.mjs:13', 'statement app.mjs:14', 'throw app.mjs:1']);
    const helperAt = [...Array(ex.length).keys()].filter((i) => ex.kinds[i] === EventKind.Enter && ex.siteOf(i)!.functionName === 'helper');
    assert.equal(helperAt.length, 3);
    for (const i of helperAt) assert.equal(stackAt(i), 'helper < handle < <module app.mjs>', 'bt inside a function called at the top level ends in the module frame');
  });

  it('CommonJS: the module body, its hoisted function left out, ends with an Exit; a return at the top level too', () => {
    assert.deepEqual(moduleEvents('<module lib.cjs>'), ['enter lib.cjs:1', 'statement lib.cjs:2', 'statement lib.cjs:6', 'branch lib.cjs:6', 'statement lib.cjs:7', 'exit lib.cjs:1']);
    assert.deepEqual(moduleEvents('<module early.cjs>'), ['enter early.cjs:1', 'statement early.cjs:1', 'statement early.cjs:2', 'branch early.cjs:2', 'statement early.cjs:2', 'exit early.cjs:1']);
    for (const name of ['<module lib.cjs>', '<module early.cjs>']) {
      const enter = [...Array(ex.length).keys()].find((i) => ex.kinds[i] === EventKind.Enter && ex.siteOf(i)!.functionName === name)!;
      assert.equal(stackAt(enter), name, 'imported by an ES module: evaluated before its body, from the event loop');
    }
    // as a function's Exit is shown at its closing brace, a module's is at the end of its code
    const exit = [...Array(ex.length).keys()].find((i) => ex.kinds[i] === EventKind.Exit && ex.siteOf(i)!.functionName === '<module lib.cjs>')!;
    assert.equal(ex.placeOf(exit)?.line, 7);
  });

  it('hindsight debug: opens at the top-level throw, and reverse-step walks back the top-level lines; bt in a function called there shows the module frame', () => {
    const script = path.join(dir, 'commands.txt');
    writeFileSync(script, 'reverse-step\nreverse-step\nbreak helper\nreverse-continue\nbt\n');
    const out = spawnSync(process.execPath, [CLI, '--store', path.join(dir, 'store.db'), 'debug', rec.meta.id, '--commands', script, '--json'], { cwd: dir, env: ENV, encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    const steps = lines.filter((l) => l.command === 'reverse-step').map((l) => `${l.stop.function} ${l.stop.line}`);
    assert.deepEqual(steps, ['<module app.mjs> 13', '<module app.mjs> 12'], 'from the throw on line 14');
    const bt = lines.at(-1)!.result.frames.map((f: { function: string; line: number }) => `${f.function} ${f.line}`);
    assert.deepEqual(bt, ['helper 3', 'handle 4', '<module app.mjs> 10']);
  });
});

describe("a module frame's place", () => {
  it("is the TypeScript file its map names, resolved beside the compiled file, where the compiler's first line is its own (tsc's CommonJS `\"use strict\"`)", () => {
    const file = path.join(dir, 'dist', 'app.js');
    const map = { version: 3, file: 'app.js', sources: ['../src/app.ts'], names: [], mappings: ';AAAA' };
    const out = instrument('"use strict";\nfunction f() { return 1; }\n', file, map, { sparse: true, modules: true, sourceType: 'script' });
    const body = out.sites.find((s) => s.kind === 'function' && s.module === true);
    assert.deepEqual(body && [body.functionName, body.file, body.line], ['<module app.ts>', path.join(dir, 'src', 'app.ts'), 1]);
  });
});
