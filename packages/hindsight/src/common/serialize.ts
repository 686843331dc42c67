import { NotSerializableError } from './errors.js';

/**
 * Returns the value exactly as it will read back from the store (the JSON
 * round trip, without doing one), or throws `NotSerializableError` naming the
 * offending path. Live code and replay must see the same value, so the engine
 * hands workflow code this normalized copy, never the original.
 *
 * Plain objects, arrays, strings, finite numbers, booleans and null pass;
 * objects with `toJSON` (Date) become what `toJSON` returns; `undefined`
 * properties are dropped as JSON drops them. Functions, symbols, bigints,
 * Maps, Sets, class instances and cycles are refused rather than silently lost.
 */
export function recordable(value: unknown, what: string): unknown {
  return normalize(value, what, new Set());
}

function normalize(value: unknown, path: string, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'undefined':
      return undefined;
    case 'number':
      if (!Number.isFinite(value)) throw new NotSerializableError(path, `${value} is not a finite number`);
      return value;
    case 'bigint':
      throw new NotSerializableError(path, 'a BigInt has no JSON form (use a string)');
    case 'function':
      throw new NotSerializableError(path, 'it is a function');
    case 'symbol':
      throw new NotSerializableError(path, 'it is a symbol');
  }
  if (value === null) return null;
  const obj = value as Record<string, unknown>;
  if (typeof obj.toJSON === 'function') return normalize(obj.toJSON(), path, seen);
  if (seen.has(obj)) throw new NotSerializableError(path, 'it refers to itself (a cycle)');
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((v, i) => normalize(v, `${path}[${i}]`, seen) ?? null);
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const kind = proto?.constructor?.name ?? 'exotic';
      throw new NotSerializableError(path, `it is a ${kind} instance (convert it to a plain object or give it a toJSON())`);
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
      const v = normalize(obj[key], `${path}.${key}`, seen);
      if (v !== undefined) out[key] = v;
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}
