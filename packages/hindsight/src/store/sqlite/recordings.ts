import type Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import type { BundleFile, NewRecording, PendingRing, RecordedModule, Recording, RecordingMeta, RecordingStore, RingFile } from '../recordings.js';
import { connect, type ConnectOptions } from './connection.js';
import { fileBytes, filePieces, RING_PIECE_BYTES } from '../ring-file.js';

interface Row {
  meta: string;
  ring: Buffer;
  modules: string;
  files: string;
}

/** Flight recordings in the SQLite store file. A recording is written in one transaction: all of it or nothing. */
export class SqliteRecordings implements RecordingStore {
  readonly #db: Database.Database;

  constructor(file: string, opts: ConnectOptions) {
    this.#db = connect(file, opts);
  }

  save(r: NewRecording): void {
    this.#withoutCheckpoint(() => this.#write(r));
  }

  storeRing(id: string): boolean {
    return this.#withoutCheckpoint(() =>
      // IMMEDIATE: of two processes storing the same ring, the second finds it stored
      this.#db
        .transaction(() => {
          const pending = this.#pending(id);
          if (!pending) return false;
          this.#putPieces(id, filePieces(pending.file, pending.bytes, () => lost(pending)));
          this.#db.prepare('DELETE FROM recording_ring_files WHERE id = ?').run(id);
          return true;
        })
        .immediate(),
    );
  }

  pendingRings(): PendingRing[] {
    return this.#db.prepare('SELECT id, file, bytes, owner FROM recording_ring_files ORDER BY id').all() as PendingRing[];
  }

  /**
   * The recording is on disk once its commit is in the write-ahead log; copying a 64 MiB ring on
   * into the database file (the checkpoint its size would start at once) waits for close or a later commit.
   */
  #withoutCheckpoint<T>(write: () => T): T {
    const checkpointEvery = this.#db.pragma('wal_autocheckpoint', { simple: true }) as number;
    this.#db.pragma('wal_autocheckpoint = 0');
    try {
      return write();
    } finally {
      this.#db.pragma(`wal_autocheckpoint = ${checkpointEvery}`);
    }
  }

  #write(r: NewRecording): void {
    const putFile = this.#db.prepare('INSERT INTO code_files (hash, content) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING');
    const put = this.#db.prepare('INSERT INTO recordings (id, created_at, meta, ring, modules, files) VALUES (?, ?, ?, ?, ?, ?)');
    const putValues = this.#db.prepare('INSERT INTO recording_values (id, ring) VALUES (?, ?)');
    const putRingFile = this.#db.prepare('INSERT INTO recording_ring_files (id, file, bytes, owner) VALUES (?, ?, ?, ?)');
    this.#db.transaction(() => {
      for (const f of r.files) putFile.run(f.hash, f.content);
      const files: BundleFile[] = r.files.map(({ path, hash }) => ({ path, hash }));
      put.run(r.meta.id, r.meta.createdAt, JSON.stringify(r.meta), EMPTY, JSON.stringify(r.modules), JSON.stringify(files));
      if (isRingFile(r.ring)) putRingFile.run(r.meta.id, r.ring.file, r.ring.bytes, r.ring.owner);
      else this.#putPieces(r.meta.id, [r.ring]);
      if (r.values) putValues.run(r.meta.id, blob(r.values));
    })();
  }

  #putPieces(id: string, ring: Iterable<Uint8Array>): void {
    const putPiece = this.#db.prepare('INSERT INTO recording_rings (id, seq, bytes) VALUES (?, ?, ?)');
    let seq = 0;
    for (const piece of ring) {
      for (let at = 0; at < piece.byteLength; at += RING_PIECE_BYTES) putPiece.run(id, seq++, blob(piece.subarray(at, at + RING_PIECE_BYTES)));
    }
  }

  #pending(id: string): PendingRing | undefined {
    return this.#db.prepare('SELECT id, file, bytes, owner FROM recording_ring_files WHERE id = ?').get(id) as PendingRing | undefined;
  }

  list(): RecordingMeta[] {
    return (this.#db.prepare('SELECT meta FROM recordings ORDER BY created_at DESC, id DESC').pluck().all() as string[]).map((m) => JSON.parse(m) as RecordingMeta);
  }

  get(id: string): Recording | undefined {
    const row = this.#db.prepare('SELECT meta, ring, modules, files FROM recordings WHERE id = ?').get(id) as Row | undefined;
    if (!row) return undefined;
    const values = this.#db.prepare('SELECT ring FROM recording_values WHERE id = ?').pluck().get(id) as Buffer | undefined;
    return {
      meta: JSON.parse(row.meta) as RecordingMeta,
      ring: row.ring.byteLength > 0 ? bytes(row.ring) : this.#ring(id),
      modules: JSON.parse(row.modules) as RecordedModule[],
      files: JSON.parse(row.files) as BundleFile[],
      ...(values ? { values: bytes(values) } : {}),
    };
  }

  /** A ring stored in pieces, joined; or, until it is stored, read from its file. */
  #ring(id: string): Uint8Array {
    const pending = this.#pending(id);
    // stored meanwhile (and its file removed): its pieces are in
    if (pending) return fileBytes(pending.file, pending.bytes, () => (this.#pending(id) ? lost(pending) : this.#ring(id)));
    const stored = this.#db.prepare('SELECT bytes FROM recording_rings WHERE id = ? ORDER BY seq').pluck().all(id) as Buffer[];
    return bytes(Buffer.concat(stored));
  }

  file(hash: string): string | undefined {
    const content = this.#db.prepare('SELECT content FROM code_files WHERE hash = ?').pluck().get(hash) as Buffer | string | undefined;
    return content === undefined ? undefined : content.toString();
  }

  /** Removes a recording; the code files it shares with others stay, the ones only it used go. */
  remove(id: string): boolean {
    return this.#db.transaction(() => {
      const gone = this.#db.prepare('DELETE FROM recordings WHERE id = ?').run(id).changes > 0;
      this.#db.prepare('DELETE FROM recording_values WHERE id = ?').run(id);
      this.#db.prepare('DELETE FROM recording_rings WHERE id = ?').run(id);
      this.#db.prepare('DELETE FROM recording_ring_files WHERE id = ?').run(id);
      if (gone) {
        const used = new Set((this.#db.prepare('SELECT files FROM recordings').pluck().all() as string[]).flatMap((f) => (JSON.parse(f) as BundleFile[]).map((b) => b.hash)));
        for (const hash of this.#db.prepare('SELECT hash FROM code_files').pluck().all() as string[]) {
          if (!used.has(hash)) this.#db.prepare('DELETE FROM code_files WHERE hash = ?').run(hash);
        }
      }
      return gone;
    })();
  }

  close(): void {
    this.#db.close();
  }
}

const EMPTY = Buffer.alloc(0);

const isRingFile = (ring: NewRecording['ring']): ring is RingFile => !(ring instanceof Uint8Array);

function lost(r: PendingRing): never {
  throw new StoreError('HS_E_RING_LOST', `the ring of recording ${r.id} was to be copied into the store from ${r.file}, and that file is gone (did the machine restart before hindsight stored it?); its metadata and code are kept, its events are not: remove it with hindsight trace rm ${r.id}`);
}

const blob = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
