import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { instrument, probeRuntime } from '../../src/instrument/index.js';
import { Cursor } from '../../src/timetravel/index.js';
import { ExecutionBuilder, SiteTable, type Execution } from '../../src/trace/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-instrument-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Instruments `code`, imports it, and records what `run(module)` does as an Execution. */
async function trace(name: string, code: string, run: (mod: Record<string, (...a: unknown[]) => unknown>) => Promise<unknown> | unknown): Promise<{ ex: Execution; value: unknown }> {
  const file = path.join(dir, `${name}.js`);
  writeFileSync(file, instrument(code, file).code);
  const runtime = probeRuntime();
  const mod = (await import(pathToFileURL(file).href)) as Record<string, (...a: unknown[]) => unknown>;
  const b = new ExecutionBuilder(new SiteTable(runtime.sites), { ticksPerUnit: 1 });
  let clock = 0;
  runtime.reset({ event: (k, s, a) => void b.append(k, s, a, clock++) });
  let value: unknown;
  try {
    value = await run(mod);
  } finally {
    runtime.reset(undefined);
  }
  return { ex: b.build(), value };
}

/** Events as `kind function:line`, for the sites that name their line. */
const events = (ex: Execution) =>
  [...Array(ex.length).keys()].map((i) => {
    const s = ex.siteOf(i)!;
    return `${ex.event(i).kindName} ${s.functionName}:${s.line}`;
  });

describe('instrumented code reports its sites', () => {
  it('an exception unwinding two frames gives one Throw per frame and no Exit; the catching frame goes on', async () => {
    const { ex, value } = await trace(
      'throws',
      [
        'function inner(x) {', //        1
        '  throw new Error(x);', //      2
        '}', //                          3
        'function middle(x) {', //       4
        '  return inner(x);', //         5
        '}', //                          6
        'export function outer() {', //  7
        '  try { middle("no"); }', //    8
        '  catch (e) { return e.message; }', // 9
        '}', //                          10
      ].join('\n'),
      (m) => m.outer!(),
    );
    assert.equal(value, 'no', 'the instrumented code still computes the same value');
    assert.deepEqual(events(ex), [
      'enter outer:7', 'statement outer:8', 'statement outer:8',
      'enter middle:4', 'statement middle:5', 'enter inner:1', 'statement inner:2', 'throw inner:1', 'throw middle:4',
      'statement outer:9', 'exit outer:7',
    ]);
    const c = new Cursor(ex, 6);
    assert.equal(c.finish().index, 8, 'finish from inner: middle, as the exception leaves it');
    assert.equal(c.finish().index, 9, 'finish from middle: the catch of outer, which handles it');
  });

  it('branch decisions of ?:, && and ||, switch cases, and class methods keep their values and names', async () => {
    const { ex, value } = await trace(
      'branches',
      [
        'export class Pricer {', //                              1
        '  price(kind, n) {', //                                 2
        '    const base = n > 2 ? 10 : 20;', //                  3
        '    const off = (n && kind === "vip") || 0;', //        4
        '    switch (kind) {', //                                5
        '      case "vip": return base - 5 * off;', //           6
        '      default: return base;', //                        7
        '    }', //                                              8
        '  }', //                                                9
        '}', //                                                  10
      ].join('\n'),
      (m) => new (m.Pricer as unknown as new () => { price(k: string, n: number): number })().price('vip', 3),
    );
    assert.equal(value, 5);
    assert.deepEqual(events(ex), [
      'enter Pricer.price:2',
      'statement Pricer.price:3', 'branch Pricer.price:3',
      'statement Pricer.price:4', 'branch Pricer.price:4', 'branch Pricer.price:4',
      'statement Pricer.price:5', 'branch Pricer.price:6', 'statement Pricer.price:6',
      'exit Pricer.price:2',
    ]);
  });
});
