import { HindsightError } from '../common/index.js';
import { EventKind } from './events.js';
import { Execution } from './execution.js';
import { SiteTable } from './sites.js';
import { Activations } from './activations.js';
import { BLOCK_SHIFT, OVERFLOW } from './time.js';
import { closeMadeUpCallers, depths, eventLists, fit, framesFor, framesMade, functionLists, grow, ownable } from './columns.js';

/**
 * Appends events in time order and builds an immutable Execution.
 *
 * Frames are assigned while appending. Each activation id is one logical stack: an Enter pushes
 * a frame on its activation's stack, Exit/Throw pops it, Suspend parks the activation and Resume
 * continues it, so a frame spans its awaits (enter..exit). An Enter on an activation whose stack
 * is empty (an async function called from another activation) gets, as parent, the frame that was
 * running just before it.
 *
 * Generators: a generator call is an Enter and a Suspend at its function site (its body runs on
 * `next()`); each run of its body, from a Resume at the function site or at a yield to the
 * Suspend at the next yield (or its Exit or Throw), is a frame of its own whose parent is the
 * frame running just before, the caller of `next()`; awaits inside an async generator's run are
 * Suspend and Resume inside that frame, as in an async function. yield* needs nothing of its own:
 * each step of the delegation is a run of the outer generator (a Resume and a Suspend at its
 * yield*), so the inner generator's run, which starts inside it, is its child. See docs/recording.md.
 *
 * Partial traces never fail: an event on an activation with no open frame opens a synthetic frame
 * (enterIndex 0), and the Exit/Throw of a synthetic root frame creates a synthetic caller frame
 * that the following events of that activation belong to.
 *
 * Timestamps are kept at a resolution of 1/ticksPerUnit of their unit (default 1000: microseconds
 * for millisecond timestamps) and made non-decreasing (a time earlier than the previous one, or
 * not finite, is taken as the previous one), so time search is a binary search.
 */
export class ExecutionBuilder {
  readonly #sites: SiteTable;
  #n = 0;
  #kinds: Uint8Array;
  #siteIds: Uint32Array;
  #frames: Uint32Array;
  #deltas: Uint32Array;
  /** The ticks at every 2^BLOCK_SHIFT-th event (see time.ts), kept as the deltas are. */
  #checkpoints: Float64Array;
  readonly #overflow = new Map<number, number>();
  readonly #ticksPerUnit: number;
  #base = 0;
  #lastTicks = 0;

  #nf = 0;
  #fEnter: Int32Array;
  #fExit: Int32Array;
  #fParent: Int32Array;
  #fCall: Int32Array;
  #fSite: Int32Array;
  #fAct: Uint32Array;
  #fSynthetic: Uint8Array;
  /** Build time only: the last event of each frame so far, and the frame below it on its activation's stack. */
  #fLast: Int32Array;
  #fBelow: Int32Array;

  /** Per activation: its open frames (a stack linked through #fBelow), and whether it has awaited. */
  #acts = new Activations();
  #lastActivation = -1;
  /** The largest site id seen that is not too large to index. */
  #maxKnownSite = -1;
  /** The slot in #acts of #lastActivation, -1 when it must be looked up. */
  #last = -1;
  /** The frame that ran the last event, or -1 (the event loop). */
  #current = -1;
  /**
   * Where #current is -1: whether that is the event loop as the trace shows it, or only that the
   * trace does not show what runs (at the start of a trace that begins in the middle of the
   * program, and back from a frame whose caller it does not hold). A frame entered from an unknown
   * -1 is not known to be a root (CALLER_LOST). Set where #current becomes -1 only.
   */
  #currentKnown: boolean;
  readonly #partial: boolean;
  readonly #continued = new Map<number, number>();
  #built = false;
  /** Per site: 1 for the Suspend and Resume sites that end and start runs of a generator (yields, generator function sites). */
  readonly #yields: Uint8Array;
  /** One event's columns, for append. */
  readonly #one = { kinds: new Uint8Array(1), sites: new Uint32Array(1), activations: new Uint32Array(1), times: new Float64Array(1) };
  /** Room for the per-frame event lists that takeColumns found in the times column it took over. */
  #scratch: Uint32Array | undefined;

  /** `partial`: the events start in the middle of the program (a ring that wrapped): what ran before the first is unknown. */
  constructor(sites: SiteTable = new SiteTable([]), options: { capacity?: number; ticksPerUnit?: number; partial?: boolean } = {}) {
    this.#sites = sites;
    this.#partial = options.partial === true;
    this.#currentKnown = !this.#partial;
    this.#yields = yieldSites(sites);
    this.#ticksPerUnit = options.ticksPerUnit !== undefined && options.ticksPerUnit > 0 ? options.ticksPerUnit : 1000;
    const cap = Math.max(16, options.capacity ?? 1024);
    this.#kinds = new Uint8Array(cap);
    this.#siteIds = new Uint32Array(cap);
    this.#frames = new Uint32Array(cap);
    this.#deltas = new Uint32Array(cap);
    this.#checkpoints = new Float64Array(blocks(cap));
    const fcap = Math.max(16, cap >> 2);
    this.#fEnter = new Int32Array(fcap);
    this.#fExit = new Int32Array(fcap);
    this.#fParent = new Int32Array(fcap);
    this.#fCall = new Int32Array(fcap);
    this.#fSite = new Int32Array(fcap);
    this.#fAct = new Uint32Array(fcap);
    this.#fSynthetic = new Uint8Array(fcap);
    this.#fLast = new Int32Array(fcap);
    this.#fBelow = new Int32Array(fcap);
  }

  get length(): number {
    return this.#n;
  }

  /** Activation `a`, started by the event loop, continues activation `from` (Execution.continues). */
  continues(a: number, from: number): this {
    this.#continued.set(a, from);
    return this;
  }

  /**
   * Appends one event. `site` and `activation` are unsigned 32-bit integers; an unknown `kind`
   * is recorded as a Branch (it carries no control-flow meaning) rather than failing.
   */
  append(kind: EventKind, site: number, activation: number, time: number): this {
    const one = this.#one;
    one.kinds[0] = kind >= 0 && kind <= EventKind.Branch ? kind : EventKind.Branch;
    one.sites[0] = site;
    one.activations[0] = activation;
    one.times[0] = time;
    return this.appendColumns(one.kinds, one.sites, one.activations, one.times, 0, 1);
  }

  /**
   * Appends every event of the columns as appendColumns does, and takes the columns over: the
   * decoder's columns are its own, and on a machine that pages memory in on first touch, fresh
   * columns for millions of events cost more than indexing them. `kinds` and `sites` become the
   * Execution's own (an unknown kind is rewritten in place as a Branch), `activations` is
   * overwritten by the events' frames, and `times`, read once, by the time deltas (its first half)
   * and the per-frame event lists (its second half). The caller must not use any of them
   * afterwards. They are copied instead, as by appendColumns, when the builder has events already,
   * when two share a buffer, or when they are views of buffers much larger than themselves (the
   * Execution would hold the rest).
   */
  takeColumns(kinds: Uint8Array, sites: Uint32Array, activations: Uint32Array, times: Float64Array): this {
    if (this.#built) throw builtError();
    const n = kinds.length;
    const columns = [kinds, sites, activations, times];
    const apart = new Set(columns.map((c) => c.buffer)).size === columns.length;
    if (this.#n === 0 && n > 0 && apart && sites.length === n && activations.length === n && times.length === n && columns.every(ownable)) {
      const words = new Uint32Array(times.buffer, 0, 2 * n);
      this.#kinds = kinds;
      this.#siteIds = sites;
      this.#frames = activations;
      this.#deltas = words.subarray(0, n);
      this.#scratch = words.subarray(n, 2 * n);
      this.#checkpoints = new Float64Array(blocks(n));
      this.#reserveFrames(framesFor(kinds));
    }
    return this.appendColumns(kinds, sites, activations, times, 0, n);
  }

  /**
   * Appends events from..to-1 of the columns, a chunk at a time (the decoder's path: millions of
   * events a call; append is this for one event). One loop over them all would run in baseline
   * code, on every decode, until V8 had compiled it on the stack (OSR, tens of milliseconds on a
   * busy machine): the chunks after the first few call the function's optimized code instead.
   */
  appendColumns(kinds: Uint8Array, sites: Uint32Array, activations: Uint32Array, times: Float64Array, from = 0, to = kinds.length): this {
    if (this.#built) throw builtError();
    if (this.#n + (to - from) > this.#kinds.length) this.#growEvents(this.#n + (to - from));
    for (let at = from; at < to; at += CHUNK) this.#appendChunk(kinds, sites, activations, times, at, Math.min(to, at + CHUNK));
    return this;
  }

  /** Appends events from..to-1 of the columns (room made), in one loop with the builder's state in locals: no call or allocation per event. */
  #appendChunk(kinds: Uint8Array, sites: Uint32Array, activations: Uint32Array, times: Float64Array, from: number, to: number): void {
    let n = this.#n;
    const K = this.#kinds;
    const S = this.#siteIds;
    const F = this.#frames;
    const D = this.#deltas;
    const C = this.#checkpoints;
    const tpu = this.#ticksPerUnit;
    if (n === 0) this.#base = Number.isFinite(times[from]!) ? times[from]! : 0;
    const base = this.#base;
    let lastTicks = this.#lastTicks;
    let maxKnownSite = this.#maxKnownSite;
    let current = this.#current;
    let known = this.#currentKnown;
    let lastActivation = this.#lastActivation;
    const acts = this.#acts;
    let a = this.#last;
    let { top, bottom, suspended, fn } = acts;
    let nf = this.#nf;
    let fEnter = this.#fEnter;
    let fExit = this.#fExit;
    let fParent = this.#fParent;
    let fCall = this.#fCall;
    let fSite = this.#fSite;
    let fAct = this.#fAct;
    let fSynthetic = this.#fSynthetic;
    let fLast = this.#fLast;
    let fBelow = this.#fBelow;
    const yields = this.#yields;
    for (let j = from; j < to; j++, n++) {
      const kind = kinds[j]!;
      const k = kind <= EventKind.Branch ? kind : EventKind.Branch;
      const site = sites[j]!;
      const activation = activations[j]!;
      K[n] = k;
      S[n] = site;
      if (site > maxKnownSite && site < MAX_UNKNOWN_SITE) maxKnownSite = site;
      const q = Math.round((times[j]! - base) * tpu);
      const d = q > lastTicks && q !== Infinity ? q - lastTicks : 0;
      if (d >= OVERFLOW) {
        D[n] = OVERFLOW;
        this.#overflow.set(n, d);
      } else D[n] = d;
      lastTicks += d;
      if ((n & BLOCK_MASK) === 0) C[n >>> BLOCK_SHIFT] = lastTicks;

      if (activation !== lastActivation || a < 0) {
        a = acts.of(activation);
        if (top !== acts.top) ({ top, bottom, suspended, fn } = acts);
        lastActivation = activation;
      }
      const t = top[a]!;
      // an event makes at most two frames; near the capacity, count them (a column that ends exactly full is not copied)
      if (nf + 2 > fEnter.length && nf + framesMade(k, t, suspended[a] === 1, fParent, fSynthetic) > fEnter.length) {
        this.#nf = nf;
        this.#growFrames();
        fEnter = this.#fEnter;
        fExit = this.#fExit;
        fParent = this.#fParent;
        fCall = this.#fCall;
        fSite = this.#fSite;
        fAct = this.#fAct;
        fSynthetic = this.#fSynthetic;
        fLast = this.#fLast;
        fBelow = this.#fBelow;
      }
      let f: number;
      if (k === EventKind.Enter) {
        // a new activation's caller: the frame running, unless that is a caller made up for a
        // return (no event of its own: a sync callback's return to the event loop looks the same)
        const guessed = t < 0 && current >= 0 && fSite[current] === -1;
        const parent = t >= 0 ? t : guessed ? -1 : current;
        f = nf++;
        fEnter[f] = n;
        fExit[f] = -1;
        fParent[f] = parent;
        fCall[f] = parent >= 0 ? fLast[parent]! : -1;
        fSite[f] = site;
        fAct[f] = activation;
        fSynthetic[f] = guessed || (parent < 0 && !known) ? CALLER_LOST : 0;
        fBelow[f] = t;
        if (t < 0) bottom[a] = f;
        top[a] = f;
        current = f;
        if (yields[site] === 1) fn[a] = site;
      } else if (k === EventKind.Exit || k === EventKind.Throw) {
        let below = -1;
        if (t >= 0) {
          f = t;
          below = fBelow[f]!;
        } else {
          f = nf++;
          fEnter[f] = 0;
          fParent[f] = -1;
          fCall[f] = -1;
          fSite[f] = site;
          fAct[f] = activation;
          fSynthetic[f] = 1;
        }
        fExit[f] = n;
        if (fParent[f] === -1 && fSynthetic[f] === 1 && suspended[a] === 0 && yields[site] !== 1) {
          // the trace started inside f's caller too: give f a synthetic caller, which continues this activation
          // (a resumed async activation returns to the event loop instead, a generator to the caller of next());
          // a synthetic frame is made on an empty stack, so the caller is alone on it
          const caller = nf++;
          fEnter[caller] = 0;
          fExit[caller] = -1;
          fParent[caller] = -1;
          fCall[caller] = -1;
          fSite[caller] = -1;
          fAct[caller] = activation;
          fSynthetic[caller] = 1;
          fLast[caller] = -1;
          fBelow[caller] = -1;
          fParent[f] = caller;
          below = bottom[a] = caller;
        }
        top[a] = below;
        if (below >= 0) current = below;
        else {
          known = goesBackToKnown(f, suspended[a] === 1, fParent, fSynthetic);
          current = suspended[a] === 1 ? -1 : fParent[f]!;
          // its outermost frame returned: the activation is over (a recording has hundreds of thousands)
          acts.end(activation);
          a = -1;
        }
      } else if (k === EventKind.Resume && t < 0 && yields[site] === 1) {
        // next() runs the generator again: a frame called by the frame running before
        const parent = current >= 0 || !known ? current : stillWaiting(bottom[a]!, activation, fParent, fExit, fAct);
        f = nf++;
        fEnter[f] = n;
        fExit[f] = -1;
        fParent[f] = parent;
        fCall[f] = parent >= 0 ? fLast[parent]! : -1;
        fSite[f] = fn[a]! >= 0 ? fn[a]! : site;
        fAct[f] = activation;
        fSynthetic[f] = parent < 0 && !known ? CALLER_LOST : 0;
        fBelow[f] = -1;
        top[a] = bottom[a] = f;
        // run by the event loop, it goes back there when it awaits or yields, not to the caller waiting for it
        suspended[a] = current < 0 && known ? 1 : 0;
        current = f;
      } else {
        if (t >= 0) f = t;
        else {
          // an event of an activation whose start the trace does not hold (a Resume: it awaited before the trace began)
          if (k === EventKind.Resume) suspended[a] = 1;
          f = nf++;
          fEnter[f] = 0;
          fExit[f] = -1;
          fParent[f] = -1;
          fCall[f] = -1;
          fSite[f] = site;
          fAct[f] = activation;
          fSynthetic[f] = 1;
          fBelow[f] = -1;
          top[a] = bottom[a] = f;
        }
        if (k === EventKind.Suspend && yields[site] === 1) {
          // a yield ends the generator's run: back to the caller of next() (the event loop once it awaited)
          known = goesBackToKnown(bottom[a]!, suspended[a] === 1, fParent, fSynthetic);
          current = suspended[a] === 1 ? -1 : fParent[bottom[a]!]!;
          suspended[a] = 0;
          for (let g = f; g >= 0; g = fBelow[g]!) fExit[g] = n;
          top[a] = -1;
        } else if (k === EventKind.Suspend) {
          // the first await returns to the caller; after a resume the activation was run by the event loop
          known = goesBackToKnown(bottom[a]!, suspended[a] === 1, fParent, fSynthetic);
          current = suspended[a] === 1 ? -1 : fParent[bottom[a]!]!;
          suspended[a] = 1;
        } else current = f;
      }
      if (fSite[f] === -1) fSite[f] = site;
      fLast[f] = n;
      F[n] = f;
    }
    this.#n = n;
    this.#nf = nf;
    this.#lastTicks = lastTicks;
    this.#maxKnownSite = maxKnownSite;
    this.#current = current;
    this.#currentKnown = known;
    this.#lastActivation = lastActivation;
    this.#last = a;
  }

  /** The indexes are made here: O(n) counting sorts, no comparison sort. The builder cannot be used afterwards. */
  build(): Execution {
    if (this.#built) throw builtError();
    this.#built = true;
    const n = this.#n;
    const nf = this.#nf;
    // the buffers are released below: a column filled to its capacity is handed over without a copy
    const kinds = fit(this.#kinds, n);
    const siteIds = fit(this.#siteIds, n);
    const frames = fit(this.#frames, n);
    const deltas = fit(this.#deltas, n);
    const time = { base: this.#base, ticksPerUnit: this.#ticksPerUnit, deltas, checkpoints: fit(this.#checkpoints, blocks(n)), overflow: this.#overflow };
    const frameParent = fit(this.#fParent, nf);
    const frameSite = fit(this.#fSite, nf);
    const frameExit = fit(this.#fExit, nf);
    const frameSynthetic = fit(this.#fSynthetic, nf);
    closeMadeUpCallers(frameParent, frameSite, frameExit, frameSynthetic);

    const frameDepth = depths(frameParent, new Uint32Array(this.#fLast.buffer, 0, this.#fLast.length));

    // site ids are dense table indexes; ids far beyond the table (a corrupt record) stay out of the occurrence lists
    const maxSite = Math.max(this.#sites.size, this.#maxKnownSite + 1);
    const frameEnter = fit(this.#fEnter, nf);
    const { site, frame } = eventLists(siteIds, maxSite, frames, nf, this.#frameEventsRoom(n));
    const fn = functionLists(frameEnter, frameSynthetic, siteIds, maxSite);

    const execution = new Execution({
      sites: this.#sites,
      partial: this.#partial,
      continued: this.#continued,
      kinds,
      siteIds,
      frames,
      time,
      frameEnter,
      frameExit,
      frameParent,
      frameCall: fit(this.#fCall, nf),
      frameSite,
      frameActivation: fit(this.#fAct, nf),
      frameSynthetic,
      frameDepth,
      siteOffsets: site.offsets,
      siteEvents: site.events,
      functionOffsets: fn.offsets,
      functionEvents: fn.events,
      frameOffsets: frame.offsets,
      frameEvents: frame.events,
    });
    this.#releaseBuffers();
    return execution;
  }

  /** The n words for the per-frame event lists in the times column takeColumns took over, while its deltas are still the Execution's. */
  #frameEventsRoom(n: number): Uint32Array | undefined {
    const room = this.#scratch;
    return room !== undefined && room.length === n && room.buffer === this.#deltas.buffer && this.#deltas.length === n ? room : undefined;
  }

  #growEvents(atLeast = 0): void {
    this.#kinds = grow(this.#kinds, atLeast);
    this.#siteIds = grow(this.#siteIds, atLeast);
    this.#frames = grow(this.#frames, atLeast);
    this.#deltas = grow(this.#deltas, atLeast);
    this.#checkpoints = grow(this.#checkpoints, blocks(this.#deltas.length), true);
  }

  #growFrames(): void {
    this.#fEnter = grow(this.#fEnter);
    this.#fExit = grow(this.#fExit);
    this.#fParent = grow(this.#fParent);
    this.#fCall = grow(this.#fCall);
    this.#fSite = grow(this.#fSite);
    this.#fAct = grow(this.#fAct);
    this.#fSynthetic = grow(this.#fSynthetic);
    this.#fLast = grow(this.#fLast);
    this.#fBelow = grow(this.#fBelow);
  }

  /** Frame columns of at least `frames` (a copy when they are shorter), so that appending does not grow them piecemeal. */
  #reserveFrames(frames: number): void {
    if (this.#fEnter.length >= frames) return;
    this.#fEnter = grow(this.#fEnter, frames, true);
    this.#fExit = grow(this.#fExit, frames, true);
    this.#fParent = grow(this.#fParent, frames, true);
    this.#fCall = grow(this.#fCall, frames, true);
    this.#fSite = grow(this.#fSite, frames, true);
    this.#fAct = grow(this.#fAct, frames, true);
    this.#fSynthetic = grow(this.#fSynthetic, frames, true);
    this.#fLast = grow(this.#fLast, frames, true);
    this.#fBelow = grow(this.#fBelow, frames, true);
  }

  #releaseBuffers(): void {
    this.#kinds = new Uint8Array(0);
    this.#siteIds = new Uint32Array(0);
    this.#frames = new Uint32Array(0);
    this.#deltas = new Uint32Array(0);
    this.#checkpoints = new Float64Array(0);
    this.#fEnter = new Int32Array(0);
    this.#fExit = new Int32Array(0);
    this.#fParent = new Int32Array(0);
    this.#fCall = new Int32Array(0);
    this.#fSite = new Int32Array(0);
    this.#fAct = new Uint32Array(0);
    this.#fSynthetic = new Uint8Array(0);
    this.#fLast = new Int32Array(0);
    this.#fBelow = new Int32Array(0);
    this.#acts = new Activations();
    this.#last = -1;
    this.#scratch = undefined;
  }
}

const MAX_UNKNOWN_SITE = 1 << 24;
/** frameSynthetic's value for an entered frame whose caller the trace does not hold (Execution.frameCallerLost). */
const CALLER_LOST = 2;

/**
 * Whether the trace shows where control goes as an activation suspends, or returns from its
 * bottom frame: back to the event loop when the activation resumed from there, else to the
 * caller of that frame, known unless the frame has none the trace holds.
 */
function goesBackToKnown(bottom: number, resumed: boolean, fParent: Int32Array, fSynthetic: Uint8Array): boolean {
  return resumed || fParent[bottom]! >= 0 || fSynthetic[bottom] === 0;
}
/**
 * The caller of a generator's run that the event loop started: the caller of its previous run
 * (`previous`, -1 for none), if that is still running in another activation. An async generator
 * at a yield that `return()` or `throw()` resumes first awaits (the language's own await, not the
 * program's), so its finally blocks run from the event loop while the caller of `return()` (a
 * `for await` left by a throw or a break) awaits them: the run is that caller's, not a unit of
 * work of its own.
 */
function stillWaiting(previous: number, activation: number, fParent: Int32Array, fExit: Int32Array, fAct: Uint32Array): number {
  const caller = previous >= 0 ? fParent[previous]! : -1;
  return caller >= 0 && fExit[caller] === -1 && fAct[caller] !== activation ? caller : -1;
}
/** Events appendColumns appends a call of its loop: few enough that a decode's first chunks tier its code up, many enough that its calls cost nothing. */
const CHUNK = 1 << 16;
const BLOCK_MASK = (1 << BLOCK_SHIFT) - 1;

/** Checkpoints of n events: one per block begun. */
function blocks(n: number): number {
  return (n + BLOCK_MASK) >>> BLOCK_SHIFT;
}

/** The per-site flags of `#yields`: yield sites and generator function sites. */
function yieldSites(sites: SiteTable): Uint8Array {
  const out = new Uint8Array(sites.size);
  for (let id = 0; id < sites.size; id++) {
    const s = sites.get(id)!;
    if (s.kind === 'yield' || (s.kind === 'function' && s.generator === true)) out[id] = 1;
  }
  return out;
}

function builtError(): HindsightError {
  return new HindsightError('HS_E_EXECUTION_BUILT', 'this ExecutionBuilder already built its Execution; start a new ExecutionBuilder for more events');
}
