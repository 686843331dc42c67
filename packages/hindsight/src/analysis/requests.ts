import type { Execution } from '../trace/index.js';
import { frameTimes } from './frame-times.js';
import { frameNamer } from './names.js';

/**
 * One request: a root async activation, from its root frame's entry to its exit. The frame spans
 * every await of the activation, so the duration includes everything the request awaited.
 */
export interface Request {
  /** The root frame. */
  readonly frame: number;
  readonly activation: number;
  /** The root frame's function name: requests are grouped by it. */
  readonly entry: string;
  /** The root frame's function site. */
  readonly site: number;
  /** ms, in the execution's clock. */
  readonly start: number;
  readonly end: number;
  readonly duration: number;
  /**
   * False when the trace does not hold the whole request: it began inside it (a synthetic frame,
   * whose start is the trace's first event) or ended inside it (no exit; its end is the last event).
   * Latency figures count complete requests only.
   */
  readonly complete: boolean;
}

/**
 * Whether frame f is the root of a root activation: a unit of work the event loop started.
 *
 * f is the first frame of its activation (it has no caller, or its caller runs in another
 * activation: an async call), and nothing waited for it to finish: it has no caller (the event loop
 * called it: a timer, an I/O callback, an HTTP request listener), or its caller returned before it
 * did (an async call fired and not awaited before the caller returned: a request handler started by
 * a router). An awaited async call ends before its caller and is part of the caller's request.
 */
export function isRootActivation(ex: Execution, f: number): boolean {
  const parent = ex.frameParent(f);
  if (parent === -1) return true;
  if (ex.frameActivation(parent) === ex.frameActivation(f)) return false;
  const parentExit = ex.frameExit(parent);
  if (parentExit === -1) return false; // the caller is still running when the trace ends
  const exit = ex.frameExit(f);
  return exit === -1 || parentExit < exit;
}

/** Every root activation of the execution as a Request, in the order they started. O(frames). */
export function requests(ex: Execution): Request[] {
  const out: Request[] = [];
  const name = frameNamer(ex);
  const times = frameTimes(ex);
  for (let f = 0; f < ex.frameCount; f++) {
    if (!isRootActivation(ex, f)) continue;
    const synthetic = ex.frameSynthetic(f);
    const exit = ex.frameExit(f);
    const start = times.start[f]!;
    const end = times.end[f]!;
    out.push({ frame: f, activation: ex.frameActivation(f), entry: name(f).name, site: ex.frameSite(f), start, end, duration: end - start, complete: !synthetic && exit !== -1 });
  }
  // synthetic frames are made when their first event is seen, not at their (unseen) entry
  return out.sort((a, b) => a.start - b.start || a.frame - b.frame);
}
