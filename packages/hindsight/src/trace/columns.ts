import { EventKind } from './events.js';

/**
 * The column work of ExecutionBuilder: sizing, growing and handing over typed-array columns, frame
 * depths, and the per-site, per-frame and per-function occurrence lists its build() makes.
 */
const UNKNOWN_DEPTH = 0xffffffff;

type Column = Uint8Array | Uint32Array | Int32Array | Float64Array;
type ColumnType<T extends Column> = new (length: number) => T;

/**
 * Each frame's depth, written into `room` (the builder's spent last-event column: no fresh
 * memory) and handed over as fit() does. Parents of synthetic frames can be made after their
 * children, so unknown depths are memoized up the chain.
 */
export function depths(frameParent: Int32Array, room: Uint32Array): Uint32Array {
  const nf = frameParent.length;
  const depth = room.fill(UNKNOWN_DEPTH, 0, nf);
  const path: number[] = [];
  for (let f = 0; f < nf; f++) {
    const parent = frameParent[f]!;
    // the common case: the parent was made first
    if (parent === -1) depth[f] = 0;
    else if (parent < f && depth[parent] !== UNKNOWN_DEPTH) depth[f] = depth[parent]! + 1;
    else {
      let g = f;
      while (g !== -1 && depth[g] === UNKNOWN_DEPTH) {
        path.push(g);
        g = frameParent[g]!;
      }
      let d = g === -1 ? -1 : depth[g]!;
      while (path.length > 0) depth[path.pop()!] = ++d;
    }
  }
  return fit(depth, nf);
}

/**
 * Ends the callers the builder made up for returns whose calls the trace did not hold (synthetic,
 * and no event of their own: site -1) where their last callee ended, unless a callee is still
 * open: the trace shows nothing of them after, and a caller left open would stand for a request
 * in flight to the end of the trace (one per callback the ring began inside).
 */
export function closeMadeUpCallers(frameParent: Int32Array, frameSite: Int32Array, frameExit: Int32Array, frameSynthetic: Uint8Array): void {
  const nf = frameParent.length;
  /** Per made-up caller: the last exit of its callees, -1 while one is open (-2: not one). */
  const ends = new Map<number, number>();
  for (let f = 0; f < nf; f++) {
    const p = frameParent[f]!;
    if (p < 0 || frameSite[p] !== -1 || frameSynthetic[p] !== 1 || frameExit[p] !== -1) continue;
    const exit = frameExit[f]!;
    const end = ends.get(p);
    ends.set(p, end === -1 || exit === -1 ? -1 : Math.max(end ?? 0, exit));
  }
  for (const [p, end] of ends) if (end >= 0) frameExit[p] = end;
}

/** A copy of the column with twice its capacity, or `atLeast` when that is more (exactly `atLeast` when `exact`: a size the caller means to fill). */
export function grow<T extends Column>(from: T, atLeast = 0, exact = false): T {
  const type = from.constructor as ColumnType<T>;
  const to = new type(exact ? atLeast : Math.max(from.length * 2, atLeast));
  to.set(from);
  return to;
}

/** True when the view holds (nearly) all of its buffer: taking it over does not keep much unused memory alive. */
export function ownable(view: Uint8Array | Uint32Array | Float64Array): boolean {
  return view.byteOffset === 0 && view.buffer.byteLength - view.byteLength <= (SLACK + (view.length >> 4)) * view.BYTES_PER_ELEMENT;
}

/**
 * The frames that events of these kinds are likely to make: one per Enter, and a few synthetic
 * ones (a partial trace's returns whose calls it did not see). A guess to size the frame columns
 * once; they grow past it if needed.
 */
export function framesFor(kinds: Uint8Array): number {
  let enters = 0;
  for (let i = 0; i < kinds.length; i++) if (kinds[i] === EventKind.Enter) enters++;
  return enters + SLACK;
}

/** The frames appendColumns makes for an event of kind `k` on an activation whose innermost open frame is `top` (-1: none). */
export function framesMade(k: number, top: number, suspended: boolean, fParent: Int32Array, fSynthetic: Uint8Array): number {
  if (k === EventKind.Enter) return 1;
  const exit = k === EventKind.Exit || k === EventKind.Throw;
  if (top < 0) return exit && !suspended ? 2 : 1;
  if (!exit) return 0;
  return fParent[top] === -1 && fSynthetic[top] === 1 && !suspended ? 1 : 0;
}

/**
 * The column's first `n` values: the column itself, or a view of it when it has little unused room
 * (columns sized from a good guess, as takeColumns sizes the frames); a copy when the room would
 * hold on to much memory (a column grown by doubling).
 */
export function fit<T extends Column>(values: T, n: number): T {
  if (values.length === n) return values;
  return (values.length - n <= SLACK + (n >> 4) ? values.subarray(0, n) : values.slice(0, n)) as T;
}

/** Unused slots a column handed over may keep, besides 1/16 of its length. */
const SLACK = 64;

export interface Lists {
  offsets: Uint32Array;
  events: Uint32Array;
}

/**
 * The per-site lists (every event at a site below `sites`) and the per-frame lists: a counting sort
 * of the events by site and by frame, each group ascending, sharing one pass to fill both (this
 * runs over every event of a build). `room` takes the frame lists when given.
 */
export function eventLists(siteIds: Uint32Array, sites: number, frames: Uint32Array, nf: number, room: Uint32Array | undefined): { site: Lists; frame: Lists } {
  const so = new Uint32Array(sites + 1);
  const fo = new Uint32Array(nf + 1);
  countEvents(siteIds, sites, frames, so, fo);
  for (let k = 0; k < sites; k++) so[k + 1]! += so[k]!;
  for (let f = 0; f < nf; f++) fo[f + 1]! += fo[f]!;
  const se = new Uint32Array(so[sites]!);
  const fe = room ?? new Uint32Array(siteIds.length);
  fillLists(siteIds, sites, frames, so.slice(0, sites), fo, se, fe);
  fo.copyWithin(1, 0, nf);
  fo[0] = 0;
  return { site: { offsets: so, events: se }, frame: { offsets: fo, events: fe } };
}

/*
 * eventLists' two passes are functions of their own: a loop over every event is compiled on the
 * stack (OSR) where it runs, and the code after it, not run yet, is then a deoptimization; a loop
 * that returns when it ends leaves nothing after it.
 */

/** Counts the events at each site below `sites` into so[site + 1], and of each frame into fo[frame + 1]. */
function countEvents(siteIds: Uint32Array, sites: number, frames: Uint32Array, so: Uint32Array, fo: Uint32Array): void {
  for (let i = 0; i < siteIds.length; i++) {
    const k = siteIds[i]!;
    if (k < sites) so[k + 1]!++;
    fo[frames[i]! + 1]!++;
  }
}

/** Fills the site lists from the cursors `sc` and the frame lists from the frame offsets, which are their own cursors (no second array of frames): each ends as the next frame's start. */
function fillLists(siteIds: Uint32Array, sites: number, frames: Uint32Array, sc: Uint32Array, fo: Uint32Array, se: Uint32Array, fe: Uint32Array): void {
  for (let i = 0; i < siteIds.length; i++) {
    const k = siteIds[i]!;
    if (k < sites) se[sc[k]!++] = i;
    fe[fo[frames[i]!]!++] = i;
  }
}

/**
 * The per-function lists: the Enter events of each function site below `sites`, ascending. An
 * Enter is what opens an entered (not synthetic) frame, and frames are numbered in the order they
 * were opened, so this sorts the frames, not the events.
 */
export function functionLists(frameEnter: Int32Array, frameSynthetic: Uint8Array, siteIds: Uint32Array, sites: number): Lists {
  const nf = frameEnter.length;
  const offsets = new Uint32Array(sites + 1);
  for (let f = 0; f < nf; f++) {
    if (frameSynthetic[f] === 1) continue;
    const k = siteIds[frameEnter[f]!]!;
    if (k < sites) offsets[k + 1]!++;
  }
  for (let k = 0; k < sites; k++) offsets[k + 1]! += offsets[k]!;
  const events = new Uint32Array(offsets[sites]!);
  const fill = offsets.slice(0, sites);
  for (let f = 0; f < nf; f++) {
    if (frameSynthetic[f] === 1) continue;
    const e = frameEnter[f]!;
    const k = siteIds[e]!;
    if (k < sites) events[fill[k]!++] = e;
  }
  return { offsets, events };
}
