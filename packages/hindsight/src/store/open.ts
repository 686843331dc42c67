import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { StoreError } from './errors.js';
import { toStoreError } from './sqlite/errors.js';
import { SqliteRecordings } from './sqlite/recordings.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { RecordingStore } from './recordings.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** A file path, or `sqlite:<path>`; default `.hindsight/hindsight.db` under the current folder. */
  path?: string;
  /** 'full' (default): a commit is on disk before it is acknowledged. 'normal': survives a crash of the process, not of the machine. */
  durability?: 'full' | 'normal';
  /** How long to wait for another process's write to finish before giving up. */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export const defaultStorePath = (cwd: string = process.cwd()): string => path.join(cwd, '.hindsight', 'hindsight.db');

export async function openStore(opts: OpenStoreOptions = {}): Promise<Store> {
  const { file, ctx } = locate(opts);
  return SqliteStore.open(file, { ...ctx, durability: opts.durability ?? 'full' });
}

/** The flight recordings of a store (the same file as its workflow runs). */
export function openRecordings(opts: OpenStoreOptions = {}): RecordingStore {
  const { file, ctx } = locate(opts);
  try {
    return new SqliteRecordings(file, { ...ctx, durability: opts.durability ?? 'full' });
  } catch (err) {
    throw toStoreError(err, ctx);
  }
}

/** The SQLite file a store location names, its folder created. */
function locate(opts: OpenStoreOptions): { file: string; ctx: { where: string; busyTimeoutMs: number } } {
  const given = opts.path ?? defaultStorePath();
  if (/^postgres(ql)?:\/\//i.test(given)) {
    throw new StoreError(
      'HS_E_STORE_UNSUPPORTED',
      'PostgreSQL stores arrive in a later version of Hindsight; use a SQLite path such as .hindsight/hindsight.db',
    );
  }
  // `sqlite:///abs/file.db` and `sqlite:rel/file.db` both name a file.
  const file = given.replace(/^sqlite:(\/\/)?/i, '');
  const busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (file === '') {
    throw new StoreError('HS_E_STORE_UNREACHABLE', 'the store path is empty; pass --store with a file path such as .hindsight/hindsight.db');
  }
  const ctx = { where: displayPath(file), busyTimeoutMs };
  if (file !== ':memory:') {
    try {
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    } catch (err) {
      throw toStoreError(err, ctx);
    }
  }
  return { file, ctx };
}

/** Relative to the current folder when inside it, as users typed it; absolute otherwise. */
function displayPath(file: string): string {
  if (file === ':memory:') return file;
  const rel = path.relative(process.cwd(), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(file);
}
