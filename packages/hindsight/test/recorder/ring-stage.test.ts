/**
 * The ring's stage (ring-layout.ts, format 4): the writer writes its slots into a few KiB that stay
 * in the CPU's cache, and they are copied into the ring behind it (native/ring-stage.c). Nothing a
 * reader reads may depend on where a slot happens to be when it reads: the ring's own slots, the
 * stage, or both, in a live process, a dead one's file or a copy of it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { archive, type ProcessEnd } from '../../src/recorder/archive.js';
import { readRing, RingWriter, ringBytes } from '../../src/recorder/index.js';
import { Layout, stageOf, stageSlots } from '../../src/recorder/ring-layout.js';
import type { RingEvents } from '../../src/recorder/ring-reader.js';
import { flushRing, mapShared, stampLoopWaits } from '../../src/recorder/shared-memory.js';
import { FILES } from '../../src/recorder/spool.js';
import { EventKind } from '../../src/trace/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-ring-stage-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** [kind, site, activation] of each event read. */
const triples = (e: RingEvents) => Array.from({ length: e.length }, (_, i) => [e.kinds[i], e.sites[i], e.activations[i]]);
const header = (memory: ArrayBuffer) => new Uint32Array(memory, 0, Layout.HEADER_WORDS);

/** The same events into `ring`: activations that change, every kind, `n` of them; a turn of the event loop every `turnEvery`. */
async function writeEvents(ring: RingWriter, n: number, turnEvery = Infinity): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (i % 7 === 0) ring.activate(1 + ((i / 7) % 5));
    ring.write([EventKind.Enter, EventKind.Statement, EventKind.Branch, EventKind.Exit][i % 4]!, i % 100_000, 0);
    if (i % turnEvery === turnEvery - 1) await turn();
  }
}

const end: ProcessEnd = { command: ['node', 'writer.js'], pid: 1, exitCode: null, signal: 'SIGKILL', trigger: 'crash', reason: 'killed' };

describe('the ring stage', () => {
  it('is copied into the ring behind the writer, a whole cache line at a time, by the native flush and by the event loop: what is read is what a plain copy leaves', async () => {
    const memory = mapShared(path.join(dir, 'native.ring'), ringBytes(64 * 1024)); // 16384 slots, a stage of 4096
    const native = new RingWriter(memory, 1, Date.now(), flushRing);
    stampLoopWaits(memory);
    const copied = new RingWriter(new ArrayBuffer(ringBytes(64 * 1024)), 1);
    await writeEvents(native, 50_000, 1000);
    await writeEvents(copied, 50_000);
    const h = header(memory);
    assert.equal(h[Layout.H_FLUSHED]! % Layout.LINE_SLOTS, 0, 'flushed up to a whole line');
    assert.ok(h[Layout.H_COUNT]! - h[Layout.H_FLUSHED]! < stageSlots(16384), 'the stage never holds more than it can');
    assert.ok(h[Layout.H_COUNT]! > 3 * 16384, 'the ring wrapped several times');
    const read = readRing(memory);
    assert.ok(read.wrapped);
    // the loop's time records are in one only, so the two hold a few more or fewer of the oldest events
    const got = triples(read.events);
    const expected = triples(readRing(copied['words'].buffer as ArrayBuffer).events);
    const both = Math.min(got.length, expected.length);
    assert.ok(both > 13_000, `${both} events`);
    assert.deepEqual(got.slice(-both), expected.slice(-both));
    assert.deepEqual(got.at(-1), [EventKind.Exit, 49_999, 3]);
  });

  it("of a process killed with SIGKILL is archived: the events it held only there are put in their places, in the dead process's file and in a live process's copy", () => {
    const folder = path.join(dir, 'killed');
    mkdirSync(folder);
    const file = path.join(folder, FILES.ring);
    const source = `
      const { RingWriter, ringBytes } = await import(${JSON.stringify(new URL('../../src/recorder/index.js', import.meta.url).href)});
      const { flushRing, mapShared } = await import(${JSON.stringify(new URL('../../src/recorder/shared-memory.js', import.meta.url).href)});
      const memory = mapShared(${JSON.stringify(file)}, ringBytes(64 * 1024));
      const ring = new RingWriter(memory, process.pid, Date.now(), flushRing);
      ring.activate(1);
      for (let i = 0; i < 20_003; i++) ring.write(3, i, 1);
      process.kill(process.pid, 'SIGKILL');`;
    const killed = spawnSync(process.execPath, ['--input-type=module', '-e', source], { stdio: 'inherit' });
    assert.equal(killed.signal, 'SIGKILL');
    const before = new Uint32Array(readFileSync(file).buffer.slice(0, Layout.HEADER_WORDS * 4));
    assert.ok(before[Layout.H_COUNT]! - before[Layout.H_FLUSHED]! > 0, 'its newest slots were in the stage only');
    const live = archive(folder, end).ring as Uint8Array;
    const dead = archive(folder, end, undefined, { ended: true }).ring;
    assert.ok(!(dead instanceof Uint8Array));
    const stored = new Uint8Array(readFileSync(dead.file).subarray(0, dead.bytes));
    for (const ring of [live, stored]) {
      const sites = readRing(ring).events.sites;
      assert.equal(sites[sites.length - 1], 20_002, 'the last event written is read');
      assert.deepEqual([...sites.subarray(sites.length - 5000)], Array.from({ length: 5000 }, (_, i) => 15_003 + i), 'and those before it, in order');
    }
    const settled = new Uint32Array(readFileSync(file).buffer.slice(0, Layout.HEADER_WORDS * 4));
    assert.equal(settled[Layout.H_FLUSHED], settled[Layout.H_COUNT], "the dead process's file says its stage is in its places");
  });

  it('of a dead process whose ring file was cut short in its stage is left as it is: reading it says it is truncated, not zeros for its newest events', () => {
    const folder = path.join(dir, 'cut');
    mkdirSync(folder);
    const file = path.join(folder, FILES.ring);
    const ring = new RingWriter(new ArrayBuffer(ringBytes(64 * 1024)), 1);
    ring.activate(1);
    for (let i = 0; i < 100; i++) ring.write(EventKind.Statement, i, 1);
    const whole = new Uint8Array(ring['words'].buffer as ArrayBuffer);
    writeFileSync(file, whole.subarray(0, (Layout.HEADER_WORDS + 16384 + 10) * 4));
    const dead = archive(folder, end, undefined, { ended: true }).ring;
    assert.ok(!(dead instanceof Uint8Array));
    const stored = new Uint8Array(readFileSync(dead.file).subarray(0, dead.bytes));
    assert.throws(() => readRing(stored), { code: 'HS_E_RING_INVALID', message: /in its stage.*truncated/ });
    assert.equal(readFileSync(file).byteLength, (Layout.HEADER_WORDS + 16384 + 10) * 4, 'the file was not written to');
  });

  it('is read where a reader finds it: a copy of a live ring without its stage, while slots are staged, is refused, not read short', () => {
    const buffer = new ArrayBuffer(ringBytes(16 * 1024));
    const ring = new RingWriter(buffer, 1);
    ring.activate(1);
    for (let i = 0; i < 100; i++) ring.write(EventKind.Statement, i, 1);
    assert.equal(stageOf(new Uint32Array(buffer)).length, stageSlots(4096));
    assert.equal(readRing(buffer).events.length, 100);
    assert.throws(() => readRing(new Uint8Array(buffer).subarray(0, (Layout.HEADER_WORDS + 4096) * 4)), { code: 'HS_E_RING_INVALID', message: /in its stage.*truncated/ });
  });
});
