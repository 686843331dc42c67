/**
 * A recorded program that dies of an uncaught error: what Node prints (the source line the error
 * came from, with its caret, and the stack) shows the user's source, TypeScript through the
 * compiler's source map, never the probes of the instrumented code; and `error.stack` names the
 * original file, line and column. Real child processes, under `hindsight record` and under
 * `node --import hindsight/register`, for an ES module in TypeScript and CommonJS in JavaScript.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI } from './oracle-helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCRIPT = path.join(here, 'fixtures', 'crash.js');
const SOURCE = path.resolve(here, '../../../test/recorder/fixtures/crash.ts');
const REGISTER = new URL('../../src/recorder/register.bundle.js', import.meta.url).href;
const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-crash-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ENV = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };

const THROW_LINE = "  if (order.qty > limit) throw new RangeError(`order ${order.id}: ${order.qty} is over the limit`);";

/** What a user sees of the crash: the source line Node printed, the caret under the throw, the top of the stack. */
function assertOriginal(stderr: string, source: string, line: string, at: string): void {
  assert.doesNotMatch(stderr, /__hs/, 'no probe code in what Node printed');
  const lines = stderr.split('\n');
  const header = lines.findIndex((l) => l === `${source}:${at.split(':')[0]}`);
  assert.ok(header >= 0, `Node names the original file and line:\n${stderr}`);
  assert.equal(lines[header + 1], line, 'then prints the original line');
  assert.equal(lines[header + 2]!.indexOf('^'), line.indexOf('new '), 'with the caret where the error was made');
  assert.ok(stderr.includes(`(${source}:${at})`), `the stack names ${source}:${at}:\n${stderr}`);
}

describe('a recorded program that crashes shows its own source in what Node prints (with --source-maps)', () => {
  it('under hindsight record: the TypeScript line of the throw, and TypeScript positions in the stack', () => {
    const run = spawnSync(process.execPath, [CLI, '--store', path.join(dir, 'record.db'), 'record', '--source-maps', '--include', path.join(here, 'fixtures', '**'), '--', process.execPath, SCRIPT], { cwd: dir, env: ENV, encoding: 'utf8' });
    assert.equal(run.status, 1, run.stderr);
    assertOriginal(run.stderr, SOURCE, THROW_LINE, '10:32');
    assert.match(run.stderr, /at check \(.*crash\.ts:10:32\)/);
    assert.match(run.stderr, /recording rec-[0-9a-f]+ archived/, 'and it was recorded');
  });

  it('under node --import hindsight/register: the same', () => {
    const cwd = mkdtempSync(path.join(dir, 'standalone-'));
    const env = { ...ENV, HINDSIGHT_STORE: path.join(cwd, 'store.db'), HINDSIGHT_INCLUDE: path.join(here, 'fixtures', '**'), HINDSIGHT_SOURCE_MAPS: '1' };
    const run = spawnSync(process.execPath, ['--import', REGISTER, SCRIPT], { cwd, env, encoding: 'utf8' });
    assert.equal(run.status, 1, run.stderr);
    assertOriginal(run.stderr, SOURCE, THROW_LINE, '10:32');
    assert.match(run.stderr, /recording rec-[0-9a-f]+ archived/);
  });

  it('CommonJS in JavaScript: the line as written, its column, and error.stack as the program sees it', () => {
    const cwd = mkdtempSync(path.join(dir, 'cjs-'));
    const file = path.join(cwd, 'app.cjs');
    const line = "  if (Number.isNaN(n)) throw new Error('not a number: ' + input);";
    writeFileSync(file, ['function parse(input) {', '  const n = Number(input);', line, '  return n * 2;', '}', "process.on('exit', () => {});", "try { parse('x'); } catch (err) { console.log(err.stack.split('\\n')[1]); }", "['1', 'x'].map(parse);", ''].join('\n'));
    const run = spawnSync(process.execPath, [CLI, '--store', path.join(cwd, 'store.db'), 'record', '--source-maps', '--', process.execPath, file], { cwd, env: ENV, encoding: 'utf8' });
    assert.equal(run.status, 1, run.stderr);
    assertOriginal(run.stderr, file, line, '3:30');
    assert.equal(run.stdout.trim(), `at parse (${file}:3:30)`, 'error.stack, read by the program, names the original position');
  });

  it('without source maps, an error on a module’s first line prints that line with the probes of its statement, never the module’s site table', () => {
    for (const name of ['first.mjs', 'first.cjs']) {
      const cwd = mkdtempSync(path.join(dir, 'first-'));
      const line = 'const config = process.env.HINDSIGHT_NO_SUCH_VARIABLE.trim(); export1(config);';
      writeFileSync(path.join(cwd, name), `${line}\nfunction export1(c) { return c; }\n`);
      const run = spawnSync(process.execPath, [CLI, '--store', path.join(cwd, 'store.db'), 'record', '--', process.execPath, name], { cwd, env: ENV, encoding: 'utf8' });
      assert.equal(run.status, 1, run.stderr);
      const printed = run.stderr.split('\n')[1]!;
      assert.ok(printed.includes('process.env.HINDSIGHT_NO_SUCH_VARIABLE.trim()'), `${name}: ${printed}`);
      assert.doesNotMatch(run.stderr, /hindsight\.probes|data:text/, `${name}: the site table stays out of what Node prints`);
    }
  });
});
