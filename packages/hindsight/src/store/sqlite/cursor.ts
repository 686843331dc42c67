import { StoreError } from '../errors.js';

/** Where the next page of a newest-first listing starts: just after this run. */
export interface ListPosition {
  createdAt: number;
  runId: string;
}

// Opaque to callers so that the store may change how it pages without breaking them.
export const encodeCursor = (p: ListPosition): string =>
  Buffer.from(JSON.stringify([p.createdAt, p.runId]), 'utf8').toString('base64url');

export function decodeCursor(cursor: string): ListPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isFinite(value[0]) && typeof value[1] === 'string') {
      return { createdAt: value[0] as number, runId: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new StoreError(
    'HS_E_BAD_CURSOR',
    `page cursor ${JSON.stringify(cursor.slice(0, 40))} is not one this store returned; start again without a cursor`,
  );
}
