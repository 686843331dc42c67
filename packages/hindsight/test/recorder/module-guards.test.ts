/**
 * A module's top-level code that runs inside a declaration, under the flight recorder: destructuring
 * with defaults and computed keys, an abstract class, an enum, a namespace (exported or not), a
 * decorated class (TypeScript run with tsx, `hindsight record -- node --import tsx main.ts`, its
 * decorators legacy or standard as the tsconfig says).
 *
 * The model: an error thrown there leaves the module's frame as any other at its top level does,
 * with a Throw that ends the frame, and the program runs as it does without the recorder: the
 * same bindings, exports, values and names, the same error output when it dies.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
enum Size { Small = 1 }
namespace Units {
  export const cm = 10 * Size.Small;
}
export const later = { first, second, area: Shape.make().area(), names: [Shape.name, Square.name, Geometry.perimeter.name, handler.name], cm: Units.cm };
`;
const MAIN = `import * as lib from './lib.ts';
console.log(JSON.stringify({ ...lib, Color: lib.Color, Geometry: { sides: lib.Geometry.sides, perimeter: lib.Geometry.perimeter(3) } }));
console.log(lib.Color[lib.Color.Green], lib.Color.Next, typeof lib.Shape);
`;
/** Each case, and the text of the line of the top-level statement it throws in. */
const CASES = { default: 'export const { a, b', key: 'export const { a, b', array: 'const [first', pattern: 'export const { nothing', abstract: 'export abstract class Shape', enum: 'export enum Color', namespace: 'export namespace Geometry' } as const;

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-module-guards-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ENV = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };

/** The 1-based line of the first line of `text` that holds `needle`. */
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

interface Run {
  recorded: SpawnSyncReturns<string>;
  plain: SpawnSyncReturns<string>;
  ex: Execution;
}

/** `main.ts` in `cwd` recorded and run plain, with FAIL set to `fail`. */
function record(cwd: string, fail: string): Run {
  const env = { ...ENV, FAIL: fail };
  const store = path.join(cwd, `store-${fail || 'ok'}.db`);
  const recorded = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--always', '--', process.execPath, '--import', TSX, 'main.ts'], { cwd, env, encoding: 'utf8' });
  const plain = spawnSync(process.execPath, ['--import', TSX, 'main.ts'], { cwd, env, encoding: 'utf8' });
  const recordings = openRecordings({ path: store });
  try {
    const list = recordings.list();
    assert.equal(list.length, 1, recorded.stderr);
    return { recorded, plain, ex: decodeRecording(recordings.get(list[0]!.id)!) };
  } finally {
    recordings.close();
  }
}

const runs = new Map<string, Run>();
before(() => {
  writeFileSync(path.join(dir, 'package.json'), '{"type": "module"}\n');
  writeFileSync(path.join(dir, 'lib.ts'), LIB);
  writeFileSync(path.join(dir, 'main.ts'), MAIN);
  for (const fail of ['', ...Object.keys(CASES)]) runs.set(fail, record(dir, fail));
});

/**
 * A crash's error output, the column of the module's own frame left out: where tsx's compiled code
 * calls a class's static initializers or a namespace's function, its source map may place that
 * call a few columns apart.
 */
const output = (stderr: string): string => stderr.slice(0, stderr.indexOf('hindsight:') >>> 0).replace(/(at <anonymous> \(.*\.ts:\d+):\d+\)/g, '$1)');

/** The events of the frames named `<module ${file}>`, as `kind line`. */
function moduleEvents(ex: Execution, file = 'lib.ts'): string[] {
  const out: string[] = [];
  for (let i = 0; i < ex.length; i++) {
    const site = ex.sites.get(ex.frameSite(ex.frames[i]!));
    if (site?.functionName === `<module ${file}>`) out.push(`${eventKindName(ex.kinds[i]!)} ${ex.siteOf(i)!.line}`);
  }
  return out;
}

/**
 * The program died of an error thrown in `file`'s top level: it dies as it does without the
 * recorder (the same error output; with `stack: false`, the same error before its stack), and the
 * module's frame ends with a Throw, the last event of the recording, or, for a module required by
 * another, followed by the Throw of the module that required it, the last; the module's last
 * statement before it is the one at `line` (when given).
 */
function assertDiedInModule({ recorded, plain, ex }: Run, expected: { file: string; error: RegExp; line?: number; stack?: boolean; requiredBy?: string }): void {
  const { file, error, line, stack = true, requiredBy } = expected;
  const shown = (stderr: string): string => (stack ? output(stderr) : stderr.slice(0, stderr.indexOf('    at ')));
  assert.equal(plain.status, 1);
  assert.equal(recorded.status, 1, recorded.stderr);
  assert.equal(shown(recorded.stderr), shown(plain.stderr), 'the same error output');
  assert.match(plain.stderr, error);
  const events = moduleEvents(ex, file);
  assert.equal(events.at(-1), 'throw 1');
  if (line !== undefined) assert.equal(events.filter((e) => e.startsWith('statement')).at(-1), `statement ${line}`, 'the Throw comes from the statement');
  const frameName = (i: number): string | undefined => ex.sites.get(ex.frameSite(ex.frames[i]!))?.functionName;
  const last = ex.length - 1;
  let thrown = last;
  while (thrown > 0 && frameName(thrown) !== `<module ${file}>`) thrown--;
  assert.equal(ex.kinds[thrown], EventKind.Throw);
  assert.equal(ex.frameExit(ex.frames[thrown]!), thrown, 'which the Throw ends');
  assert.equal(ex.kinds[last], EventKind.Throw, 'the last event');
  assert.equal(frameName(last), `<module ${requiredBy ?? file}>`, requiredBy === undefined ? 'the last event' : 'the Throw of the module that required it');
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
      later: { first: 7, second: 8, area: 4, names: ['Shape', 'Square', 'perimeter', 'handler'], cm: 10 },
      Color: { 1: 'Red', 2: 'Green', 4: 'Blue', 5: 'Next', Red: 1, Green: 2, Blue: 4, Next: 5 },
      Geometry: { sides: 4, perimeter: 12 },
    });
    assert.equal(line, 'Green 5 function');
    const events = moduleEvents(ex);
    assert.equal(events[0], 'enter 1');
    assert.equal(events.at(-1), 'exit 1');
  });

  for (const [fail, statement] of Object.entries(CASES)) {
    it(`thrown in ${fail === 'pattern' ? 'the destructuring of null' : `the ${fail}`}: the module frame ends with the Throw, the last event of the recording, from the statement of the declaration; the program dies as it does without the recorder`, () => {
      const error = fail === 'pattern' ? /TypeError: Cannot read properties of null \(reading 'nothing'\)/ : new RegExp(`Error: boom in ${fail}`);
      assertDiedInModule(runs.get(fail)!, { file: 'lib.ts', error, line: lineOf(LIB, statement) });
    });
  }
});

describe('an enum or a namespace is a statement of the module, exported or not', () => {
  it('each reports a Statement at its line as the module runs, in order', () => {
    const statements = moduleEvents(runs.get('')!.ex).filter((e) => e.startsWith('statement'));
    const lines = ['export enum Color', 'export namespace Geometry', 'enum Size', 'namespace Units'].map((text) => `statement ${lineOf(LIB, text)}`);
    assert.deepEqual(statements.filter((e) => lines.includes(e)), lines);
  });
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

/**
 * Decorated classes, each of whose decorators throws, in turn, when the program is run with FAIL
 * set to its name: one not exported, one exported (its class, a member's and, with legacy
 * decorators, a constructor parameter's), one exported as the default. The decorators of either
 * kind are functions that take any arguments: the same code runs under both.
 */
const decorated = (legacy: boolean) => `function at(where: string): void {
  if (process.env.FAIL === where) throw new Error(\`boom in \${where}\`);
}
const mark = (where: string) => (..._args: any[]): any => at(where);
function tag(name: string) {
  return (ctor: any, ..._context: any[]): any => {
    at('exported');
    ctor.tag = name;
  };
}
@mark('class') class Local {}
@tag('orders') export class Orders {
  constructor(${legacy ? "@mark('param') " : ''}readonly db = 'pg') {}
  @mark('member')
  total(n: number): number {
    return n * 2 + this.db.length;
  }
  static self() {
    return Orders;
  }
}
@mark('default') export default class Main {}
export const seen = [Local.name, Orders.name, (Orders as any).tag, Orders.self() === Orders, new Orders().total(20), Main.name];
`;
const DECORATED_MAIN = `import Main, { Orders, seen } from './shapes.ts';
console.log(JSON.stringify(seen), Main.name, Orders.name);
`;
/** Each case: the decorator that throws, and the text of the line of its class's statement. */
const DECORATED_CASES = {
  class: { what: 'the decorator of a class not exported', at: "@mark('class')" },
  exported: { what: "an exported class's decorator", at: "@tag('orders')" },
  member: { what: "a method's decorator", at: "@tag('orders')" },
  param: { what: "a constructor parameter's decorator", at: "@tag('orders')" },
  default: { what: 'the decorator of a class exported as default', at: "@mark('default')" },
} as const;

describe('an error thrown by a decorator of a top-level class ends the module frame with a Throw', () => {
  const setups = [
    { name: 'legacy decorators (experimentalDecorators), an ES module', type: 'module', legacy: true, cases: ['class', 'exported', 'member', 'param', 'default'] },
    { name: 'standard decorators, an ES module', type: 'module', legacy: false, cases: ['class', 'exported', 'member', 'default'] },
    // tsx compiles CommonJS before the recorder instruments it: decorators are calls at the top level there
    { name: 'legacy decorators, CommonJS', type: 'commonjs', legacy: true, cases: ['class', 'member'] },
  ] as const;
  for (const setup of setups) {
    describe(setup.name, () => {
      const cwd = path.join(dir, `decorators-${setup.type}-${setup.legacy ? 'legacy' : 'standard'}`);
      const source = decorated(setup.legacy);
      const decoratedRuns = new Map<string, Run>();
      before(() => {
        mkdirSync(cwd);
        writeFileSync(path.join(cwd, 'package.json'), JSON.stringify({ type: setup.type }));
        writeFileSync(path.join(cwd, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', ...(setup.legacy ? { experimentalDecorators: true } : {}) } }));
        writeFileSync(path.join(cwd, 'shapes.ts'), source);
        writeFileSync(path.join(cwd, 'main.ts'), DECORATED_MAIN);
        for (const fail of ['', ...setup.cases]) decoratedRuns.set(fail, record(cwd, fail));
      });

      it('nothing thrown: the program prints what it does without the recorder (the classes decorated, their bindings and names kept); each class is a statement, and the module frame ends with an Exit', () => {
        const { recorded, plain, ex } = decoratedRuns.get('')!;
        assert.equal(plain.status, 0, plain.stderr);
        assert.equal(recorded.status, 0, recorded.stderr);
        assert.equal(recorded.stdout, plain.stdout);
        assert.equal(plain.stdout, '["Local","Orders","orders",true,42,"Main"] Main Orders\n');
        const events = moduleEvents(ex, 'shapes.ts');
        assert.equal(events[0], 'enter 1');
        assert.equal(events.at(-1), 'exit 1');
        if (setup.type === 'module') for (const text of new Set(Object.values(DECORATED_CASES).map((c) => c.at))) assert.ok(events.includes(`statement ${lineOf(source, text)}`), `a statement at ${text} in ${events.join(', ')}`);
      });

      for (const fail of setup.cases) {
        const esm = setup.type === 'module';
        it(`thrown by ${DECORATED_CASES[fail].what}: the module frame ends with the Throw, ${esm ? 'the last event of the recording, from the statement of the class' : 'then the Throw of the module that required it'}; the program dies ${esm ? 'as it does' : 'of the same error as'} without the recorder`, () => {
          // CommonJS: the statements are tsx's compiled ones, and its stack goes through the recorder's require hook
          const error = new RegExp(`Error: boom in ${fail}`);
          assertDiedInModule(decoratedRuns.get(fail)!, esm ? { file: 'shapes.ts', error, line: lineOf(source, DECORATED_CASES[fail].at) } : { file: 'shapes.ts', error, stack: false, requiredBy: 'main.ts' });
        });
      }
    });
  }
});
