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

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
