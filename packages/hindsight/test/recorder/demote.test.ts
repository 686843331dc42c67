// Demotion's untraced copies: a tiny sync function instrumented for the flight recorder carries a
// copy of its original code, which it runs once the runtime demotes it (InstrumentOptions.demotable).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { instrument, probeRuntime } from '../../src/instrument/index.js';
import { Kind } from '../../src/instrument/probe-state.js';
import { decodeRecording, RingWriter, ringBytes } from '../../src/recorder/index.js';
import { EventKind, type Execution } from '../../src/trace/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-demote-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PROGRAM = `
export function step(x) {
  const y = x + 1;
  return y;
}
export function bump(x) {
  if (x < 0) throw new Error('negative ' + x);
  return step(x) * 2;
}
export const half = (x) => x / 2;
export function declares(x) { function inner() { return x; } return inner(); }
export function declaresClass(x) { class A {} return new A() && x; }
export class Box {
  constructor(v) { this.v = v; }
  get value() { return this.v; }
}
export async function later(x) { return x; }
export function* gen(x) { yield x; }
export function big(x) { let y = x; y++; y++; y++; return y; }
export function captured(x) { return x; }
`;

const file = path.join(dir, 'program.js');
const out = instrument(PROGRAM, file, undefined, { sparse: true, modules: true, demotable: 3, captureArgs: { patterns: ['captured'], matches: (n) => n === 'captured' } });
writeFileSync(file, out.code);

/** The module's function sites by name (module-local ids). */
const functions = new Map(out.sites.flatMap((s, i) => (s.kind === 'function' ? [[s.functionName, { site: i, demotable: s.demotable === true }] as const] : [])));

const enters = (ex: Execution, fn: string) => {
  let n = 0;
  for (let i = 0; i < ex.length; i++) if (ex.kinds[i] === EventKind.Enter && ex.siteOf(i)?.functionName === fn) n++;
  return n;
};

describe('demotion: a demoted function runs the untraced copy of its code', () => {
  it('only a tiny sync function has one: not one that declares a function or a class, a constructor, an async function, a generator, one with more statements, or one whose arguments are captured', () => {
    const demotable = [...functions].filter(([, f]) => f.demotable).map(([name]) => name);
    assert.deepEqual(demotable.sort(), ['Box.value', 'bump', 'half', 'inner', 'step']);
  });

  it('from its next call it computes the same and reports nothing, a throw included, while the functions it calls are traced as before', async () => {
    const runtime = probeRuntime();
    const base = runtime.sites.length;
    const mod = (await import(pathToFileURL(file).href)) as { bump(x: number): number; declares(x: number): number };
    const buffer = new ArrayBuffer(ringBytes(1024 * 1024));
    runtime.record(new RingWriter(buffer, 1));
    try {
      const results: number[] = [];
      for (let i = 0; i < 5; i++) results.push(mod.bump(i));
      runtime.demote(base + functions.get('bump')!.site);
      runtime.demote(base + functions.get('declares')!.site); // no copy: stays traced
      for (let i = 5; i < 12; i++) results.push(mod.bump(i));
      assert.throws(() => mod.bump(-1), /negative -1/, 'its copy throws as the traced code does');
      results.push(mod.declares(7));
      assert.deepEqual(results, [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 7]);
      const ex = decodeRecording({ ring: new Uint8Array(buffer), modules: [{ url: file, base, sites: runtime.sites.slice(base, base + out.sites.length) }] });
      assert.equal(enters(ex, 'bump'), 5, 'its calls before the demotion only');
      assert.equal(enters(ex, 'step'), 12, 'the function it calls, every time');
      assert.equal(enters(ex, 'declares'), 1, 'a function without a copy is not demoted');
    } finally {
      runtime.reset(undefined);
    }
  });

  it("the probes write EventKind's kinds (their literals are a const enum of the runtime's)", () => {
    assert.deepEqual([Kind.Enter, Kind.Exit, Kind.Throw, Kind.Statement, Kind.Suspend, Kind.Resume, Kind.Branch], [EventKind.Enter, EventKind.Exit, EventKind.Throw, EventKind.Statement, EventKind.Suspend, EventKind.Resume, EventKind.Branch]);
  });
});
