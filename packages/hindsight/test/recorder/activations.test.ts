// The ring names an activation where it changes (an activation record), not with each event: the
// probes that change the running activation say so (EventWriter.activate), and every other probe
// writes in the one that runs. A writer that checks each event against the last activation named
// proves it over every way control moves between activations.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { instrument, ProbeRuntime, probeRuntime, type EventWriter } from '../../src/instrument/index.js';
import { decodeRecording, RingWriter, ringBytes } from '../../src/recorder/index.js';
import { HindsightError } from '../../src/common/index.js';
import { EventKind, eventKindName } from '../../src/trace/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-activations-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PROGRAM = `
const tick = () => new Promise((r) => setImmediate(r));
function add(a, b) { return a + b; }
async function leaf(n) {
  if (n < 0) throw new Error('negative');
  await tick();
  return add(n, 1);
}
async function middle(n) {
  const x = await leaf(n);
  let y = 0;
  try { y = await leaf(-1); } catch { y = add(x, 2); }
  return x + y;
}
function* numbers(n) { for (let i = 0; i < n; i++) yield add(i, 0); }
function* outer() { yield* numbers(2); yield 9; }
async function* ticks(n) { for (let i = 0; i < n; i++) { await tick(); yield i; } }
function callsAsync() {
  const p = leaf(3);
  const sum = add(1, 2);
  return p.then((v) => v + sum);
}
async function early() { throw new Error('before any await'); }
export async function main() {
  const all = await Promise.all([middle(1), middle(2), callsAsync()]);
  let s = 0;
  for (const v of outer()) s = add(s, v);
  for await (const v of ticks(3)) s = add(s, v);
  try { await early(); } catch { s = add(s, 100); }
  const later = await new Promise((resolve) => setTimeout(() => resolve(add(s, 1)), 1));
  return [all, later];
}
`;
const file = path.join(dir, 'program.mjs');
const out = instrument(PROGRAM, file, undefined, { sparse: true, modules: true, demotable: 3 });
writeFileSync(file, out.code);

/** An EventWriter that checks each event against the activation last named, and counts the kinds. */
class CheckingWriter implements EventWriter {
  active = -1;
  readonly wrong: string[] = [];
  readonly kinds = new Map<string, number>();
  #n = 0;
  get written(): number {
    return this.#n;
  }
  activate(activation: number): void {
    this.active = activation;
  }
  write(kind: EventKind, site: number, activation: number): void {
    const name = eventKindName(kind) ?? `kind ${kind}`;
    if (activation !== this.active) this.wrong.push(`${name} at site ${site} written in ${activation} while ${this.active} was named`);
    this.kinds.set(name, (this.kinds.get(name) ?? 0) + 1);
    this.#n++;
  }
  time(): number {
    return performance.now();
  }
  waited(): boolean {
    return true;
  }
}

describe('activation records: the probes name the running activation where it changes', () => {
  it('every event is written in the activation last named: async calls and awaits, a rejection caught across an await, generators, yield*, for await, a throw before any await, callbacks from the event loop', async () => {
    const runtime = probeRuntime();
    const mod = (await import(pathToFileURL(file).href)) as { main(): Promise<unknown> };
    const writer = new CheckingWriter();
    runtime.record(writer);
    try {
      assert.deepEqual(await mod.main(), [[6, 8, 7], 114]);
    } finally {
      runtime.reset(undefined);
    }
    assert.deepEqual(writer.wrong, []);
    for (const kind of ['enter', 'exit', 'throw', 'suspend', 'resume', 'branch']) assert.ok((writer.kinds.get(kind) ?? 0) > 0, `the program wrote ${kind} events: ${[...writer.kinds]}`);
  });

  it('a ring written the same way decodes to every call the program made', async () => {
    const runtime = probeRuntime();
    const base = runtime.sites.length - out.sites.length; // the module registered its sites when the first test imported it
    const mod = (await import(pathToFileURL(file).href)) as { main(): Promise<unknown> };
    const buffer = new ArrayBuffer(ringBytes(1024 * 1024));
    runtime.record(new RingWriter(buffer, 1));
    try {
      await mod.main();
    } finally {
      runtime.reset(undefined);
    }
    const ex = decodeRecording({ ring: new Uint8Array(buffer), modules: [{ url: file, base, sites: runtime.sites.slice(base, base + out.sites.length) }] });
    const calls = new Map<string, number>();
    for (let i = 0; i < ex.length; i++) {
      if (ex.kinds[i] !== EventKind.Enter) continue;
      const name = ex.siteOf(i)?.functionName ?? '?';
      calls.set(name, (calls.get(name) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries([...calls].filter(([name]) => ['leaf', 'middle', 'callsAsync', 'numbers', 'outer', 'ticks', 'early', 'main'].includes(name)).sort()), { callsAsync: 1, early: 1, leaf: 5, main: 1, middle: 2, numbers: 1, outer: 1, ticks: 1 });
  });

  it('a runtime made with a ring records into it from the start, before any record(), and goes on after one with the same ring', () => {
    const writer = new CheckingWriter();
    const runtime = new ProbeRuntime(writer);
    const probe = runtime.module([{ kind: 'function', file, line: 1, column: 1, functionName: 'f' }]);
    probe.ex(0, probe.en(0));
    runtime.record(writer);
    probe.ex(0, probe.en(0));
    assert.deepEqual(writer.wrong, []);
    assert.deepEqual([...writer.kinds], [['enter', 2], ['exit', 2]]);
  });

  it('install makes the probes read-only globals of the module instance, and says plainly when the global object cannot take them', () => {
    const runtime = new ProbeRuntime();
    const global: Record<string, unknown> = {};
    runtime.install(global, 'abc', [{ kind: 'function', file, line: 1, column: 1, functionName: 'f' }], [], ['en', 'xs']);
    assert.equal(typeof global.__hsabc_en, 'function');
    assert.deepEqual(Object.keys(global), [], 'not enumerable');
    assert.throws(() => (global.__hsabc_en = null), TypeError, 'read-only');
    assert.throws(
      () => runtime.install(Object.freeze({}), 'def', [{ kind: 'function', file, line: 1, column: 1, functionName: 'g' }], [], ['en']),
      (err: unknown) => HindsightError.is(err, 'HS_E_RECORDER_GLOBAL') && err.message.includes(file) && !err.message.includes('\n'),
    );
  });

  it("probeRuntime(ring) records the process's runtime into the ring, installed before or not", () => {
    const installed = probeRuntime();
    const writer = new CheckingWriter();
    assert.equal(probeRuntime(writer), installed);
    try {
      const probe = installed.module([{ kind: 'function', file, line: 1, column: 1, functionName: 'g' }]);
      probe.ex(0, probe.en(0));
    } finally {
      installed.reset(undefined);
    }
    assert.deepEqual([...writer.kinds], [['enter', 1], ['exit', 1]]);
  });
});
