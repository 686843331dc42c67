import { EventKind, eventKindName, type EventKindName } from './events.js';
import { countBelow, firstAfter, lastBefore } from './search.js';
import type { Site, SiteTable } from './sites.js';
import { indexAtTime, timeAt, timesInto, type TimeColumn } from './time.js';

/** One event, as a small view object made on demand (the data lives in the columns). */
export interface EventView {
  readonly index: number;
  readonly kind: EventKind;
  readonly kindName: EventKindName | 'unknown';
  readonly site: number;
  readonly frame: number;
  readonly activation: number;
  readonly time: number;
  readonly depth: number;
}

/** One frame (one function activation, which spans its awaits) of the call tree. */
export interface FrameView {
  readonly frame: number;
  /** The function site of an entered frame; for a synthetic frame the site of the first event seen in it. */
  readonly functionSite: number;
  /** Its Enter event; 0 for a synthetic frame (the trace started inside it). */
  readonly enterIndex: number;
  /** Its Exit or Throw event, or -1 when the trace ends inside it. */
  readonly exitIndex: number;
  /** The calling frame, or -1 for a root. */
  readonly parent: number;
  /** The caller's last event before this frame was entered (the call site), or -1 when unknown. */
  readonly callIndex: number;
  readonly activation: number;
  /** True when the trace never showed this frame's Enter (a trace that starts mid-program). */
  readonly synthetic: boolean;
  /** 0 for a root. */
  readonly depth: number;
}

/** A place in the source: 1-based line and column. */
export interface Place {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Columns and indexes, as the builder hands them over. */
export interface ExecutionParts {
  sites: SiteTable;
  /** The events start in the middle of the program (a ring that wrapped). */
  partial: boolean;
  /** Per activation the event loop started as a continuation: the activation it continues (Execution.continues). */
  continued: ReadonlyMap<number, number>;
  kinds: Uint8Array;
  siteIds: Uint32Array;
  frames: Uint32Array;
  time: TimeColumn;
  frameEnter: Int32Array;
  frameExit: Int32Array;
  frameParent: Int32Array;
  frameCall: Int32Array;
  frameSite: Int32Array;
  frameActivation: Uint32Array;
  /** 1 for a synthetic frame, 2 for an entered one whose caller is lost (frameCallerLost), else 0. */
  frameSynthetic: Uint8Array;
  frameDepth: Uint32Array;
  siteOffsets: Uint32Array;
  siteEvents: Uint32Array;
  functionOffsets: Uint32Array;
  functionEvents: Uint32Array;
  frameOffsets: Uint32Array;
  frameEvents: Uint32Array;
}

const EMPTY = new Uint32Array(0);

/**
 * The reconstructed, indexed events of one run or recording. Immutable once built (the typed
 * arrays are exposed for speed; do not write to them).
 *
 * Complexity: event and frame accessors O(1) (`time` adds at most 255 deltas); `stackAt` O(depth);
 * occurrence and frame-event searches O(log n); `indexAtTime` O(log n).
 *
 * Memory per event: kind 1 + site 4 + frame 4 + time delta 4 bytes, plus 4 in the per-site and 4 in
 * the per-frame occurrence lists, 4 per Enter in the per-function lists, and 33 bytes per frame.
 */
export class Execution {
  readonly sites: SiteTable;
  /** Per event: its EventKind. */
  readonly kinds: Uint8Array;
  /** Per event: its site id. */
  readonly siteIds: Uint32Array;
  /** Per event: the frame it belongs to. */
  readonly frames: Uint32Array;
  /** The events start in the middle of the program (a ring that wrapped): what ran before the first is unknown. */
  readonly partial: boolean;
  readonly #p: ExecutionParts;
  /** The activations some continuation continues. */
  readonly #continued: ReadonlySet<number>;
  /** Their first frames (continuedFrame), found on first use. */
  #continuedFrames: Map<number, number> | undefined;

  constructor(parts: ExecutionParts) {
    this.#p = parts;
    this.#continued = new Set(parts.continued.values());
    this.sites = parts.sites;
    this.kinds = parts.kinds;
    this.siteIds = parts.siteIds;
    this.frames = parts.frames;
    this.partial = parts.partial;
  }

  get length(): number {
    return this.kinds.length;
  }

  get frameCount(): number {
    return this.#p.frameEnter.length;
  }

  /**
   * Bytes held by the columns and indexes (not the site table). A column may have some unused room
   * besides, kept rather than copied away: at most 64 slots and 1/16 of its length.
   */
  get byteSize(): number {
    let total = 0;
    const views = [...Object.values(this.#p), this.#p.time.deltas, this.#p.time.checkpoints];
    for (const v of views) if (ArrayBuffer.isView(v)) total += v.byteLength;
    total += this.#p.time.overflow.size * 16;
    return total;
  }

  kind(i: number): EventKind {
    return this.kinds[i] as EventKind;
  }
  site(i: number): number {
    return this.siteIds[i]!;
  }
  frame(i: number): number {
    return this.frames[i]!;
  }
  /** Event i's timestamp (non-decreasing, at the builder's tick resolution). O(1): at most 255 additions. */
  time(i: number): number {
    return timeAt(this.#p.time, i);
  }
  /**
   * The times of events from..to-1, written to `out` from its start (a new array when omitted): one
   * addition per event, for readers of many times in order (analyses, exports), where `time(i)`
   * each would add up to 255 deltas.
   */
  times(from = 0, to = this.length, out?: Float64Array): Float64Array {
    const lo = Math.max(0, from);
    const hi = Math.min(this.length, to);
    return timesInto(this.#p.time, lo, hi, out ?? new Float64Array(Math.max(0, hi - lo)));
  }
  depth(i: number): number {
    return this.#p.frameDepth[this.frames[i]!]!;
  }

  event(i: number): EventView {
    const frame = this.frames[i]!;
    const kind = this.kinds[i] as EventKind;
    return {
      index: i,
      kind,
      kindName: eventKindName(kind),
      site: this.siteIds[i]!,
      frame,
      activation: this.#p.frameActivation[frame]!,
      time: timeAt(this.#p.time, i),
      depth: this.#p.frameDepth[frame]!,
    };
  }

  /** The Site of event i, when the site table knows it. */
  siteOf(i: number): Site | undefined {
    return this.sites.get(this.siteIds[i]!);
  }

  /**
   * Where event i stands in the source: its site's place, but a function's Exit at the function's
   * end (Site.endLine) where its site knows it, as gdb and DevTools show a function about to return.
   */
  placeOf(i: number): Place | undefined {
    const site = this.siteOf(i);
    if (!site) return undefined;
    if (this.kinds[i] === EventKind.Exit && site.endLine !== undefined) return { file: site.file, line: site.endLine, column: site.endColumn ?? 1 };
    return { file: site.file, line: site.line, column: site.column };
  }

  frameEnter(f: number): number {
    return this.#p.frameEnter[f]!;
  }
  frameExit(f: number): number {
    return this.#p.frameExit[f]!;
  }
  frameParent(f: number): number {
    return this.#p.frameParent[f]!;
  }
  frameCall(f: number): number {
    return this.#p.frameCall[f]!;
  }
  frameSite(f: number): number {
    return this.#p.frameSite[f]!;
  }
  frameActivation(f: number): number {
    return this.#p.frameActivation[f]!;
  }
  frameSynthetic(f: number): boolean {
    return this.#p.frameSynthetic[f] === 1;
  }
  /**
   * An entered frame whose caller the trace does not hold: entered by the first frames of a trace
   * that starts in the middle of the program, before it shows what ran (it has no parent, and is
   * not known to be a root: its caller may have been overwritten).
   */
  frameCallerLost(f: number): boolean {
    return this.#p.frameSynthetic[f] === 2;
  }
  frameDepth(f: number): number {
    return this.#p.frameDepth[f]!;
  }

  /**
   * The activation that activation `a` continues, or -1: a continuation's (a `.then` callback, a
   * function given to `queueMicrotask`, `process.nextTick` or `setImmediate`), which the event loop
   * called on behalf of the activation that wrote it there. Recordings only.
   */
  continues(a: number): number {
    return this.#p.continued.get(a) ?? -1;
  }

  /**
   * The first frame of activation `a`, one that a continuation continues (continues); -1 for
   * another, or one whose frames the trace does not hold. O(frames) on first use, then O(1).
   */
  continuedFrame(a: number): number {
    if (!this.#continued.has(a)) return -1;
    if (!this.#continuedFrames) {
      const first = new Map<number, number>();
      const activations = this.#p.frameActivation;
      for (let f = 0; f < activations.length; f++) if (this.#continued.has(activations[f]!) && !first.has(activations[f]!)) first.set(activations[f]!, f);
      this.#continuedFrames = first;
    }
    return this.#continuedFrames.get(a) ?? -1;
  }

  /** Whether any activation of the trace is a continuation (continues): analyses skip looking for them otherwise. */
  get hasContinuations(): boolean {
    return this.#continued.size > 0;
  }

  /**
   * The Enter of the call frame f runs: its own, or for a later run of a generator (a frame that a
   * Resume starts), the generator's call, its activation's Enter before it; -1 for a synthetic
   * frame, or a run of a generator called before the trace began.
   */
  frameCallEnter(f: number): number {
    if (this.frameSynthetic(f)) return -1;
    const enter = this.frameEnter(f);
    if (this.kinds[enter] === EventKind.Enter) return enter;
    // the function's occurrences are its frames' first events: the Resume that starts its first run is one
    const calls = this.functionOccurrences(this.frameSite(f));
    const a = this.frameActivation(f);
    for (let i = countBelow(calls, enter) - 1; i >= 0; i--) {
      const e = calls[i]!;
      if (this.kinds[e] === EventKind.Enter && this.frameActivation(this.frames[e]!) === a) return e;
    }
    return -1;
  }

  frameInfo(f: number): FrameView {
    const p = this.#p;
    return {
      frame: f,
      functionSite: p.frameSite[f]!,
      enterIndex: p.frameEnter[f]!,
      exitIndex: p.frameExit[f]!,
      parent: p.frameParent[f]!,
      callIndex: p.frameCall[f]!,
      activation: p.frameActivation[f]!,
      synthetic: p.frameSynthetic[f] === 1,
      depth: p.frameDepth[f]!,
    };
  }

  /** The frames live at event i, innermost first (the event's own frame, then its callers). O(depth). */
  stackAt(i: number): number[] {
    const out: number[] = [];
    for (let f = this.frames[i]!; f !== -1; f = this.#p.frameParent[f]!) out.push(f as number);
    return out;
  }

  /** Every event at this site, ascending. A view: do not write to it. */
  siteOccurrences(site: number): Uint32Array {
    const o = this.#p.siteOffsets;
    if (!(site >= 0 && site + 1 < o.length)) return EMPTY;
    return this.#p.siteEvents.subarray(o[site]!, o[site + 1]!);
  }

  /** The Enter events of the function with this function site, ascending. */
  functionOccurrences(functionSite: number): Uint32Array {
    const o = this.#p.functionOffsets;
    if (!(functionSite >= 0 && functionSite + 1 < o.length)) return EMPTY;
    return this.#p.functionEvents.subarray(o[functionSite]!, o[functionSite + 1]!);
  }

  /** The events of frame f, ascending. */
  frameEvents(f: number): Uint32Array {
    const o = this.#p.frameOffsets;
    if (!(f >= 0 && f + 1 < o.length)) return EMPTY;
    return this.#p.frameEvents.subarray(o[f]!, o[f + 1]!);
  }

  /** The first event of frame f after index i, or -1. O(log n). */
  nextInFrame(f: number, i: number): number {
    return firstAfter(this.frameEvents(f), i);
  }

  /** The last event of frame f before index i, or -1. O(log n). */
  previousInFrame(f: number, i: number): number {
    return lastBefore(this.frameEvents(f), i);
  }

  /** The first event whose time is >= t; the last event when all are earlier; -1 when empty. O(log n). */
  indexAtTime(t: number): number {
    return indexAtTime(this.#p.time, t);
  }
}

export { firstAfter, lastBefore, countBelow };
export { EventKind };
