/**
 * The decoder hands the ring's columns to the builder whole (ExecutionBuilder.takeColumns); these
 * check it against the events read from the same ring appended one by one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PROGRESS_KIND } from '../../src/instrument/index.js';
import { decodeRecording, decodeRecordingWithArguments, readRing, RingWriter, ringBytes, TIME_EVERY } from '../../src/recorder/index.js';
import { EventColumns, QuietStatements, RUN_KINDS, Runs } from '../../src/recorder/quiet-statements.js';
import { tallyRingEvents } from '../../src/recorder/ring-reader.js';
import { EventKind, ExecutionBuilder, SiteTable, type Execution, type Site } from '../../src/trace/index.js';
import { snapshot } from '../trace/snapshot.js';
import { generate, siteTable } from '../trace/generate.js';

const sites: Site[] = Array.from({ length: siteTable().size }, (_, i) => siteTable().get(i)!);

/** The reference: the events read from the ring, progress marks left out, appended one by one. */
function appended(ring: Uint8Array): Execution {
  const { events } = readRing(ring);
  const b = new ExecutionBuilder(siteTable());
  for (let i = 0; i < events.length; i++) if (events.kinds[i] !== PROGRESS_KIND) b.append(events.kinds[i] as EventKind, events.sites[i]!, events.activations[i]!, events.times[i]!);
  return b.build();
}

describe('decoding a ring without quiet statements', () => {
  it('builds what appending its events builds, with progress marks left out, whole or wrapped', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1 << 16 }), { maxLength: 600 }), fc.array(fc.nat({ max: 40 }), { maxLength: 30 }), (choices, marks) => {
        const g = generate(choices);
        const buffer = new ArrayBuffer(ringBytes(16 * 1024)); // 1024 slots: long programs wrap
        const ring = new RingWriter(buffer, 1);
        const at = new Set(marks.map((m) => m * 7));
        g.events.forEach((e, i) => {
          ring.activate(e.activation);
          if (at.has(i)) ring.write(PROGRESS_KIND as EventKind, e.site, e.activation);
          ring.write(e.kind, e.site, e.activation);
        });
        const bytes = new Uint8Array(buffer);
        const expected = snapshot(appended(bytes));
        assert.deepEqual(snapshot(decodeRecording({ ring: bytes, modules: [{ url: 'gen.ts', base: 0, sites }] })), expected);
      }),
      { numRuns: 60 },
    );
  });
});

/** Sites of a sparse module: two functions and a statement start runs of quiet statements, one of which calls. */
const sparse: Site[] = [
  { kind: 'function', file: 'q.ts', line: 1, column: 1, functionName: 'f', run: [1, 2] },
  { kind: 'statement', file: 'q.ts', line: 2, column: 3, functionName: 'f', calls: true },
  { kind: 'statement', file: 'q.ts', line: 3, column: 3, functionName: 'f' },
  { kind: 'statement', file: 'q.ts', line: 4, column: 3, functionName: 'f', run: [4] },
  { kind: 'statement', file: 'q.ts', line: 5, column: 3, functionName: 'f' },
  { kind: 'function', file: 'q.ts', line: 7, column: 1, functionName: 'g', run: [6] },
  { kind: 'statement', file: 'q.ts', line: 8, column: 3, functionName: 'g' },
];

/**
 * A ring of format 3 written word by word, for times of our choosing: each step an event (an
 * Enter of f or g, the statement that starts a run, an Exit, a progress mark), another
 * activation, a time record `arg` µs after the last, or half of one. 256 slots: long ones wrap.
 */
function sparseRing(steps: readonly (readonly [number, number])[]): Uint8Array {
  const capacity = 256;
  const words = new Uint32Array(16 + capacity);
  words.set([0x31525348, 3, capacity, 0, 0, 1, 0, 0, 1, 0, TIME_EVERY]);
  let count = 0;
  let records = 0;
  const put = (kind: number, payload: number, record = false) => {
    words[16 + (count++ % capacity)] = ((kind << 28) | payload) >>> 0;
    if (record) records++;
  };
  let us = 0;
  put(13, 1, true);
  for (const [op, arg] of steps) {
    if (op < 2) put(EventKind.Enter, op === 0 ? 0 : 5);
    else if (op < 4) put(EventKind.Statement, 3);
    else if (op < 6) put(EventKind.Exit, 0);
    else if (op === 6) put(13, 1 + (arg % 3), true);
    else if (op === 7 || op === 8) {
      us += arg;
      put(15, Math.floor((us * 1000) / 2 ** 28), true);
      if (op === 7) put(12, (us * 1000) % 2 ** 28, true);
    } else put(PROGRESS_KIND, 2);
  }
  words[3] = count;
  words[4] = count > capacity ? 1 : 0;
  words[9] = records;
  return new Uint8Array(words.buffer);
}

/** The reference: the ring read into columns first, with its times, then its quiet statements put back event by event. */
function readFirst(ring: Uint8Array): Execution {
  const runs = new Runs(
    sparse.map((s) => s.run),
    sparse.length,
    Uint8Array.from(sparse, (s) => (s.calls ? 1 : 0)),
  );
  const { events } = readRing(ring);
  const out = new EventColumns(events.length + tallyRingEvents(ring, runs.lengths, RUN_KINDS).weighted);
  const quiet = new QuietStatements(out, runs, new Int32Array(sparse.length).fill(-1), new Uint8Array(sparse.length));
  for (let i = 0; i < events.length; i++) quiet.event(events.kinds[i]!, events.sites[i]!, events.activations[i]!, events.times[i]!);
  const c = out.written();
  return new ExecutionBuilder(new SiteTable(sparse)).appendColumns(c.kinds, c.sites, c.activations, c.times).build();
}

describe('decoding a ring with quiet statements', () => {
  it('puts them back as the ring is read, each at the time of the event it came with: as reading the ring into columns first does, whole or wrapped', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 9 }), fc.nat({ max: 5000 })), { maxLength: 500 }), (steps) => {
        const ring = sparseRing(steps);
        assert.deepEqual(snapshot(decodeRecording({ ring, modules: [{ url: 'q.ts', base: 0, sites: sparse }] })), snapshot(readFirst(ring)));
      }),
      { numRuns: 100 },
    );
  });
});

describe('locating events as the recorder counted them (a demotion), in the decoded trace', () => {
  it("gives an event's index in the Execution, and none for one the ring overwrote", () => {
    const buffer = new ArrayBuffer(ringBytes(16 * 1024));
    const ring = new RingWriter(buffer, 1);
    ring.activate(1);
    const site = sites.findIndex((s) => s.kind === 'statement');
    for (let i = 0; i < 10_000; i++) ring.write(EventKind.Statement, site, 1); // more than the ring holds
    const written = ring.written;
    const { execution, located } = decodeRecordingWithArguments({ ring: new Uint8Array(buffer), modules: [{ url: 'gen.ts', base: 0, sites }] }, { locate: [5, written - 10] });
    assert.equal(located.has(5), false, 'overwritten: before the trace began');
    assert.equal(located.get(written - 10), execution.length - 10);
  });
});

describe('decoding progress', () => {
  it('is told as the ring is read and built, rising to 1', () => {
    const buffer = new ArrayBuffer(ringBytes(8 * 1024 * 1024)); // two million slots
    const ring = new RingWriter(buffer, 1);
    ring.activate(1);
    ring.write(EventKind.Enter, 0, 1);
    for (let i = 0; i < 1_500_000; i++) ring.write(EventKind.Statement, 3, 1); // its run puts statement 4 back each time
    const told: number[] = [];
    const { execution } = decodeRecordingWithArguments({ ring: new Uint8Array(buffer), modules: [{ url: 'q.ts', base: 0, sites: sparse }] }, { progress: (f) => told.push(f) });
    assert.ok(execution.length > 3_000_000, 'the quiet statements put back');
    assert.ok(told.length >= 5, `told ${told.length} times`);
    assert.deepEqual([...told].sort((a, b) => a - b), told, 'never back');
    assert.ok(told[0]! > 0 && told[0]! < 0.2, `first ${told[0]}`);
    assert.equal(told.at(-1), 1);
  });
});
