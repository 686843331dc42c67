import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { openRecordings, type NewRecording, type RecordingStore } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/schema.js';

const root = mkdtempSync(path.join(tmpdir(), 'hindsight-recordings-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => path.join(root, `r${++n}.db`);

function withFreshStore(use: (store: RecordingStore) => void): void {
  const store = openRecordings({ path: freshPath() });
  try {
    use(store);
  } finally {
    store.close();
  }
}

function recording(id: string, ring: NewRecording['ring']): NewRecording {
  const meta = { id, createdAt: ++n, trigger: 'crash', command: ['node', 'app.js'], pid: 1, exitCode: null, signal: 'SIGKILL', node: 'v20', host: 'h', events: 0, wrapped: false, reason: 'killed by SIGKILL' } as const;
  return { meta, ring, modules: [], files: [] };
}

/** Bytes that differ from place to place, so that a piece out of order or repeated shows. */
function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed + (i >>> 10)) & 0xff;
  return out;
}

describe('flight recordings in the SQLite store', () => {
  it('a ring is read back byte for byte (it is stored in pieces of 1 MiB)', () => {
    withFreshStore((store) => {
      fc.assert(
        fc.property(fc.integer({ min: 64, max: 3 << 20 }), fc.nat(255), (length, seed) => {
          const ring = bytes(length, seed);
          const id = `rec-${++n}`;
          store.save(recording(id, ring));
          assert.deepEqual(store.get(id)!.ring, ring);
        }),
        { numRuns: 25 },
      );
    });
  });

  it('a ring saved as its file is read from the file until it is stored, then from the store, byte for byte; it is stored once', () => {
    withFreshStore((store) => {
      fc.assert(
        fc.property(fc.integer({ min: 64, max: 3 << 20 }), fc.integer({ min: -64, max: 64 }), (length, extra) => {
          const ring = bytes(length, extra & 0xff);
          const id = `rec-${++n}`;
          const file = path.join(root, `${id}.ring`);
          // the file may be longer than the ring (the rest of its slots), or cut short (what is missing reads as zeros)
          writeFileSync(file, extra >= 0 ? Buffer.concat([ring, Buffer.alloc(extra, 0xab)]) : ring.subarray(0, length + extra));
          const expected = extra >= 0 ? ring : Uint8Array.from([...ring.subarray(0, length + extra), ...new Uint8Array(-extra)]);
          store.save(recording(id, { file, bytes: length, owner: process.pid }));
          assert.deepEqual(store.pendingRings(), [{ id, file, bytes: length, owner: process.pid }]);
          assert.deepEqual(store.get(id)!.ring, expected);
          assert.equal(store.storeRing(id), true);
          rmSync(file);
          assert.deepEqual(store.get(id)!.ring, expected);
          assert.equal(store.storeRing(id), false);
          assert.deepEqual(store.pendingRings(), []);
        }),
        { numRuns: 15 },
      );
    });
  });

  it('a recording whose ring file is gone before it was stored says so in one line and is kept, until it is removed', () => {
    withFreshStore((store) => {
      const file = path.join(root, 'gone.ring');
      store.save(recording('rec-gone', { file, bytes: 4096, owner: process.pid }));
      const lost = { code: 'HS_E_RING_LOST', message: /ring of recording rec-gone .* gone .* hindsight trace rm rec-gone$/ };
      assert.throws(() => store.get('rec-gone'), lost);
      assert.throws(() => store.storeRing('rec-gone'), lost);
      assert.deepEqual(store.list().map((m) => m.id), ['rec-gone']);
      assert.equal(store.remove('rec-gone'), true);
      assert.deepEqual(store.pendingRings(), []);
    });
  });

  it('a store of schema 1 (rings in the recordings row) is brought up to this version, and its recordings are read as they were', () => {
    const file = freshPath();
    openRecordings({ path: file }).close();
    const ring = bytes(5000, 7);
    const db = new Database(file);
    db.exec('DROP TABLE recording_rings');
    db.prepare(`UPDATE meta SET value = '1' WHERE key = 'schema_version'`).run();
    db.prepare('INSERT INTO recordings (id, created_at, meta, ring, modules, files) VALUES (?, ?, ?, ?, ?, ?)').run('rec-old', 1, JSON.stringify(recording('rec-old', ring).meta), Buffer.from(ring), '[]', '[]');
    db.close();
    const store = openRecordings({ path: file });
    try {
      assert.deepEqual(store.get('rec-old')!.ring, ring);
      store.save(recording('rec-new', ring));
      assert.deepEqual(store.get('rec-new')!.ring, ring);
      assert.equal(store.remove('rec-old'), true);
      assert.equal(store.get('rec-old'), undefined);
    } finally {
      store.close();
    }
    const after = new Database(file, { readonly: true });
    assert.equal(after.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get(), String(SCHEMA_VERSION));
    after.close();
  });

  it('removing a recording removes its ring, and only its', () => {
    const file = freshPath();
    const store = openRecordings({ path: file });
    const kept = bytes(3 << 20, 1);
    store.save(recording('rec-gone', bytes(2 << 20, 2)));
    store.save(recording('rec-kept', kept));
    assert.equal(store.remove('rec-gone'), true);
    assert.deepEqual(store.get('rec-kept')!.ring, kept);
    store.close();
    const db = new Database(file, { readonly: true });
    const pieces = db.prepare('SELECT id, COUNT(*) AS n FROM recording_rings GROUP BY id').all();
    db.close();
    assert.deepEqual(pieces, [{ id: 'rec-kept', n: 3 }], 'a 3 MiB ring in three 1 MiB pieces, none left of the other');
  });
});
