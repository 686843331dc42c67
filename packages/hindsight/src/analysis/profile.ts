import { ANONYMOUS, EventKind, type Execution } from '../trace/index.js';
import { isRootActivation } from './requests.js';
import { callees } from './tree.js';

/** One function's share of the time traced code ran (ms). */
export interface FunctionTime {
  /** Its function site; -1 for the callers the trace made up and could not place. */
  readonly site: number;
  readonly name: string;
  readonly file: string;
  readonly line: number;
  /** Its calls the trace holds the start of (a generator's runs are not calls). */
  readonly calls: number;
  /** Running its own code, and the untraced code it called (Node's, node_modules'). */
  readonly self: number;
  /** Running it or what it called and awaited, once however deep it recursed; never its time awaiting. */
  readonly total: number;
}

export interface Profile {
  /** ms the trace spans, first event to last. */
  readonly span: number;
  /** ms traced code ran: the sum of every function's self time. */
  readonly running: number;
  /** Greatest self time first. */
  readonly functions: readonly FunctionTime[];
}

export interface ProfileOptions {
  /** Only these frames and what they called and awaited: the root frames of some requests (`requests()`). */
  readonly roots?: readonly number[];
}

const CHUNK = 1 << 16;

/**
 * Where the time went, per function, as a profiler's bottom-up view: self time, total time, calls.
 * The time from one event to the next is the frame's that reports the later one (it ran up to
 * it): a statement, a branch, a return, an await; the caller's before a call; nobody's before an
 * activation the event loop starts or resumes (the program waited, or ran untraced code). Times
 * between the clock's readings are spread evenly over the events between them (see the ring's
 * layout), so a short function's share is an estimate; a long one's is as exact as the readings.
 * O(events + frames).
 */
export function profile(ex: Execution, options: ProfileOptions = {}): Profile {
  const self = selfTimes(ex);
  const inclusive = Float64Array.from(self);
  const key = functionKeys(ex);
  const totals = new Map<number, { calls: number; self: number; total: number }>();
  const of = (k: number) => {
    let t = totals.get(k);
    if (!t) totals.set(k, (t = { calls: 0, self: 0, total: 0 }));
    return t;
  };
  walkTrees(ex, options.roots ?? allRoots(ex), key, {
    enter(f, k) {
      const t = of(k);
      t.self += self[f]!;
      if (!ex.frameSynthetic(f) && ex.kinds[ex.frameEnter(f)] === EventKind.Enter) t.calls++;
    },
    leave(f, k, outermost) {
      // a recursive function's total counts its outermost frame only: the inner ones are inside it
      if (outermost) of(k).total += inclusive[f]!;
      const p = ex.frameParent(f);
      if (p >= 0 && !isRootActivation(ex, f)) inclusive[p]! += inclusive[f]!;
    },
  });
  const functions: FunctionTime[] = [];
  let running = 0;
  for (const [site, t] of totals) {
    running += t.self;
    const s = ex.sites.get(site);
    functions.push({ site: s ? site : -1, name: s ? s.functionName || ANONYMOUS : '<unknown>', file: s?.file ?? '', line: s?.line ?? 0, ...t });
  }
  functions.sort((a, b) => b.self - a.self || b.total - a.total || a.name.localeCompare(b.name));
  return { span: ex.length ? ex.time(ex.length - 1) - ex.time(0) : 0, running, functions };
}

/** Per frame, the time it ran its own code: each gap between events given to the frame that ran it. */
function selfTimes(ex: Execution): Float64Array {
  const self = new Float64Array(ex.frameCount);
  const { kinds, frames } = ex;
  const buffer = new Float64Array(CHUNK + 1);
  for (let from = 1; from < ex.length; from += CHUNK) {
    const to = Math.min(ex.length, from + CHUNK);
    ex.times(from - 1, to, buffer);
    for (let i = from; i < to; i++) {
      const f = ranUpTo(ex, kinds[i]!, frames[i]!, frames[i - 1]!, i);
      if (f >= 0) self[f]! += buffer[i - from + 1]! - buffer[i - from]!;
    }
  }
  return self;
}

/** The frame that ran from event i - 1 (of frame `before`) to event i (of frame f), -1 for none: the program waited or ran untraced code. */
function ranUpTo(ex: Execution, kind: number, f: number, before: number, i: number): number {
  if (kind === EventKind.Enter) return ex.frameParent(f); // -1: the event loop called it
  // an await's resume, or a generator's run the event loop started: waited; a next() called by the frame before: the caller's
  if (kind === EventKind.Resume) return ex.frameEnter(f) === i && ex.frameParent(f) === before ? before : -1;
  return f;
}

/** Every frame without a caller, and every request's root. */
function allRoots(ex: Execution): number[] {
  const roots: number[] = [];
  for (let f = 0; f < ex.frameCount; f++) if (ex.frameParent(f) < 0 || isRootActivation(ex, f)) roots.push(f);
  return roots;
}

/**
 * The frames of the trees of `roots`, depth first: entered before their callees, left after them,
 * with their key, and whether a frame of the same key encloses them. A callee that is a request's
 * root is a tree of its own.
 */
function walkTrees(ex: Execution, roots: readonly number[], key: (f: number) => number, visitor: { enter(f: number, k: number): void; leave(f: number, k: number, outermost: boolean): void }): void {
  const { offsets, list } = callees(ex);
  const open = new Map<number, number>();
  // a frame f to enter, or ~f to leave once its callees are done
  const stack: number[] = [];
  for (const root of roots) {
    stack.push(root);
    while (stack.length > 0) {
      const top = stack.pop()!;
      const f = top < 0 ? ~top : top;
      const k = key(f);
      if (top < 0) {
        const depth = open.get(k)! - 1;
        open.set(k, depth);
        visitor.leave(f, k, depth === 0);
        continue;
      }
      open.set(k, (open.get(k) ?? 0) + 1);
      visitor.enter(f, k);
      stack.push(~f);
      for (let c = offsets[f + 1]! - 1; c >= offsets[f]!; c--) {
        const callee = list[c]!;
        if (!isRootActivation(ex, callee)) stack.push(callee);
      }
    }
  }
}

/**
 * Per frame, the function site it is grouped under. A frame the trace began inside has the site of
 * its first event (a statement's): it goes under the function of the same name in the same file
 * that begins last before that statement.
 */
function functionKeys(ex: Execution): (f: number) => number {
  const memo = new Map<number, number>();
  return (f) => {
    const site = ex.frameSite(f);
    let k = memo.get(site);
    if (k === undefined) memo.set(site, (k = functionSiteOf(ex, site)));
    return k;
  };
}

function functionSiteOf(ex: Execution, site: number): number {
  const s = ex.sites.get(site);
  if (!s || s.kind === 'function') return site;
  let best = site;
  let bestLine = -1;
  for (const id of ex.sites.functionSites(s.functionName)) {
    const fn = ex.sites.get(id)!;
    if (fn.file === s.file && fn.line <= s.line && fn.line > bestLine) [best, bestLine] = [id, fn.line];
  }
  return best;
}
