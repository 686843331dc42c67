import { HindsightError } from '../common/errors.js';

export type StoreErrorCode =
  | 'HS_E_STORE_LOCKED'
  | 'HS_E_STORE_CORRUPT'
  | 'HS_E_STORE_UNREACHABLE'
  | 'HS_E_STORE_VERSION'
  | 'HS_E_STORE_CONFLICT'
  | 'HS_E_STORE_UNSUPPORTED'
  | 'HS_E_STORE_CLOSED'
  | 'HS_E_STORE_FULL'
  | 'HS_E_STORE_IO'
  | 'HS_E_STORE_INVALID'
  | 'HS_E_BAD_CURSOR'
  | 'HS_E_RUN_NOT_FOUND'
  | 'HS_E_RUN_CLOSED'
  | 'HS_E_QUERY_NOT_FOUND'
  | 'HS_E_RING_LOST';

/** A store that cannot be used as asked; the message says what to do about it. */
export class StoreError extends HindsightError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    // Messages end up on one terminal line; a newline from a driver message would break that.
    super(code, message.replace(/\s*[\r\n]+\s*/g, ' '), options);
  }
}
