import type Database from 'better-sqlite3';
import type { BundleFile, NewRecording, RecordedModule, Recording, RecordingMeta, RecordingStore } from '../recordings.js';
import { connect, type ConnectOptions } from './connection.js';

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
    // the recording is on disk once its commit is in the write-ahead log; copying a 64 MiB ring on
    // into the database file (the checkpoint its size would start at once) waits for close or a later commit
    const checkpointEvery = this.#db.pragma('wal_autocheckpoint', { simple: true }) as number;
    this.#db.pragma('wal_autocheckpoint = 0');
    try {
      this.#write(r);
    } finally {
      this.#db.pragma(`wal_autocheckpoint = ${checkpointEvery}`);
    }
  }

  #write(r: NewRecording): void {
    const putFile = this.#db.prepare('INSERT INTO code_files (hash, content) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING');
    const put = this.#db.prepare('INSERT INTO recordings (id, created_at, meta, ring, modules, files) VALUES (?, ?, ?, ?, ?, ?)');
    const putValues = this.#db.prepare('INSERT INTO recording_values (id, ring) VALUES (?, ?)');
    const putPiece = this.#db.prepare('INSERT INTO recording_rings (id, seq, bytes) VALUES (?, ?, ?)');
    this.#db.transaction(() => {
      for (const f of r.files) putFile.run(f.hash, f.content);
      const files: BundleFile[] = r.files.map(({ path, hash }) => ({ path, hash }));
      put.run(r.meta.id, r.meta.createdAt, JSON.stringify(r.meta), EMPTY, JSON.stringify(r.modules), JSON.stringify(files));
      let seq = 0;
      for (const piece of r.ring instanceof Uint8Array ? [r.ring] : r.ring) {
        for (let at = 0; at < piece.byteLength; at += PIECE) putPiece.run(r.meta.id, seq++, blob(piece.subarray(at, at + PIECE)));
      }
      if (r.values) putValues.run(r.meta.id, blob(r.values));
    })();
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

  /** A ring stored in pieces, joined. */
  #ring(id: string): Uint8Array {
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

/** The size of the pieces a ring is stored in. */
const PIECE = 1 << 20;
const EMPTY = Buffer.alloc(0);

const blob = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
