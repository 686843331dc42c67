/** The runtime's part for generators and `for await`: state a generator holds, and the iterables a loop and a yield* report through. */
import { types } from 'node:util';

/**
 * A generator invocation's recording state, held by the generator itself (a local of its body):
 * generators are often left unfinished, so the runtime keeps nothing of them that could leak.
 */
export class GeneratorState {
  /** The site + 1 it is suspended at: a yield (or its start) when `yielded`, else an await; 0 while it runs. */
  waiting: number;
  yielded = true;
  /** The activation that resumed it (the caller of `next()`), 0 for the event loop. */
  resumer = 0;
  /** A yield* forwarded a `return()` to the iterator it delegates to (the generator may be returning). */
  forwarded = false;
  constructor(
    readonly a: number,
    site: number,
  ) {
    this.waiting = site + 1;
  }
}

/**
 * What `for await` iterates instead of `iterable`: the same iterator, whose `next()` reports the
 * loop's Suspend once it has returned (an async generator's body runs inside it, called by the
 * loop), and each later one by `again()`; so does `return()`, which a loop left early awaits,
 * and which `leaving` precedes (in an async generator, a `return` of a value awaited it first, and
 * the generator runs again). A sync iterable stays sync, so the loop still wraps it as the
 * language does.
 */
export function loopIterable<T>(iterable: T, again: () => void, suspended: () => void, leaving?: () => void): T {
  if (iterable === null || iterable === undefined) return iterable; // the loop throws its own TypeError
  const source = iterable as unknown as Record<symbol, (() => Iterator<unknown>) | null | undefined>;
  const asyncMethod = source[Symbol.asyncIterator];
  const key = asyncMethod !== undefined && asyncMethod !== null ? Symbol.asyncIterator : Symbol.iterator;
  const open = asyncMethod ?? source[Symbol.iterator];
  if (typeof open !== 'function') return iterable;
  return {
    [key]() {
      const inner = open.call(iterable) as unknown as Record<string, ((...args: unknown[]) => unknown) | undefined>;
      const next = inner['next']!;
      let first = true;
      // the arguments are passed on as they came (the loop passes none)
      return {
        next(...args: unknown[]) {
          if (!first) again();
          first = false;
          const r = Reflect.apply(next, inner, args);
          suspended();
          return r;
        },
        // the loop closes the iterator (a break, a return) only if it has a return method, and awaits it
        get return() {
          const m = inner['return'];
          if (m === undefined || m === null) return undefined;
          return (...args: unknown[]) => {
            leaving?.();
            const r = Reflect.apply(m, inner, args);
            suspended();
            return r;
          };
        },
      };
    },
  } as unknown as T;
}

/**
 * What `yield*` delegates to instead of `iterable`: the same iterator, whose steps (each `next()`,
 * and the `throw()` and `return()` that yield* forwards) run inside a run of the outer generator,
 * as V8's stack shows them (the inner generator under the outer one at its yield*, under the
 * caller of `next()`): `resume` before each step, `suspend` after it unless the outer goes on
 * running. yield* sees the iterator it would have seen: the same methods, read as often and when
 * it reads them (`throw` and `return` at each use), called with the same arguments, and the same
 * result objects.
 */
export function delegateIterable<T>(iterable: T, isAsync: boolean, resume: (returning: boolean) => void, suspend: (result: unknown) => void): T {
  if (iterable === null || iterable === undefined) return iterable; // yield* throws its own TypeError
  const source = iterable as unknown as Record<symbol, unknown>;
  // an async generator delegates to an async iterable, or to a sync one, which V8 wraps itself
  let key = Symbol.iterator;
  let open = undefined as unknown;
  if (isAsync) {
    open = source[Symbol.asyncIterator];
    if (open !== undefined && open !== null) key = Symbol.asyncIterator;
  }
  if (key === Symbol.iterator) open = source[Symbol.iterator];
  if (typeof open !== 'function') return iterable;
  return {
    [key]() {
      const inner = (open as () => unknown).call(iterable) as Record<string, unknown>;
      if ((typeof inner !== 'object' && typeof inner !== 'function') || inner === null) return inner; // yield* throws its TypeError
      const next = inner['next'] as (...args: unknown[]) => unknown;
      const step = (method: (...args: unknown[]) => unknown, args: unknown[], returning: boolean): unknown => {
        resume(returning);
        const r = Reflect.apply(method, inner, args);
        suspend(r);
        return r;
      };
      // `throw` and `return` are looked up on each use, as yield* does: absent stays absent
      const forward = (name: string) => {
        const m = inner[name];
        if (typeof m !== 'function') return m; // undefined or null: absent; anything else: yield* throws its TypeError
        return (...args: unknown[]) => step(m as (...args: unknown[]) => unknown, args, name === 'return');
      };
      return {
        next: (...args: unknown[]) => step(next, args, false),
        get throw() {
          return forward('throw');
        },
        get return() {
          return forward('return');
        },
      };
    },
  } as unknown as T;
}

/**
 * Whether the outer generator goes on running after a step of its yield* returned `r` (the inner
 * iterator is done, or `r` is no object and yield* throws): true or false where `done` can be read
 * without yield* noticing (an own or inherited data property, no proxy on the way), otherwise
 * undefined.
 */
export function goesOn(r: unknown): boolean | undefined {
  if ((typeof r !== 'object' && typeof r !== 'function') || r === null) return true;
  for (let o: object | null = r; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    if (types.isProxy(o)) return undefined;
    const d = Object.getOwnPropertyDescriptor(o, 'done');
    if (d === undefined) continue;
    return 'value' in d ? Boolean(d.value) : undefined;
  }
  return false;
}
