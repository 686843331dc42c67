/**
 * A module's top-level code that runs inside a declaration, under the flight recorder: destructuring
 * with defaults and computed keys, an abstract class, an enum, a namespace (TypeScript run with tsx,
 * `hindsight record -- node --import tsx main.ts`).
 *
 * The model: an error thrown there leaves the module's frame as any other at its top level does,
 * with a Throw that ends the frame, and the program runs as it does without the recorder: the
 * same bindings, exports, values and names, the same error output when it dies.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { instrument, probeRuntime } from '../../src/instrument/index.js';
import { decodeRecording } from '../../src/recorder/index.js';
import { openRecordings } from '../../src/store/index.js';
import { EventKind, eventKindName, type Execution } from '../../src/trace/index.js';
import { CLI } from './oracle-helpers.js';

const TSX = import.meta.resolve('tsx');

/** Each construct throws, in turn, when the program is run with FAIL set to its name. */
const LIB = `function at(where: string, value: number): number {
  if (process.env.FAIL === where) throw new Error(\`boom in \${where}\`);
  return value;
}
const source: Record<string, number | undefined> = { a: 1, b: undefined, k: 5, extra: 6 };
export const { a, b = at('default', a! * 2), [at('key', 0) ? 'x' : 'k']: k, ...rest } = source;
const [first = at('array', 7), { second = first + 1 } = {}] = [] as any[];
export const { nothing = 0 } = (process.env.FAIL === 'pattern' ? null : {}) as { nothing?: number };
export const { handler = () => 1 } = {} as { handler?: () => number };
export abstract class Shape extends Object {
  abstract area(): number;
  static unit = at('abstract', 1);
  static make(): Shape {
    return new Square();
  }
}
class Square extends Shape {
  area() {
    return 4 * Shape.unit;
  }
}
export enum Color { Red = 1, Green = at('enum', 2), Blue = 4, Next }
export namespace Geometry {
  export const sides = at('namespace', 4);
  export function perimeter(side: number) {
    return sides * side;
  }
}
export const later = { first, second, area: Shape.make().area(), names: [Shape.name, Square.name, Geometry.perimeter.name, handler.name] };
`;
const MAIN = `import * as lib from './lib.ts';
console.log(JSON.stringify({ ...lib, Color: lib.Color, Geometry: { sides: lib.Geometry.sides, perimeter: lib.Geometry.perimeter(3) } }));
console.log(lib.Color[lib.Color.Green], lib.Color.Next, typeof lib.Shape);
`;
const CASES = ['default', 'key', 'array', 'pattern', 'abstract', 'enum', 'namespace'] as const;

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-module-guards-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ENV = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };

interface Run {
  recorded: SpawnSyncReturns<string>;
  plain: SpawnSyncReturns<string>;
  ex: Execution;
}
const runs = new Map<string, Run>();
before(() => {
  writeFileSync(path.join(dir, 'package.json'), '{"type": "module"}\n');
  writeFileSync(path.join(dir, 'lib.ts'), LIB);
  writeFileSync(path.join(dir, 'main.ts'), MAIN);
  for (const fail of ['', ...CASES]) {
    const env = { ...ENV, FAIL: fail };
    const store = path.join(dir, `store-${fail || 'ok'}.db`);
    const recorded = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--always', '--', process.execPath, '--import', TSX, 'main.ts'], { cwd: dir, env, encoding: 'utf8' });
    const plain = spawnSync(process.execPath, ['--import', TSX, 'main.ts'], { cwd: dir, env, encoding: 'utf8' });
    const recordings = openRecordings({ path: store });
    try {
      const list = recordings.list();
      assert.equal(list.length, 1, recorded.stderr);
      runs.set(fail, { recorded, plain, ex: decodeRecording(recordings.get(list[0]!.id)!) });
    } finally {
      recordings.close();
    }
  }
});

/**
 * A crash's error output, the column of the module's own frame left out: where tsx's compiled code
 * calls a class's static initializers or a namespace's function, its source map may place that
 * call a few columns apart.
 */
const output = (stderr: string): string => stderr.slice(0, stderr.indexOf('hindsight:') >>> 0).replace(/(at <anonymous> \(.*lib\.ts:\d+):\d+\)/g, '$1)');

/** The events of the frames named `<module lib.ts>`, as `kind line`. */
function libEvents(ex: Execution): string[] {
  const out: string[] = [];
  for (let i = 0; i < ex.length; i++) {
    const site = ex.sites.get(ex.frameSite(ex.frames[i]!));
    if (site?.functionName === '<module lib.ts>') out.push(`${eventKindName(ex.kinds[i]!)} ${ex.siteOf(i)!.line}`);
  }
  return out;
}

describe('an error thrown inside a top-level declaration ends the module frame with a Throw', () => {
  it('nothing thrown: the program prints what it does without the recorder, and the module frame ends with an Exit', () => {
    const { recorded, plain, ex } = runs.get('')!;
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(recorded.status, 0, recorded.stderr);
    assert.equal(recorded.stdout, plain.stdout);
    const [values, line] = plain.stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(values!), {
      a: 1,
      b: 2,
      k: 5,
      rest: { extra: 6 },
      nothing: 0,
      later: { first: 7, second: 8, area: 4, names: ['Shape', 'Square', 'perimeter', 'handler'] },
      Color: { 1: 'Red', 2: 'Green', 4: 'Blue', 5: 'Next', Red: 1, Green: 2, Blue: 4, Next: 5 },
      Geometry: { sides: 4, perimeter: 12 },
    });
    assert.equal(line, 'Green 5 function');
    const events = libEvents(ex);
    assert.equal(events[0], 'enter 1');
    assert.equal(events.at(-1), 'exit 1');
  });

  for (const fail of CASES) {
    it(`thrown in ${fail === 'pattern' ? 'the destructuring of null' : `the ${fail}`}: the module frame ends with the Throw, the last event of the recording; the program dies as it does without the recorder`, () => {
      const { recorded, plain, ex } = runs.get(fail)!;
      assert.equal(plain.status, 1);
      assert.equal(recorded.status, 1, recorded.stderr);
      assert.equal(output(recorded.stderr), output(plain.stderr), 'the same error output');
      assert.match(plain.stderr, fail === 'pattern' ? /TypeError: Cannot read properties of null \(reading 'nothing'\)/ : new RegExp(`Error: boom in ${fail}`));
      const last = ex.length - 1;
      assert.equal(libEvents(ex).at(-1), 'throw 1');
      assert.equal(ex.kinds[last], EventKind.Throw, 'the last event');
      assert.equal(ex.sites.get(ex.frameSite(ex.frames[last]!))?.functionName, '<module lib.ts>');
      assert.equal(ex.frameExit(ex.frames[last]!), last, 'which the Throw ends');
    });
  }
});

/**
 * Destructuring computed in the guard, into temporaries: a default or a computed key reads the
 * bindings made before it in the pattern (their temporaries), and whatever the guard cannot
 * compute with the same meaning stays as written: a default that is an anonymous function (the
 * binding names it), an earlier binding that a default uses from a function of its own, or assigns.
 */
const PATTERNS = `var early = 5;
var { late = early, early: again = 1 } = {};
export const { p, q = { p }, [p + 1]: r = p * 10, ...others } = { p: 3, x: 1 };
export const [first = 1, second = first + 1, { third = second } = {}] = [];
export const { f = () => first, g = function named() {} } = {};
export const { m, n = (() => m)() } = { m: 4 };
export let { s, t = (s = 7) } = { s: 1 };
export const names = [f.name, g.name];
export { early, late, again };
`;

describe('destructuring with defaults and computed keys keeps its meaning', () => {
  it('the same bindings and values as the module uninstrumented; what cannot be computed so stays as written', async () => {
    const plainFile = path.join(dir, 'patterns-plain.mjs');
    const file = path.join(dir, 'patterns.mjs');
    writeFileSync(plainFile, PATTERNS);
    const out = instrument(PATTERNS, file, undefined, { modules: true });
    writeFileSync(file, out.code);
    probeRuntime().reset(undefined);
    const plain = { ...((await import(pathToFileURL(plainFile).href)) as object) };
    const traced = { ...((await import(pathToFileURL(file).href)) as object) };
    assert.deepEqual(JSON.parse(JSON.stringify(traced)), JSON.parse(JSON.stringify(plain)));
    assert.deepEqual(Object.keys(traced).sort(), Object.keys(plain).sort());
    assert.deepEqual((plain as { names: string[] }).names, ['f', 'named']);
    assert.match(out.code, /const p = __hs_t\d+,\s*q = __hs_t\d+,\s*r = __hs_t\d+,\s*others = __hs_t\d+/, 'computed in the guard');
    assert.match(out.code, /third: __hs_t\d+ = __hs_t\d+/, 'a nested default reads the temporary of an earlier binding');
    for (const kept of [/const \{ f = /, /const \{ m, n = /, /let \{ s, t = /]) assert.match(out.code, kept, 'left as written');
  });
});
