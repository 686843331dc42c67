/**
 * Every error a user can meet carries a stable code (`HS_E_...`) that can be
 * searched for, and a one-line message that says what to do next.
 */
export class HindsightError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /** Works across realms and module copies, unlike `instanceof`. */
  static is(err: unknown, code?: string): err is HindsightError {
    if (typeof err !== 'object' || err === null) return false;
    const c = (err as { code?: unknown }).code;
    return typeof c === 'string' && c.startsWith('HS_E_') && (code === undefined || c === code);
  }
}

/** Input from a user (a flag, a file, an argument) that cannot be used as given. */
export class InvalidInputError extends HindsightError {
  constructor(message: string, code = 'HS_E_INVALID_INPUT', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A value that must be stored (argument, result, signal payload) is not JSON-serializable. */
export class NotSerializableError extends HindsightError {
  constructor(what: string, detail: string) {
    super(
      'HS_E_NOT_SERIALIZABLE',
      `${what} cannot be recorded: ${detail}; pass plain JSON data (objects, arrays, strings, numbers, booleans, null)`,
    );
  }
}
