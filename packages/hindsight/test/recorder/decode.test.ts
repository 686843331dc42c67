/**
 * The decoder hands the ring's columns to the builder whole (ExecutionBuilder.takeColumns); these
 * check it against the events read from the same ring appended one by one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PROGRESS_KIND } from '../../src/instrument/index.js';
import { decodeRecording, readRing, RingWriter, ringBytes } from '../../src/recorder/index.js';
import { EventKind, ExecutionBuilder, type Execution, type Site } from '../../src/trace/index.js';
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
