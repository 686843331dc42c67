/**
 * TypeScript run as such with tsx (`hindsight record -- node --import tsx app.ts`): the recorder's
 * loader runs before tsx's, so it is handed TypeScript; it instruments it keeping the types for tsx
 * to strip. The sites are the file's own lines, ES modules and CommonJS alike, every TypeScript
 * construct survives, and the program's own error output names the lines the user wrote.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeRecording } from '../../src/recorder/index.js';
import { openRecordings, type Recording } from '../../src/store/index.js';
import { EventKind, type Execution } from '../../src/trace/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../../src/cli/main.js');
const TSX = import.meta.resolve('tsx');
const ENV = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };

/** Interfaces, enums, generics, overloads, parameter properties, `as`, `satisfies`, optional chaining, non-null assertions. */
const APP = `import { createRequire } from 'node:module';
interface Line { sku: string; qty: number }
enum Tier { Basic = 1, Gold = 2 }
type Priced<T> = T & { cents: number };
const { discount } = createRequire(import.meta.url)('./discount.cts') as { discount(cents: number, tier: Tier): number };
class Cart<T extends Line> {
  constructor(private readonly lines: T[], public tier: Tier = Tier.Basic) {}
  priced(): Priced<T>[] {
    return this.lines.map((l) => ({ ...l, cents: price(l.sku) * l.qty }));
  }
}
function price(sku: string): number;
function price(sku: string, base: number): number;
function price(sku: string, base = 0): number {
  let cents = base;
  for (const ch of sku) cents += ch.charCodeAt(0);
  return cents;
}
async function checkout<T extends Line>(cart: Cart<T>): Promise<number> {
  await Promise.resolve();
  const total = cart.priced().reduce((sum, l) => sum + l.cents, 0);
  return discount(total, cart.tier)!;
}
const config = { limit: 2000 } satisfies { limit: number };
let sum = 0;
for (let i = 0; i < 4; i++) sum += await checkout(new Cart<Line>([{ sku: \`sku-\${i}\`, qty: i + 1 }], i % 2 ? Tier.Gold : Tier.Basic));
console.log(\`sum \${sum}\`);
if (sum > config.limit) refuse(sum);
function refuse(total: number): never {
  throw new Error(\`over the limit: \${total}\`);
}
`;

const DISCOUNT = `function discount(cents: number, tier: number): number {
  return tier === 2 ? Math.round(cents * 0.9) : cents;
}
module.exports = { discount };
`;

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('hindsight record: TypeScript run with tsx', () => {
  let cwd: string;
  let run: ReturnType<typeof spawnSync>;
  let plain: ReturnType<typeof spawnSync>;
  let rec: Recording;
  let ex: Execution;
  before(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'hindsight-tsx-'));
    writeFileSync(path.join(cwd, 'package.json'), '{"type": "module"}\n');
    writeFileSync(path.join(cwd, 'app.ts'), APP);
    writeFileSync(path.join(cwd, 'discount.cts'), DISCOUNT);
    const store = path.join(cwd, 'store.db');
    run = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--', process.execPath, '--import', TSX, 'app.ts'], { cwd, env: ENV, encoding: 'utf8' });
    plain = spawnSync(process.execPath, ['--import', TSX, 'app.ts'], { cwd, env: ENV, encoding: 'utf8' });
    const recordings = openRecordings({ path: store });
    rec = recordings.get(recordings.list()[0]!.id)!;
    recordings.close();
    ex = decodeRecording(rec);
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  const calls = (fn: string) => {
    let n = 0;
    for (let i = 0; i < ex.length; i++) if (ex.kinds[i] === EventKind.Enter && ex.siteOf(i)?.functionName === fn) n++;
    return n;
  };

  it('the program runs as it would without the recorder, and crashes the same way', () => {
    assert.equal(run.status, 1);
    assert.equal(run.stdout, plain.stdout);
    assert.match(String(run.stdout), /^sum 4079$/m);
    assert.equal(rec.meta.trigger, 'crash');
    assert.equal(rec.meta.error?.message, 'over the limit: 4079');
    assert.equal(rec.meta.warnings, undefined, 'no module ran untraced');
  });

  it('its own error output shows the line the user wrote, not instrumented code', () => {
    const stderr = String(run.stderr);
    assert.equal(stderr.slice(0, stderr.indexOf('hindsight:')), String(plain.stderr), 'the same as tsx alone prints');
    assert.match(stderr, /app\.ts:30\n\s*throw new Error\(`over the limit: \$\{total\}`\);\n/);
    assert.match(stderr, new RegExp(`at refuse \\(.*app\\.ts:${lineOf(APP, 'throw new Error')}:\\d+\\)`));
    assert.doesNotMatch(stderr, /__hs|hindsight\.probes/);
  });

  it('ES module and CommonJS functions are traced under their TypeScript files and lines, each call once', () => {
    assert.deepEqual(
      ['checkout', 'Cart.priced', 'price', 'discount', 'refuse'].map((f) => [f, calls(f)]),
      [['checkout', 4], ['Cart.priced', 4], ['price', 4], ['discount', 4], ['refuse', 1]],
    );
    const at = (fn: string) => {
      for (let i = 0; i < ex.length; i++) if (ex.kinds[i] === EventKind.Enter && ex.siteOf(i)?.functionName === fn) return ex.siteOf(i)!;
      throw new Error(`no ${fn}`);
    };
    assert.deepEqual([path.basename(at('price').file), at('price').line], ['app.ts', lineOf(APP, 'function price(sku: string, base = 0)')]);
    assert.deepEqual([path.basename(at('discount').file), at('discount').line], ['discount.cts', 1]);
    // where each ends, its Exit shown there: the closing brace, an arrow function's expression
    const priced = lineOf(APP, '({ ...l, cents');
    assert.deepEqual(
      ['price', 'checkout', 'Cart.priced', 'discount'].map((f) => [f, at(f).endLine]),
      [['price', lineOf(APP, 'return cents;') + 1], ['checkout', lineOf(APP, 'return discount(') + 1], ['Cart.priced', priced + 1], ['discount', 3]],
    );
    const arrow = ex.sites.functionSites('<anonymous>').map((id) => ex.sites.get(id)!).find((site) => site.line === priced);
    assert.equal(arrow?.endLine, priced, 'the arrow function of map');
    let last = ex.length - 1;
    while (ex.kinds[last] !== EventKind.Statement) last--;
    assert.deepEqual([ex.siteOf(last)?.functionName, ex.siteOf(last)?.line], ['refuse', lineOf(APP, 'throw new Error')], 'the last statement is the throw, at its own line');
  });
});

/** TypeScript decorators (experimentalDecorators: on a class, a method and a constructor parameter), in a project without "type": "module". */
const DECORATED = `function log(_target: object, key: string, desc: PropertyDescriptor) {
  const original = desc.value;
  desc.value = function (this: unknown, ...args: unknown[]) {
    console.log('call ' + key);
    return original.apply(this, args);
  };
}
function tag(name: string) {
  return (ctor: Function) => void ((ctor as unknown as { tag: string }).tag = name);
}
function inject(token: string) {
  return (_target: object, _key: string | undefined, index: number) => console.log('param ' + token + ' ' + index);
}
@tag('orders')
class Orders {
  constructor(@inject('db') private readonly db: string) {}
  @log
  total(n: number): number {
    return n * 2 + this.db.length;
  }
}
const orders = new Orders('pg');
console.log(orders.total(20), (Orders as unknown as { tag: string }).tag);
`;

describe('hindsight record: TypeScript with decorators under tsx', () => {
  /** The program recorded and run plain, as an ES module (the recorder instruments the TypeScript) or as CommonJS (it instruments what tsx compiled). */
  const recordDecorated = (type: 'module' | 'commonjs') => {
    const cwd = mkdtempSync(path.join(tmpdir(), `hindsight-tsx-${type}-`));
    try {
      writeFileSync(path.join(cwd, 'package.json'), JSON.stringify({ type }));
      writeFileSync(path.join(cwd, 'tsconfig.json'), '{"compilerOptions": {"experimentalDecorators": true, "target": "ES2022"}}\n');
      writeFileSync(path.join(cwd, 'orders.ts'), DECORATED);
      const store = path.join(cwd, 'store.db');
      const run = spawnSync(process.execPath, [CLI, '--store', store, 'record', '--always', '--', process.execPath, '--import', TSX, 'orders.ts'], { cwd, env: ENV, encoding: 'utf8' });
      const plain = spawnSync(process.execPath, ['--import', TSX, 'orders.ts'], { cwd, env: ENV, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const recordings = openRecordings({ path: store });
      const rec = recordings.get(recordings.list()[0]!.id)!;
      recordings.close();
      const ex = decodeRecording(rec);
      const entered = [...Array(ex.length).keys()].filter((i) => ex.kinds[i] === EventKind.Enter).map((i) => `${ex.siteOf(i)!.functionName}:${ex.siteOf(i)!.line}`);
      return { run, plain, warnings: rec.meta.warnings, entered };
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  };

  for (const [type, total] of [['module', 'Orders.total'], ['commonjs', 'total']] as const) {
    it(`${type}: runs as with tsx alone, and the decorators and decorated methods are traced under their TypeScript lines`, () => {
      const { run, plain, warnings, entered } = recordDecorated(type);
      assert.equal(run.stdout, plain.stdout);
      assert.equal(run.stdout, 'param db 0\ncall total\n42 orders\n');
      assert.equal(warnings, undefined, 'no module ran untraced');
      // as CommonJS, tsx compiles the module before the recorder sees it: the class is an expression there, its method is `total`
      for (const fn of [`log:${lineOf(DECORATED, 'function log')}`, `${total}:${lineOf(DECORATED, 'total(n: number)')}`, `inject:${lineOf(DECORATED, 'function inject')}`]) assert.ok(entered.includes(fn), `${fn} in ${entered.join(', ')}`);
    });
  }
});

/** CommonJS TypeScript (tsx compiles it, then the recorder instruments it) that logs a caught error's stack. */
const LOGGED = `interface Order { id: number; total: number }
function check(o: Order): void {
  if (o.total < 0) throw new Error(\`order \${o.id} has a negative total\`);
}
try {
  for (const o of [{ id: 1, total: 3 }, { id: 2, total: -1 }]) check(o);
} catch (err) {
  console.log((err as Error).stack);
}
`;

describe('hindsight record: the stacks a CommonJS TypeScript program logs under tsx', () => {
  it('name its own functions and lines, never a probe of the instrumented code', () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'hindsight-tsx-stack-'));
    try {
      writeFileSync(path.join(cwd, 'orders.ts'), LOGGED);
      const run = spawnSync(process.execPath, [CLI, '--store', path.join(cwd, 'store.db'), 'record', '--always', '--', process.execPath, '--import', TSX, 'orders.ts'], { cwd, env: ENV, encoding: 'utf8' });
      const plain = spawnSync(process.execPath, ['--import', TSX, 'orders.ts'], { cwd, env: ENV, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const ownFrames = (out: string) => out.split('\n').filter((l) => l.includes('orders.ts:'));
      assert.doesNotMatch(run.stdout, /__hs/);
      // the function names Node reads off the source map may differ where it names none; the places may not
      const places = (out: string) => ownFrames(out).map((l) => /orders\.ts:\d+:\d+/.exec(l)![0]);
      assert.deepEqual(places(run.stdout), places(plain.stdout));
      assert.match(ownFrames(run.stdout)[0]!, new RegExp(`at check \\(.*orders\\.ts:${lineOf(LOGGED, 'throw new Error')}:\\d+\\)`));
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
