import { inspect } from 'node:util';
import type { Value } from '../../trace/index.js';

/**
 * How values look in the debugger: one-line previews as Node's REPL prints them, and children for
 * lazy expansion. Runs in the values worker, next to the live objects.
 */

const LINE = { depth: 1, breakLength: Infinity, maxArrayLength: 8, maxStringLength: 120, compact: true } as const;
const TEXT = { depth: 4, breakLength: 100, maxArrayLength: 100, maxStringLength: 2000 } as const;
/** Elements of an array, Map or Set listed before the rest is summarised. */
const MAX_CHILDREN = 200;

/** Objects handed out by reference at the current point; cleared when the worker moves on. */
export class Handles {
  #next = 1;
  readonly #objects = new Map<number, unknown>();

  clear(): void {
    this.#objects.clear();
  }
  get(ref: number): unknown {
    return this.#objects.get(ref);
  }
  has(ref: number): boolean {
    return this.#objects.has(ref);
  }
  value(name: string, v: unknown): Value {
    const expandable = (typeof v === 'object' && v !== null) || (typeof v === 'function' && Object.keys(v).length > 0);
    let ref = 0;
    if (expandable) {
      ref = this.#next++;
      this.#objects.set(ref, v);
    }
    return { name, value: oneLine(v), type: typeName(v), ref };
  }
}

export function oneLine(v: unknown): string {
  const s = safe(() => inspect(v, LINE));
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}

/** The full text `print` shows. */
export function text(v: unknown): string {
  return safe(() => inspect(v, TEXT));
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  const proto = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
  return proto === null ? 'Object' : (proto.constructor?.name ?? 'Object');
}

/** Elements, entries or own properties, each a Value (Map entries expand to key and value). */
export function childrenOf(v: unknown, handles: Handles): Value[] {
  if (Array.isArray(v)) return [...listed(v, (x, i) => handles.value(String(i), x)), handles.value('length', v.length)];
  if (v instanceof Map) return listed([...v], ([k, x], i) => ({ ...handles.value(`[${i}]`, { key: k, value: x }), value: `${oneLine(k)} => ${oneLine(x)}` }));
  if (v instanceof Set) return listed([...v], (x, i) => handles.value(`[${i}]`, x));
  const out: Value[] = [];
  const obj = v as Record<PropertyKey, unknown>;
  if (v instanceof Error) for (const k of ['name', 'message', 'stack', 'cause'] as const) if (k in v) out.push(handles.value(k, read(obj, k)));
  for (const key of Reflect.ownKeys(obj)) {
    if (v instanceof Error && ['name', 'message', 'stack', 'cause'].includes(String(key))) continue;
    if (typeof v === 'function' && ['length', 'name', 'prototype'].includes(String(key))) continue;
    out.push(handles.value(typeof key === 'symbol' ? key.toString() : key, read(obj, key)));
  }
  return out;
}

function listed<T>(items: readonly T[], make: (item: T, i: number) => Value): Value[] {
  const out = items.slice(0, MAX_CHILDREN).map(make);
  if (items.length > MAX_CHILDREN) out.push({ name: '…', value: `${items.length - MAX_CHILDREN} more`, type: 'undefined', ref: 0 });
  return out;
}

/** A property read that may run a getter: what it threw is shown as its value. */
function read(obj: Record<PropertyKey, unknown>, key: PropertyKey): unknown {
  try {
    return obj[key];
  } catch (err) {
    return `<getter threw: ${(err as Error)?.message ?? String(err)}>`;
  }
}

function safe(f: () => string): string {
  try {
    return f();
  } catch (err) {
    return `<cannot show: ${(err as Error)?.message ?? String(err)}>`;
  }
}
