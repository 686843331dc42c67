import { HindsightError } from '../../common/errors.js';
import { StoreError } from '../errors.js';

export interface ErrorContext {
  /** The store's path as the user knows it. */
  where: string;
  busyTimeoutMs: number;
}

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** Turns what the driver or the file system threw into an error a user can act on. */
export function toStoreError(err: unknown, ctx: ErrorContext): unknown {
  if (HindsightError.is(err)) return err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : '';
  const detail = err instanceof Error ? err.message : String(err);
  const { where } = ctx;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError(
      'HS_E_STORE_LOCKED',
      `store ${where} is locked by another process for more than ${seconds(ctx.busyTimeoutMs)}; stop the other hindsight process or pass --store to use another file`,
      { cause: err },
    );
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return corrupt(where, err);
  }
  if (
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_PERM') ||
    code.startsWith('SQLITE_AUTH') ||
    ['EACCES', 'EPERM', 'ENOTDIR', 'EEXIST', 'EROFS', 'ENOENT', 'EISDIR'].includes(code) ||
    // better-sqlite3 checks the folder itself and throws a plain TypeError.
    /directory does not exist/.test(detail)
  ) {
    return new StoreError(
      'HS_E_STORE_UNREACHABLE',
      `store ${where} cannot be opened for writing (${detail}); check that the folder exists and is writable, or pass --store to use another file`,
      { cause: err },
    );
  }
  if (code.startsWith('SQLITE_FULL')) {
    return new StoreError(
      'HS_E_STORE_FULL',
      `store ${where} cannot grow: the disk is full; free some space and retry (nothing unacknowledged was kept)`,
      { cause: err },
    );
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new StoreError(
      'HS_E_STORE_IO',
      `store ${where} could not be read or written (${code}: ${detail}); check the disk and the file system, then retry`,
      { cause: err },
    );
  }
  if (err instanceof TypeError && /database connection is not open/.test(detail)) {
    return closed(where);
  }
  return err;
}

export const corrupt = (where: string, cause?: unknown): StoreError =>
  new StoreError(
    'HS_E_STORE_CORRUPT',
    `store ${where} is not a Hindsight store or is damaged; it was not modified; restore it from a backup or point --store at another file`,
    { cause },
  );

export const closed = (where: string): StoreError =>
  new StoreError('HS_E_STORE_CLOSED', `store ${where} was already closed; open it again to use it`);
