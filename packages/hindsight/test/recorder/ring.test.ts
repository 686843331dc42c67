import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readRing, RingWriter, ringBytes } from '../../src/recorder/index.js';
import { MAX_RING_ACTIVATION, TIME_EVERY } from '../../src/recorder/ring-layout.js';
import { ringEventCount, ringHeader, tallyRingEvents, type RingEvents } from '../../src/recorder/ring-reader.js';
import { EventKind } from '../../src/trace/index.js';

/** [kind, site, activation] of each event read. */
const triples = (e: RingEvents) => Array.from({ length: e.length }, (_, i) => [e.kinds[i], e.sites[i], e.activations[i]]);
const KINDS = [EventKind.Enter, EventKind.Exit, EventKind.Throw, EventKind.Statement, EventKind.Suspend, EventKind.Resume, EventKind.Branch];

/**
 * Checks the scan a decode sizes its columns by against the events read: for each kind, the sum
 * of a weight per site over the events of that kind (sites past the weights weigh nothing).
 */
function assertTallied(bytes: ArrayBuffer | Uint8Array, read: RingEvents): void {
  const weights = Uint32Array.from({ length: 64 }, (_, s) => s * 7 + 1);
  for (const kind of KINDS) {
    let expected = 0;
    for (let i = 0; i < read.length; i++) if (read.kinds[i] === kind && read.sites[i]! < weights.length) expected += weights[read.sites[i]!]!;
    assert.deepEqual(tallyRingEvents(bytes, weights, 1 << kind), { events: read.length, weighted: expected }, `the events of kind ${kind} tallied are those read`);
  }
}


describe('the flight recorder ring', () => {
  it('keeps the newest events in order: all of them until it wraps, then the newest that fit', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...KINDS), fc.oneof(fc.nat(63), fc.nat(2 ** 28 - 1)), fc.oneof(fc.constant(1), fc.nat(MAX_RING_ACTIVATION))), { maxLength: 3000 }), (events) => {
        const buffer = new ArrayBuffer(ringBytes(4 * 1024)); // 1024 slots
        const ring = new RingWriter(buffer, 42);
        for (const [k, s, a] of events) {
          ring.activate(a);
          ring.write(k, s, a);
        }
        const read = readRing(buffer);
        assert.equal(ring.written, events.length);
        if (!read.wrapped) assert.deepEqual(triples(read.events), events);
        else {
          // a slot an event, an activation record where it changes, a time record (2 slots) and the activation again every TIME_EVERY events
          assert.deepEqual(triples(read.events), events.slice(events.length - read.events.length), 'the newest events');
          assert.ok(read.events.length >= Math.floor((1024 - 2 * TIME_EVERY) / (2 + 3 / TIME_EVERY)), `${read.events.length} events read`);
        }
        assert.equal(read.pid, 42);
        for (let i = 1; i < read.events.length; i++) assert.ok(read.events.times[i]! >= read.events.times[i - 1]!, 'times do not go back');
        assert.equal(ringEventCount(buffer), read.events.length, 'the events counted are the events read');
        assertTallied(buffer, read.events);
      }),
      { numRuns: 60 },
    );
  });

  it('one slot an event while the activation stays the same: a ring of 1024 slots that wrapped holds all but a few records of them', () => {
    const buffer = new ArrayBuffer(ringBytes(4 * 1024));
    const ring = new RingWriter(buffer, 1);
    ring.activate(7);
    for (let i = 0; i < 5000; i++) ring.write(EventKind.Statement, i, 7);
    const read = readRing(buffer);
    assert.ok(read.wrapped);
    // 1023 slots read: per TIME_EVERY events, a time record (2 slots) and the activation again
    assert.ok(read.events.length >= 1023 - 3 * Math.ceil(1023 / TIME_EVERY) - TIME_EVERY, `${read.events.length} events`);
    assert.deepEqual([...read.events.sites], Array.from({ length: read.events.length }, (_, i) => 5000 - read.events.length + i));
    assert.ok(read.events.activations.every((a) => a === 7));
  });

  it('an event half written by a process that died is not read: the count publishes an event after its words', () => {
    const buffer = new ArrayBuffer(ringBytes(16 * 1024));
    const ring = new RingWriter(buffer, 1);
    ring.activate(1);
    for (let i = 0; i < 5; i++) ring.write(EventKind.Statement, i, 1);
    // the word of a sixth event, without the count that would publish it (word 3 of the header)
    const words = new Uint32Array(buffer);
    words[16 + words[3]!] = (EventKind.Enter << 28) | 99;
    assert.deepEqual([...readRing(buffer).events.sites], [0, 1, 2, 3, 4]);
  });

  it('an archive of a ring that never wrapped keeps only the events written, and reads the same', () => {
    const buffer = new ArrayBuffer(ringBytes(1024 * 1024));
    const ring = new RingWriter(buffer, 7);
    ring.activate(3);
    for (let i = 0; i < 100; i++) ring.write(EventKind.Branch, i, 3);
    const compact = new Uint8Array(buffer).subarray(0, ringHeader(new Uint8Array(buffer)).usedBytes);
    // a word a slot: the 100 events, 2 time records of 2 slots (the start, and one after 64 events), the activation twice (first, and after that record)
    assert.equal(compact.byteLength, (16 + 100 + 2 * 2 + 2) * 4);
    assert.equal(ringEventCount(compact), 100);
    assert.deepEqual(readRing(compact), readRing(buffer));
  });

  it('the clock is read where asked and every TIME_EVERY slots; the events between two readings get times spread evenly between them', () => {
    const buffer = new ArrayBuffer(ringBytes(16 * 1024));
    const ring = new RingWriter(buffer, 1);
    const spin = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    ring.activate(1);
    ring.write(EventKind.Enter, 1, 1);
    spin(20);
    ring.write(EventKind.Statement, 2, 1);
    ring.write(EventKind.Exit, 1, 1);
    ring.time(); // a reading where asked
    spin(20);
    ring.time(); // and another after the gap
    ring.activate(2);
    ring.write(EventKind.Enter, 3, 2);
    for (let i = 0; i < 3 * TIME_EVERY; i++) ring.write(EventKind.Statement, 4, 2);
    const { times, length } = readRing(buffer).events;
    assert.equal(length, 4 + 3 * TIME_EVERY);
    assert.ok(times[0]! < 1, 'the first event takes the time of the start');
    assert.ok(times[2]! >= 20, `the exit is at the clock reading after it (${times[2]})`);
    assert.ok(times[1]! > times[0]! && times[1]! < times[2]!, 'the statement between is between');
    assert.ok(times[3]! - times[2]! >= 20, `the enter after the gap is at the reading before it (${times[3]! - times[2]!} ms later)`);
    for (let i = 1; i < length; i++) assert.ok(times[i]! >= times[i - 1]!, 'times do not go back');
    // no more than TIME_EVERY slots between two clock readings: the statements in a row are not all at one time
    assert.ok(times[length - 1]! > times[3]!);
  });

  it('writes a time record once TIME_EVERY slots were written since the last, the activation records counted', () => {
    const buffer = new ArrayBuffer(ringBytes(16 * 1024));
    const ring = new RingWriter(buffer, 1);
    for (let i = 0; i < 10 * TIME_EVERY; i++) {
      ring.activate(1 + (i % 3 === 0 ? 1 : 0)); // an activation record before every third event or so
      ring.write(EventKind.Statement, 4, 1);
    }
    const words = new Uint32Array(buffer, 16 * 4, new Uint32Array(buffer)[3]!);
    const records = [...words.keys()].filter((i) => words[i]! >>> 28 === 15);
    const gaps = records.slice(1).map((at, k) => at - records[k]!);
    assert.ok(records.length >= 10, `${records.length} time records`);
    // the record's own two slots, TIME_EVERY, and an activation record written just before the event that crossed the line
    assert.ok(Math.max(...gaps) <= TIME_EVERY + 3, `at most TIME_EVERY slots and an activation record between two time records: ${gaps.join(' ')}`);
  });

  it('reads a ring longer than the chunks it is read in (2^16 slots) as one: an activation and a time record split across two chunks hold', () => {
    const chunk = 1 << 16;
    const words = new Uint32Array(16 + 4 * chunk);
    let count = 0;
    const put = (kind: number, payload: number) => (words[16 + count++] = ((kind << 28) | payload) >>> 0);
    put(13, 7); // activation 7
    while (count < chunk - 1) put(EventKind.Statement, count & 0xff);
    put(15, 0); // a time record of 2.5 ms, its two slots in two chunks
    put(12, 2_500_000);
    while (count < 2 * chunk - 1) put(EventKind.Statement, count & 0xff);
    put(13, 8); // the activation changes at the last slot of a chunk
    put(EventKind.Exit, 1);
    put(15, 0);
    put(12, 4_000_000);
    words.set([0x31525348, 3, 4 * chunk, count, 0, 1, 0, 0, 1, 6, TIME_EVERY]); // 6 record slots
    const { events } = readRing(words.buffer);
    assert.equal(events.length, 2 * chunk - 3);
    assert.deepEqual([events.times[0], events.times[chunk - 3], events.times[chunk - 2], events.times[events.length - 1]], [2.5, 2.5, 2.5, 4], 'the events before the split record take its time; those after are spread up to the next');
    assert.deepEqual([events.activations[events.length - 2], events.activations[events.length - 1]], [7, 8]);
  });

  it('a ring of format 1 (an older hindsight: 4-word events with a time each) still reads', () => {
    const words = new Uint32Array(16 + 1024 * 4);
    words.set([0x31525348, 1, 1024, 3, 0, 9]);
    [[EventKind.Enter, 5, 1, 10], [EventKind.Statement, 6, 1, 1500], [EventKind.Exit, 5, 1, 2000]].forEach(([k, s, a, us], i) => words.set([(k! << 28) | s!, a!, us!, 0], 16 + i * 4));
    const bytes = new Uint8Array(words.buffer).subarray(0, ringHeader(new Uint8Array(words.buffer)).usedBytes);
    assert.equal(bytes.byteLength, (16 + 3 * 4) * 4);
    const read = readRing(bytes);
    assert.deepEqual(triples(read.events), [[EventKind.Enter, 5, 1], [EventKind.Statement, 6, 1], [EventKind.Exit, 5, 1]]);
    assert.deepEqual([...read.events.times], [0.01, 1.5, 2]);
    assert.equal(ringEventCount(bytes), 3);
    assertTallied(bytes, read.events);
  });

  it('a ring of format 2 (two words a slot, an activation with each event) still reads', () => {
    const words = new Uint32Array(16 + 1024 * 2);
    words.set([0x31525348, 2, 1024, 5, 0, 9, 0, 0, 2, 2, 64]);
    const slots = [[15 << 28, 1_000_000], [(EventKind.Enter << 28) | 5, 1], [(EventKind.Statement << 28) | 6, 2], [(EventKind.Exit << 28) | 5, 1], [15 << 28, 4_000_000]];
    slots.forEach(([w0, w1], i) => words.set([w0!, w1!], 16 + i * 2));
    const bytes = new Uint8Array(words.buffer).subarray(0, ringHeader(new Uint8Array(words.buffer)).usedBytes);
    assert.equal(bytes.byteLength, (16 + 5 * 2) * 4);
    assert.equal(ringHeader(bytes).events, 3);
    const read = readRing(bytes);
    assert.deepEqual(triples(read.events), [[EventKind.Enter, 5, 1], [EventKind.Statement, 6, 2], [EventKind.Exit, 5, 1]]);
    assert.deepEqual([...read.events.times], [1, 2.5, 4]);
    assert.equal(ringEventCount(bytes), 3);
    assertTallied(bytes, read.events);
  });

  it('what is not a ring, or is cut short, is refused with a clear code and nothing else is read', () => {
    // the header alone (an archive's listing) and the whole ring are refused alike
    for (const read of [readRing, ringHeader]) {
      assert.throws(() => read(new Uint8Array(8)), { code: 'HS_E_RING_INVALID', message: /8 bytes are not a flight recorder ring/ });
      assert.throws(() => read(new Uint8Array(4096)), { code: 'HS_E_RING_INVALID', message: /bad magic/ });
    }
    const buffer = new ArrayBuffer(ringBytes(16 * 1024));
    const ring = new RingWriter(buffer, 1);
    ring.activate(1);
    for (let i = 0; i < 10; i++) ring.write(EventKind.Statement, i, 1);
    assert.throws(() => readRing(new Uint8Array(buffer).subarray(0, 100)), { code: 'HS_E_RING_INVALID', message: /truncated/ });
    assert.throws(() => new RingWriter(new ArrayBuffer(1000), 1), { code: 'HS_E_RING_SIZE' });
  });
});
