import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadWorkflows, type ReplayResult } from '../../src/engine/index.js';
import type { RecordedEvent } from '../../src/history/index.js';
import { instrument } from '../../src/instrument/index.js';
import { loadInstrumented } from '../../src/replay/index.js';
import { Cursor } from '../../src/timetravel/index.js';
import { EventKind, type Execution } from '../../src/trace/index.js';
import { shop } from './fixtures/shop.js';
import { assertReplaysAsPlain, recordRun } from './recorded-run.js';

/** The compiled fixture (what a worker runs) and its TypeScript source (what the sites name). */
const modulePath = fileURLToPath(new URL('./fixtures/shop.js', import.meta.url));
const source = path.resolve(path.dirname(modulePath), '../../../../test/replay/fixtures/shop.ts');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');

/** Where the cursor is, as `function:line` of the TypeScript source (of its frame: after a return, the caller's call). */
const at = (c: Cursor) => {
  const s = c.execution.siteOf(c.frameEvent);
  return `${s?.functionName}:${s?.line}`;
};
/** The first event at `line` of that kind. */
const first = (ex: Execution, kind: EventKind, line: number) => {
  for (let i = 0; i < ex.length; i++) if (ex.kinds[i] === kind && ex.siteOf(i)?.line === line) return i;
  assert.fail(`no event of kind ${kind} on line ${line}`);
};

describe('instrumented replay of a run recorded by a real worker (fixtures/shop.ts)', () => {
  let history: RecordedEvent[];
  let execution: Execution;
  let replay: ReplayResult;

  before(async () => {
    ({ history, execution, replay } = await recordRun(shop, [300, 200, 100], 'shop-1', ['first:300/4', 'second:300/4'], modulePath));
  });

  it('gives the same replay result as the plain replay of the original code', async () => {
    await assertReplaysAsPlain({ history, execution, replay }, modulePath);
  });

  it('names the TypeScript source: sites carry the .ts file, line and function name through the source map', () => {
    const sites = new Set<string>();
    for (let i = 0; i < execution.length; i++) sites.add(execution.siteOf(i)!.file);
    assert.deepEqual([...sites], [source]);
    // it ends at the closing brace of the workflow's function, `});`
    assert.deepEqual(execution.siteOf(0), { kind: 'function', file: source, line: 23, column: 38, endLine: 37, endColumn: 1, functionName: 'shop', async: true, statements: 10 });
  });

  it('step visits every statement, call and return in time order, at the lines of the TypeScript source', () => {
    const c = new Cursor(execution);
    const seen = [at(c)];
    while (c.step().reason === 'step') seen.push(at(c));
    assert.deepEqual(seen, [
      'shop:23', 'shop:24',
      'total:9', 'total:10', 'total:11', 'total:12', 'total:12', 'total:12', 'total:14',
      'shop:24', // back in shop, total returned
      'shop:25', 'shop:26', 'shop:27', 'shop:27', 'shop:27', 'shop:29', 'shop:30', 'shop:31', 'shop:32',
      'pay:18', 'pay:19', 'pay:18', 'pay:19', 'pay:20', 'pay:20',
      'shop:34', 'shop:36',
      'tag:29', 'tag:29', 'shop:36', // each call of tag returns into shop's line 36
      'tag:29', 'tag:29', 'shop:36',
    ]);
  });

  it('next steps over the helper call, over awaits, and into the finally block', () => {
    const c = new Cursor(execution, first(execution, EventKind.Statement, 24));
    const seen = [at(c)];
    while (c.next().reason === 'step') seen.push(at(c));
    assert.deepEqual(seen, ['shop:24', 'shop:25', 'shop:26', 'shop:27', 'shop:27', 'shop:27', 'shop:29', 'shop:30', 'shop:31', 'shop:32', 'shop:34', 'shop:36']);
  });

  it('finish inside the helper returns to the caller, just after the call, in the statement that made it', () => {
    const c = new Cursor(execution, first(execution, EventKind.Statement, 12));
    assert.equal(c.finish().reason, 'finish');
    assert.equal(at(c), 'shop:24');
    assert.equal(c.returned, true);
    assert.equal(c.backtrace().length, 1);
    c.next();
    assert.equal(at(c), 'shop:25', 'next goes on to the statement after the call');
    c.goto(first(execution, EventKind.Statement, 12));
    c.finish('reverse');
    assert.equal(at(c), 'shop:24', 'reverse-finish goes back to the call site');
  });

  it('backtrace inside the helper shows helper <- workflow function, with the call site', () => {
    const c = new Cursor(execution, first(execution, EventKind.Statement, 12));
    const bt = c.backtrace();
    assert.deepEqual(bt.map((f) => f.site?.functionName), ['total', 'shop']);
    assert.equal(execution.siteOf(bt[1]!.index)?.line, 24);
  });

  it('the Promise.all branches are separate activations that interleave, each called from the workflow', () => {
    const enters = execution.functionOccurrences(execution.sites.functionSites('pay')[0]!);
    assert.equal(enters.length, 2);
    const [a, b] = [...enters].map((i) => execution.event(i).activation);
    const workflow = execution.event(0).activation;
    assert.equal(new Set([a, b, workflow]).size, 3, 'each async call is its own activation');
    // the first pay() suspends at its await before the second one starts
    const firstSuspend = [...execution.frameEvents(execution.frame(enters[0]!))].find((i) => execution.kinds[i] === EventKind.Suspend)!;
    assert.ok(firstSuspend < enters[1]!);
    const c = new Cursor(execution, first(execution, EventKind.Statement, 20));
    assert.deepEqual(c.backtrace().map((f) => f.site?.functionName), ['pay', 'shop']);
    assert.equal(execution.frameActivation(c.backtrace()[0]!.frame), a, 'the first to resume is the first branch');
  });

  it('a closure called by Array.prototype.map runs in the workflow activation, once per element', () => {
    const enters = execution.functionOccurrences(execution.sites.functionSites('tag')[0]!);
    assert.equal(enters.length, 2);
    for (const i of enters) {
      assert.equal(execution.event(i).activation, execution.event(0).activation);
      assert.deepEqual(new Cursor(execution, i).backtrace().map((f) => f.site?.functionName), ['tag', 'shop']);
    }
  });

  it('records the branch decisions of the loop condition: taken three times, then left', () => {
    const branches = [...Array(execution.length).keys()].filter((i) => execution.kinds[i] === EventKind.Branch).map((i) => execution.siteOf(i)!);
    assert.deepEqual(branches.map((s) => `${s.line}:${s.column}`), ['26:42', '26:42', '26:42', '26:3']);
  });
});

describe('instrument', () => {
  it('caches by content: the same input gives the same result without transforming again, for a module instance of its own', () => {
    const code = readFileSync(modulePath, 'utf8');
    const map = JSON.parse(readFileSync(`${modulePath}.map`, 'utf8')) as object;
    const a = instrument(code, modulePath, map);
    const b = instrument(code, modulePath, map);
    assert.equal(b.sites, a.sites, 'not transformed again');
    const ids = (out: { code: string }) => new Set([...out.code.matchAll(/__hs(\w{10})_/g)].map((m) => m[1]));
    assert.equal(ids(a).size, 1);
    assert.notDeepEqual(ids(b), ids(a), 'a new instance names its probes apart');
    assert.equal(b.code.replaceAll([...ids(b)][0]!, 'ID'), a.code.replaceAll([...ids(a)][0]!, 'ID'));
    const byContent = instrument(code, modulePath, map, { instance: 'content' });
    assert.equal(instrument(code, modulePath, map, { instance: 'content' }).code, byContent.code, "replay's: the same code for the same input");
    assert.ok(a.sites.some((s) => s.kind === 'function' && s.functionName === 'total' && s.line === 9 && s.file === source));
  });

  it('without a source map, sites name the JavaScript itself', () => {
    const out = instrument('export async function f(x) {\n  if (x) return await g(x);\n  return 0;\n}\n', '/tmp/plain.js');
    assert.deepEqual(
      out.sites.map((s) => `${s.kind}:${s.functionName}:${s.line}`),
      ['statement:f:2', 'statement:f:2', 'await:f:2', 'branch:f:2', 'branch:f:2', 'statement:f:3', 'function:f:1'],
    );
  });

  it('a workflows module whose source map is stale loads all the same, naming its JavaScript lines, and says why', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-stale-map-'));
    try {
      const api = pathToFileURL(path.resolve(path.dirname(modulePath), '../../../src/workflow/index.js')).href;
      const file = path.join(dir, 'hello.js');
      writeFileSync(file, `import { workflow } from '${api}';\nexport const hello = workflow('hello', async () => 1);\n//# sourceMappingURL=hello.js.map\n`);
      writeFileSync(`${file}.map`, JSON.stringify({ version: 3, sources: ['hello.ts'], names: [], mappings: 'AAAA;'.repeat(40) }));
      const loaded = await loadInstrumented(file);
      assert.deepEqual(loaded.workflows.map((w) => w.name), ['hello']);
      assert.equal(loaded.mapProblems.length, 1);
      assert.match(loaded.mapProblems[0]!, /hello\.js: its source map hello\.js\.map does not match it: the map covers 41 lines, the file has 4 \(a stale build\?\); its lines are the JavaScript's$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads the checkout example through package imports: the instrumented copy exports the same workflows', async () => {
    const file = path.join(ROOT, 'examples', 'checkout', 'dist', 'workflows.js');
    const [original, copy] = await Promise.all([loadWorkflows(file), loadInstrumented(file)]);
    assert.deepEqual(copy.workflows.map((w) => w.name).sort(), original.workflows.map((w) => w.name).sort());
  });
});
