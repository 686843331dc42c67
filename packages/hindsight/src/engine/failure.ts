import type { FailureInfo } from '../history/index.js';

/** Turns anything thrown into the stored form; the stack is already source-mapped when maps are enabled. */
export function toFailure(err: unknown): FailureInfo {
  if (err instanceof Error) {
    const info: FailureInfo = { name: err.name, message: err.message };
    if (err.stack) info.stack = err.stack;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') info.code = code;
    if ((err as { nonRetryable?: unknown }).nonRetryable === true) info.nonRetryable = true;
    if (err.cause !== undefined) info.cause = toFailure(err.cause);
    return info;
  }
  return { name: 'Error', message: typeof err === 'string' ? err : safeString(err) };
}

/** Rebuilds an Error from its stored form (used live and on replay alike, so both see the same object). */
export function fromFailure(info: FailureInfo): Error {
  const err = new Error(info.message, info.cause ? { cause: fromFailure(info.cause) } : undefined);
  err.name = info.name;
  if (info.stack) err.stack = info.stack;
  if (info.code) (err as Error & { code?: string }).code = info.code;
  return err;
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
