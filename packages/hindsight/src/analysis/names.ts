import path from 'node:path';
import { ANONYMOUS, type Execution } from '../trace/index.js';

/** What a frame is called in reports and exports: its function, where it is defined. */
export interface FrameName {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

const UNKNOWN: FrameName = { name: '<unknown>', file: '', line: 0, column: 0 };

/**
 * The name of frame f's function. A synthetic caller frame (the trace began inside it, and it has
 * no event of its own) has no site: it is `<unknown>`.
 */
export function frameName(ex: Execution, f: number): FrameName {
  const site = ex.sites.get(ex.frameSite(f));
  if (!site) return UNKNOWN;
  return { name: site.functionName || ANONYMOUS, file: site.file, line: site.line, column: site.column };
}

/** Frame names memoized by function site: reports name the same few functions millions of times. */
export function frameNamer(ex: Execution): (f: number) => FrameName {
  const memo = new Map<number, FrameName>();
  return (f) => {
    const site = ex.frameSite(f);
    let n = memo.get(site);
    if (!n) memo.set(site, (n = frameName(ex, f)));
    return n;
  };
}

/**
 * A frame's name as a report prints it: its function's, or, for an anonymous function (a callback
 * written inline), where it is defined, `<anonymous> server.ts:19`: two such callbacks are two, not one.
 */
export function shortName(n: FrameName): string {
  return n.name === ANONYMOUS ? `${ANONYMOUS} ${path.basename(n.file)}:${n.line}` : n.name;
}
