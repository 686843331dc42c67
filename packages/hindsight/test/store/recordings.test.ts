import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { openRecordings, type NewRecording } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/schema.js';

const root = mkdtempSync(path.join(tmpdir(), 'hindsight-recordings-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshPath = (): string => path.join(root, `r${++n}.db`);

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

/** The ring as a reader of its file gives it: cut at `cuts`, each piece in one buffer overwritten once the next is asked for. */
function* reusedPieces(ring: Uint8Array, cuts: number[]): Generator<Uint8Array> {
  const bounds = [...new Set([0, ring.length, ...cuts.map((c) => c % (ring.length + 1))])].sort((a, b) => a - b);
  const buffer = new Uint8Array(ring.length);
  for (let j = 0; j + 1 < bounds.length; j++) {
    const piece = buffer.subarray(0, bounds[j + 1]! - bounds[j]!);
    piece.set(ring.subarray(bounds[j]!, bounds[j + 1]!));
    yield piece;
    piece.fill(0xee);
  }
}

describe('flight recordings in the SQLite store', () => {
  it('a ring given whole or in pieces (each read before the next overwrites it) is read back byte for byte', () => {
    const store = openRecordings({ path: freshPath() });
    try {
      fc.assert(
        fc.property(fc.integer({ min: 64, max: 3 << 20 }), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (length, cuts, whole) => {
          const ring = bytes(length, cuts.length);
          const id = `rec-${++n}`;
          store.save(recording(id, whole ? ring : reusedPieces(ring, cuts)));
          assert.deepEqual(store.get(id)!.ring, ring);
        }),
        { numRuns: 25 },
      );
    } finally {
      store.close();
    }
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
