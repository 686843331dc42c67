/**
 * The store's tables. Plain tables with INTEGER/TEXT columns so that the
 * PostgreSQL store can keep the same shape; only the triggers are SQLite dialect.
 */

/**
 * Bump when the tables change so that an older version cannot read what a newer one writes; a
 * store written by a newer version is refused, never rewritten. Opening an older store brings
 * it up to this version. 2: rings stored in pieces (recording_rings), which version 1 would take
 * for damaged recordings. 3: rings stored after their recording (recording_ring_files), whose
 * recordings version 2 would take for damaged.
 */
export const SCHEMA_VERSION = 3;

/** Every statement is idempotent: opening an existing store runs all of them again. */
export const SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS meta (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS runs (
     run_id TEXT PRIMARY KEY,
     workflow_id TEXT NOT NULL,
     workflow_type TEXT NOT NULL,
     task_queue TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     closed_at INTEGER,
     input TEXT,
     result TEXT,
     error TEXT,
     parent_run_id TEXT,
     event_count INTEGER NOT NULL,
     fingerprint TEXT,
     blocked_reason TEXT,
     blocked_fingerprint TEXT,
     wake_at INTEGER,
     ready INTEGER NOT NULL DEFAULT 0,
     lease_owner TEXT,
     lease_expires_at INTEGER,
     lease_epoch INTEGER NOT NULL DEFAULT 0
   )`,
  // Listing: newest first, optionally narrowed by status, type or workflow id.
  `CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_at, run_id)`,
  `CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, created_at, run_id)`,
  `CREATE INDEX IF NOT EXISTS runs_by_type ON runs (workflow_type, created_at, run_id)`,
  `CREATE INDEX IF NOT EXISTS runs_by_workflow_id ON runs (workflow_id, created_at, run_id)`,
  // Claiming: each kind of pending work has its own narrow index so that a
  // claim does not scan the (possibly millions of) idle or closed runs.
  `CREATE INDEX IF NOT EXISTS runs_ready ON runs (task_queue, workflow_type, created_at, run_id)
   WHERE status = 'RUNNING' AND ready = 1`,
  `CREATE INDEX IF NOT EXISTS runs_blocked ON runs (task_queue, workflow_type, created_at, run_id)
   WHERE status = 'BLOCKED'`,
  `CREATE INDEX IF NOT EXISTS runs_by_wake ON runs (status, wake_at)`,
  `CREATE INDEX IF NOT EXISTS runs_by_lease ON runs (status, lease_expires_at)`,
  // Events are stored in the order they are committed (the rowid grows), and found
  // per run through an index. A group commit appends one event to each of hundreds of
  // runs: appended rows fill the last pages only, where a table keyed by run would
  // dirty one page per run and write it all to the WAL (about 2x slower).
  `CREATE TABLE IF NOT EXISTS events (
     seq INTEGER PRIMARY KEY,
     run_id TEXT NOT NULL,
     id INTEGER NOT NULL,
     ts INTEGER NOT NULL,
     type TEXT NOT NULL,
     data TEXT NOT NULL
   )`,
  `CREATE UNIQUE INDEX IF NOT EXISTS events_by_run ON events (run_id, id)`,
  // Histories are append-only; the database itself refuses anything else, so
  // neither a bug nor a hand-written UPDATE can rewrite what was recorded.
  `CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
   BEGIN SELECT RAISE(ABORT, 'hindsight histories are append-only: events cannot be updated'); END`,
  `CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
   BEGIN SELECT RAISE(ABORT, 'hindsight histories are append-only: events cannot be deleted'); END`,
  // AUTOINCREMENT: ids never reused, so they order messages and name consumed ones safely.
  `CREATE TABLE IF NOT EXISTS inbox (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     run_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     data TEXT NOT NULL,
     created_at INTEGER NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS inbox_by_run ON inbox (run_id, id)`,
  `CREATE TABLE IF NOT EXISTS queries (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     run_id TEXT NOT NULL,
     name TEXT NOT NULL,
     args TEXT NOT NULL,
     status TEXT NOT NULL,
     result TEXT,
     error TEXT,
     created_at INTEGER NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS queries_pending ON queries (run_id, id) WHERE status = 'pending'`,
  // Flight recordings: the ring as it was, its site tables, and the code it ran (content-addressed,
  // shared between recordings of the same code).
  `CREATE TABLE IF NOT EXISTS recordings (
     id TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL,
     meta TEXT NOT NULL,
     ring BLOB NOT NULL,
     modules TEXT NOT NULL,
     files TEXT NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS recordings_by_time ON recordings (created_at)`,
  // The values ring of a recording that captured arguments (most have none): a table of its own,
  // so that stores written before it keep their shape.
  `CREATE TABLE IF NOT EXISTS recording_values (
     id TEXT PRIMARY KEY,
     ring BLOB NOT NULL
   )`,
  // A ring in pieces of at most 1 MiB, in order (seq), for the rings stored since it came (their
  // recordings row holds an empty ring): SQLite writes a 64 MiB ring two to three times faster so.
  `CREATE TABLE IF NOT EXISTS recording_rings (
     id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     bytes BLOB NOT NULL,
     PRIMARY KEY (id, seq)
   )`,
  // A ring still in the file it was recorded in, copied into recording_rings by its owner (a
  // process id) just after its recording was committed, or by the next to open the store once
  // the owner is gone.
  `CREATE TABLE IF NOT EXISTS recording_ring_files (
     id TEXT PRIMARY KEY,
     file TEXT NOT NULL,
     bytes INTEGER NOT NULL,
     owner INTEGER NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS code_files (
     hash TEXT PRIMARY KEY,
     content BLOB NOT NULL
   )`,
];
