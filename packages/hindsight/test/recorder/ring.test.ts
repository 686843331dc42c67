import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readRing, RingWriter, ringBytes } from '../../src/recorder/index.js';
import { ringHeader, type RingEvents } from '../../src/recorder/ring.js';
import { EventKind } from '../../src/trace/index.js';

/** [kind, site, activation] of each event read. */
const triples = (e: RingEvents) => Array.from({ length: e.length }, (_, i) => [e.kinds[i], e.sites[i], e.activations[i]]);

const KINDS = [EventKind.Enter, EventKind.Exit, EventKind.Throw, EventKind.Statement, EventKind.Suspend, EventKind.Resume, EventKind.Branch];

describe('the flight recorder ring', () => {
  it('keeps the newest events in order: all of them until it wraps, then all but the slot being overwritten', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...KINDS), fc.nat(2 ** 28 - 1), fc.nat(2 ** 32 - 1)), { maxLength: 3000 }), (events) => {
        const buffer = new ArrayBuffer(ringBytes(16 * 1024)); // 1024 events
        const ring = new RingWriter(buffer, 42);
        for (const [k, s, a] of events) ring.write(k, s, a);
        const read = readRing(buffer);
        const kept = events.length < 1024 ? events : events.slice(events.length - 1023);
        assert.equal(read.wrapped, events.length >= 1024);
        assert.deepEqual(triples(read.events), kept);
        assert.equal(read.pid, 42);
        for (let i = 1; i < read.events.length; i++) assert.ok(read.events.times[i]! >= read.events.times[i - 1]!, 'times do not go back');
      }),
      { numRuns: 60 },
    );
  });

  it('an event half written by a process that died is not read: the count publishes an event after its words', () => {
    const buffer = new ArrayBuffer(ringBytes(16 * 1024));
    const ring = new RingWriter(buffer, 1);
    for (let i = 0; i < 5; i++) ring.write(EventKind.Statement, i, 1);
    // the words of a sixth event, without the count that would publish it
    const words = new Uint32Array(buffer);
    words[16 + 5 * 4] = (EventKind.Enter << 28) | 99;
    assert.deepEqual([...readRing(buffer).events.sites], [0, 1, 2, 3, 4]);
  });

  it('an archive of a ring that never wrapped keeps only the events written, and reads the same', () => {
    const buffer = new ArrayBuffer(ringBytes(1024 * 1024));
    const ring = new RingWriter(buffer, 7);
    for (let i = 0; i < 100; i++) ring.write(EventKind.Branch, i, 3);
    const compact = new Uint8Array(buffer).subarray(0, ringHeader(new Uint8Array(buffer)).usedBytes);
    assert.equal(compact.byteLength, (16 + 100 * 4) * 4);
    assert.deepEqual(readRing(compact), readRing(buffer));
  });

  it('what is not a ring, or is cut short, is refused with a clear code and nothing else is read', () => {
    assert.throws(() => readRing(new Uint8Array(8)), { code: 'HS_E_RING_INVALID' });
    assert.throws(() => readRing(new Uint8Array(4096)), { code: 'HS_E_RING_INVALID', message: /bad magic/ });
    const buffer = new ArrayBuffer(ringBytes(16 * 1024));
    const ring = new RingWriter(buffer, 1);
    for (let i = 0; i < 10; i++) ring.write(EventKind.Statement, i, 1);
    assert.throws(() => readRing(new Uint8Array(buffer).subarray(0, 100)), { code: 'HS_E_RING_INVALID', message: /truncated/ });
    assert.throws(() => new RingWriter(new ArrayBuffer(1000), 1), { code: 'HS_E_RING_SIZE' });
  });
});
