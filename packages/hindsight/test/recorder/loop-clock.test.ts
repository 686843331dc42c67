/**
 * The event loop's time records (native/loop-clock.c): the probes read no clock where traced code
 * stops running; the loop writes the time into the ring just before it waits, so what ran before a
 * wait is timed before it, not spread over it up to the next start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { instrument, probeRuntime } from '../../src/instrument/index.js';
import { decodeRecording, readRing, RingWriter, ringBytes } from '../../src/recorder/index.js';
import { mapShared, stampLoopWaits } from '../../src/recorder/shared-memory.js';
import { EventKind } from '../../src/trace/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-loop-clock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A started ring in a file of its own, stamped by this thread's loop. */
function stampedRing(name: string): { memory: ArrayBuffer; ring: RingWriter } {
  const memory = mapShared(path.join(dir, name), ringBytes(64 * 1024));
  const ring = new RingWriter(memory, process.pid);
  stampLoopWaits(memory);
  return { memory, ring };
}

/** Slots written (the header's count). */
const slots = (memory: ArrayBuffer) => new Uint32Array(memory)[3]!;

describe('the event loop stamps the ring before it waits', () => {
  it('events written before the loop waits are timed before the wait, not spread over it up to the next clock reading', async () => {
    const { memory, ring } = stampedRing('before-wait.ring');
    ring.activate(1);
    for (let i = 0; i < 10; i++) ring.write(EventKind.Statement, i, 1);
    await sleep(50); // traced code stopped; the loop waits for the timer
    ring.time(); // traced code starts again
    ring.write(EventKind.Statement, 10, 1);
    const { times, length } = readRing(memory).events;
    assert.equal(length, 11);
    // spread up to the next reading, the last event would be within about 5 ms of it; the loop's
    // record puts it before the 50 ms wait (half of it allows for the process being descheduled
    // before the loop stamps, on a busy machine)
    assert.ok(times[10]! - times[9]! >= 25, `the last event before the wait is at ${times[9]} ms, not near the ${times[10]} ms after it`);
    assert.ok(times[10]! >= 45, `the event after the wait is at the reading after it (${times[10]} ms)`);
    for (let i = 1; i < length; i++) assert.ok(times[i]! >= times[i - 1]!, 'times do not go back');
  });

  it('a loop that waits with nothing written since the last time record writes nothing: an idle program leaves its ring alone', async () => {
    const { memory, ring } = stampedRing('idle.ring');
    ring.activate(1);
    ring.write(EventKind.Statement, 1, 1);
    await sleep(5);
    const stamped = slots(memory);
    for (let i = 0; i < 5; i++) await sleep(5);
    assert.equal(slots(memory), stamped, 'no slot written by the idle turns');
    assert.equal(readRing(memory).events.length, 1);
  });

  it('an await that resumes after the program waited reads the clock, and so does the end of a unit of work; an await that resumes in the same burst of work does not', async () => {
    const file = path.join(dir, 'awaits.js');
    const out = instrument(
      `export async function main() {
        await null;
        await null;
        await new Promise((resolve) => setTimeout(resolve, 30));
        return 1;
      }`,
      file,
      undefined,
      { sparse: true },
    );
    writeFileSync(file, out.code);
    const runtime = probeRuntime();
    const base = runtime.sites.length;
    const program = (await import(pathToFileURL(file).href)) as { main(): Promise<number> };
    const { memory, ring } = stampedRing('awaits.ring');
    let readings = 0;
    const time = ring.time.bind(ring);
    ring.time = () => (readings++, time());
    runtime.record(ring);
    try {
      assert.equal(await program.main(), 1);
    } finally {
      runtime.reset(undefined);
    }
    assert.equal(readings, 3, 'the clock read where main starts, where it resumes after the timer and where it ends (a unit of work), not after each await null');
    const ex = decodeRecording({ ring: new Uint8Array(memory), modules: [{ url: file, base, sites: runtime.sites.slice(base, base + out.sites.length) }] });
    const at = (kind: string) => Array.from({ length: ex.length }, (_, i) => i).filter((i) => ex.event(i).kindName === kind);
    const [, , waited] = at('resume');
    // unstamped, the suspend would be spread to about 5 ms before the resume; half the 30 ms wait
    // allows for the process being descheduled before the loop stamps
    assert.ok(ex.event(waited!).time - ex.event(waited! - 1).time >= 15, `the resume after the timer is timed after the wait (${ex.event(waited! - 1).time} then ${ex.event(waited!).time} ms)`);
  });

  it('a worker thread stamps its own ring from its own loop, and ends cleanly with its loop watched', async () => {
    const file = path.join(dir, 'worker.ring');
    const modules = { ring: new URL('../../src/recorder/index.js', import.meta.url).href, memory: new URL('../../src/recorder/shared-memory.js', import.meta.url).href };
    const program = path.join(dir, 'worker.mjs');
    writeFileSync(
      program,
      `const { RingWriter, ringBytes } = await import(${JSON.stringify(modules.ring)});
      const { mapShared, stampLoopWaits } = await import(${JSON.stringify(modules.memory)});
      const memory = mapShared(${JSON.stringify(file)}, ringBytes(64 * 1024));
      const ring = new RingWriter(memory, 1);
      stampLoopWaits(memory);
      ring.activate(1);
      for (let i = 0; i < 10; i++) ring.write(1, i, 1);
      await new Promise((r) => setTimeout(r, 50));
      ring.time();
      ring.write(1, 10, 1);`,
    );
    const worker = new Worker(program);
    const exitCode = await new Promise<number>((resolve, reject) => {
      worker.once('exit', resolve);
      worker.once('error', reject);
    });
    assert.equal(exitCode, 0);
    const { times, length } = readRing(mapShared(file, ringBytes(64 * 1024))).events;
    assert.equal(length, 11);
    assert.ok(times[9]! < 10 && times[10]! >= 45, `timed by the worker's loop: ${times[9]} ms before its wait, ${times[10]} ms after`);
  });
});
