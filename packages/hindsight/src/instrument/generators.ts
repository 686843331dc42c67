/** The runtime's part for generators and `for await`: state a generator holds, and the iterable a loop reports through. */

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
 * loop), and each later one by `again()`; so does `return()`, which a loop left early awaits. A sync iterable stays sync, so the loop still wraps it
 * as the language does.
 */
export function loopIterable<T>(iterable: T, again: () => void, suspended: () => void): T {
  if (iterable === null || iterable === undefined) return iterable; // the loop throws its own TypeError
  const source = iterable as unknown as Record<symbol, (() => Iterator<unknown>) | null | undefined>;
  const asyncMethod = source[Symbol.asyncIterator];
  const key = asyncMethod !== undefined && asyncMethod !== null ? Symbol.asyncIterator : Symbol.iterator;
  const open = asyncMethod ?? source[Symbol.iterator];
  if (typeof open !== 'function') return iterable;
  return {
    [key]() {
      const inner = open.call(iterable) as unknown as Record<string, ((v?: unknown) => unknown) | undefined>;
      const next = inner['next'];
      let first = true;
      return {
        next(v?: unknown) {
          if (!first) again();
          first = false;
          const r = next!.call(inner, v);
          suspended();
          return r;
        },
        // the loop closes the iterator (a break, a return) only if it has a return method, and awaits it
        get return() {
          const m = inner['return'];
          if (m === undefined || m === null) return undefined;
          return (v?: unknown) => {
            const r = m.call(inner, v);
            suspended();
            return r;
          };
        },
      };
    },
  } as unknown as T;
}

