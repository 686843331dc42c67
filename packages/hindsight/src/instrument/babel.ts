import { createRequire } from 'node:module';
import type * as Babel from '@babel/core';
import type { types as T } from '@babel/core';

/** Babel's node builders and tests, once loaded (loadBabel). */
export let t: typeof Babel.types;
let babel: typeof Babel | undefined;

/**
 * Babel, loaded on the first module instrumented rather than with this file: a recorded process
 * whose modules are ES modules has them instrumented on the loader's thread, and its own heap (the
 * one its requests run in, and its collector scans) never holds the instrumenter. Synchronous,
 * because CommonJS is instrumented as it compiles; @babel/core is a CommonJS package.
 */
export function loadBabel(): typeof Babel {
  if (babel) return babel;
  babel = createRequire(import.meta.url)('@babel/core') as typeof Babel;
  t = babel.types;
  return babel;
}

/** Nodes the plugin made: never instrumented again. */
export const made = new WeakSet<T.Node>();
export function mark<N extends T.Node>(node: N): N {
  made.add(node);
  return node;
}

/**
 * Calls `visit` with each child node of `node`, in the order Babel traverses them: for the walks
 * that need no paths, which cost a traversal most of its time.
 */
export function eachChild(node: T.Node, visit: (child: T.Node) => void): void {
  const fields = node as unknown as Record<string, unknown>;
  for (const key of t.VISITOR_KEYS[node.type] ?? []) {
    const child = fields[key];
    if (Array.isArray(child)) {
      for (const c of child) if (c) visit(c as T.Node);
    } else if (child && typeof (child as T.Node).type === 'string') visit(child as T.Node);
  }
}
