import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { corrupt, toStoreError, type ErrorContext } from './errors.js';
import { SCHEMA, SCHEMA_VERSION } from './schema.js';

export interface ConnectOptions extends ErrorContext {
  durability: 'full' | 'normal';
}

/**
 * Opens the file and brings its tables up to date. A file that is not a
 * Hindsight store, or is one from a newer version, is refused before
 * anything is written to it: nothing here ever "repairs" a file.
 */
export function connect(file: string, opts: ConnectOptions): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: opts.busyTimeoutMs });
    // A read first: a damaged file fails here, before any pragma could write to it.
    checkExisting(db, opts.where);
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    // FULL: a commit is on disk before it is acknowledged. NORMAL in WAL mode
    // survives a process crash but may lose the last commits on power loss.
    db.pragma(`synchronous = ${opts.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs))}`);
    // A group commit touches about one events page per run in it; a bigger cache
    // and rarer checkpoints roughly halve its cost when hundreds of runs share one
    // (measured; the defaults are a 2 MB cache and a checkpoint every 4 MB).
    db.pragma('cache_size = -65536');
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    migrate(db, opts.where);
    return db;
  } catch (err) {
    db?.close();
    throw toStoreError(err, opts);
  }
}

function checkExisting(db: Database.Database, where: string): void {
  const names = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`)
    .pluck()
    .all() as string[];
  if (names.length === 0) return; // a new, empty file
  // Another program's database: creating our tables in it would modify it.
  if (!names.includes('meta')) throw corrupt(where);
  checkVersion(db, where);
}

function checkVersion(db: Database.Database, where: string): void {
  const text = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get() as
    | string
    | undefined;
  const version = Number(text);
  if (text === undefined || !Number.isInteger(version) || version < 1) throw corrupt(where);
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      'HS_E_STORE_VERSION',
      `store ${where} was written by a newer Hindsight (schema ${version}, this version knows ${SCHEMA_VERSION}); upgrade hindsight or point --store at another file`,
    );
  }
}

function migrate(db: Database.Database, where: string): void {
  // IMMEDIATE: two processes opening a new store at once create it once.
  db.transaction(() => {
    for (const sql of SCHEMA) db.exec(sql);
    // a new store gets this version, an older one is brought up to it (its tables were just created)
    db.prepare(
      `INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)`,
    ).run(String(SCHEMA_VERSION));
    checkVersion(db, where);
  }).immediate();
}
