import { HindsightError } from '../common/index.js';
import { EventKind } from './events.js';
import { Execution } from './execution.js';
import { SiteTable } from './sites.js';
import { OVERFLOW, checkpointsOf } from './time.js';

/**
 * Appends events in time order and builds an immutable Execution.
 *
 * Frames are assigned while appending. Each activation id is one logical stack: an Enter pushes
 * a frame on its activation's stack, Exit/Throw pops it, Suspend parks the activation and Resume
 * continues it, so a frame spans its awaits (enter..exit). An Enter on an activation whose stack
 * is empty (an async function called from another activation) gets, as parent, the frame that was
 * running just before it.
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
  /** Build time only: the last event of each frame so far. */
  #fLast: Int32Array;

  readonly #stacks = new Map<number, number[]>();
  #lastActivation = -1;
  /** The largest site id seen that is not too large to index. */
  #maxKnownSite = -1;
  #lastStack: number[] | undefined;
  readonly #suspended = new Set<number>();
  /** The frame that ran the last event, or -1 (the event loop). */
  #current = -1;
  #built = false;

  constructor(sites: SiteTable = new SiteTable([]), options: { capacity?: number; ticksPerUnit?: number } = {}) {
    this.#sites = sites;
    this.#ticksPerUnit = options.ticksPerUnit !== undefined && options.ticksPerUnit > 0 ? options.ticksPerUnit : 1000;
    const cap = Math.max(16, options.capacity ?? 1024);
    this.#kinds = new Uint8Array(cap);
    this.#siteIds = new Uint32Array(cap);
    this.#frames = new Uint32Array(cap);
    this.#deltas = new Uint32Array(cap);
    const fcap = Math.max(16, cap >> 2);
    this.#fEnter = new Int32Array(fcap);
    this.#fExit = new Int32Array(fcap);
    this.#fParent = new Int32Array(fcap);
    this.#fCall = new Int32Array(fcap);
    this.#fSite = new Int32Array(fcap);
    this.#fAct = new Uint32Array(fcap);
    this.#fSynthetic = new Uint8Array(fcap);
    this.#fLast = new Int32Array(fcap);
  }

  get length(): number {
    return this.#n;
  }

  /**
   * Appends one event. `site` and `activation` are unsigned 32-bit integers; an unknown `kind`
   * is recorded as a Branch (it carries no control-flow meaning) rather than failing.
   */
  append(kind: EventKind, site: number, activation: number, time: number): this {
    if (this.#built) throw builtError();
    if (this.#n === this.#kinds.length) this.#growEvents();
    const i = this.#n++;
    const k: EventKind = kind >= 0 && kind <= EventKind.Branch ? kind : EventKind.Branch;
    this.#kinds[i] = k;
    this.#siteIds[i] = site;
    if (site > this.#maxKnownSite && site < MAX_UNKNOWN_SITE) this.#maxKnownSite = site;
    if (i === 0) this.#base = Number.isFinite(time) ? time : 0;
    const q = Math.round((time - this.#base) * this.#ticksPerUnit);
    const d = Number.isFinite(q) && q > this.#lastTicks ? q - this.#lastTicks : 0;
    if (d >= OVERFLOW) {
      this.#deltas[i] = OVERFLOW;
      this.#overflow.set(i, d);
    } else this.#deltas[i] = d;
    this.#lastTicks += d;

    // consecutive events mostly share their activation: the map is looked up when it changes
    let stack = this.#lastStack;
    if (activation !== this.#lastActivation || !stack) {
      stack = this.#stacks.get(activation);
      if (!stack) this.#stacks.set(activation, (stack = []));
      this.#lastActivation = activation;
      this.#lastStack = stack;
    }
    let f: number;
    switch (k) {
      case EventKind.Enter: {
        const parent = stack.length > 0 ? stack[stack.length - 1]! : this.#current;
        f = this.#newFrame(site, activation, i, parent, 0);
        this.#fCall[f] = parent >= 0 ? this.#fLast[parent]! : -1;
        stack.push(f);
        this.#current = f;
        break;
      }
      case EventKind.Exit:
      case EventKind.Throw: {
        f = stack.length > 0 ? stack.pop()! : this.#newFrame(site, activation, 0, -1, 1);
        this.#fExit[f] = i;
        if (this.#fParent[f] === -1 && this.#fSynthetic[f] === 1 && !this.#suspended.has(activation)) {
          // the trace started inside f's caller too: give f a synthetic caller, which continues this activation
          // (a resumed async activation returns to the event loop instead)
          const caller = this.#newFrame(-1, activation, 0, -1, 1);
          this.#fParent[f] = caller;
          stack.push(caller);
        }
        if (stack.length > 0) this.#current = stack[stack.length - 1]!;
        else this.#current = this.#suspended.has(activation) ? -1 : this.#fParent[f]!;
        break;
      }
      case EventKind.Suspend: {
        f = this.#top(stack, site, activation);
        // the first await returns to the caller; after a resume the activation was run by the event loop
        this.#current = this.#suspended.has(activation) ? -1 : this.#fParent[stack[0]!]!;
        this.#suspended.add(activation);
        break;
      }
      default: {
        // Statement, Branch, Resume: the activation's innermost frame runs
        if (k === EventKind.Resume && stack.length === 0) this.#suspended.add(activation); // it awaited before the trace began
        f = this.#top(stack, site, activation);
        this.#current = f;
      }
    }
    if (this.#fSite[f] === -1) this.#fSite[f] = site;
    this.#fLast[f] = i;
    this.#frames[i] = f;
    return this;
  }

  /** The indexes are made here: O(n) counting sorts, no comparison sort. The builder cannot be used afterwards. */
  build(): Execution {
    if (this.#built) throw builtError();
    this.#built = true;
    const n = this.#n;
    const nf = this.#nf;
    const kinds = this.#kinds.slice(0, n);
    const siteIds = this.#siteIds.slice(0, n);
    const frames = this.#frames.slice(0, n);
    const deltas = this.#deltas.slice(0, n);
    const time = { base: this.#base, ticksPerUnit: this.#ticksPerUnit, deltas, checkpoints: checkpointsOf(deltas, this.#overflow), overflow: this.#overflow };
    const frameParent = this.#fParent.slice(0, nf);
    const frameSite = this.#fSite.slice(0, nf);

    // depth: parents of synthetic frames can be created after their children, so memoize up the chain
    const frameDepth = new Uint32Array(nf);
    const known = new Uint8Array(nf);
    const path: number[] = [];
    for (let f = 0; f < nf; f++) {
      const parent = frameParent[f]!;
      // the common case: the parent was made first
      if (parent === -1 || (parent < f && known[parent] === 1)) {
        frameDepth[f] = parent === -1 ? 0 : frameDepth[parent]! + 1;
        known[f] = 1;
        continue;
      }
      let g = f;
      while (g !== -1 && known[g] === 0) {
        path.push(g);
        g = frameParent[g]!;
      }
      let d = g === -1 ? -1 : frameDepth[g]!;
      while (path.length > 0) {
        const h = path.pop()!;
        frameDepth[h] = ++d;
        known[h] = 1;
      }
    }

    // site ids are dense table indexes; ids far beyond the table (a corrupt record) stay out of the occurrence lists
    const maxSite = Math.max(this.#sites.size, this.#maxKnownSite + 1);
    const site = csr(siteIds, maxSite);
    const fn = csr(siteIds, maxSite, kinds, EventKind.Enter);
    const frame = csr(frames, nf);

    const execution = new Execution({
      sites: this.#sites,
      kinds,
      siteIds,
      frames,
      time,
      frameEnter: this.#fEnter.slice(0, nf),
      frameExit: this.#fExit.slice(0, nf),
      frameParent,
      frameCall: this.#fCall.slice(0, nf),
      frameSite,
      frameActivation: this.#fAct.slice(0, nf),
      frameSynthetic: this.#fSynthetic.slice(0, nf),
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

  #top(stack: number[], site: number, activation: number): number {
    if (stack.length === 0) stack.push(this.#newFrame(site, activation, 0, -1, 1));
    return stack[stack.length - 1]!;
  }

  #newFrame(site: number, activation: number, enter: number, parent: number, synthetic: 0 | 1): number {
    if (this.#nf === this.#fEnter.length) this.#growFrames();
    const f = this.#nf++;
    this.#fEnter[f] = enter;
    this.#fExit[f] = -1;
    this.#fParent[f] = parent;
    this.#fCall[f] = -1;
    this.#fSite[f] = site;
    this.#fAct[f] = activation;
    this.#fSynthetic[f] = synthetic;
    this.#fLast[f] = -1;
    return f;
  }

  #growEvents(): void {
    this.#kinds = grow(this.#kinds);
    this.#siteIds = grow(this.#siteIds);
    this.#frames = grow(this.#frames);
    this.#deltas = grow(this.#deltas);
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
  }

  #releaseBuffers(): void {
    this.#kinds = new Uint8Array(0);
    this.#siteIds = new Uint32Array(0);
    this.#frames = new Uint32Array(0);
    this.#deltas = new Uint32Array(0);
    this.#fEnter = new Int32Array(0);
    this.#fExit = new Int32Array(0);
    this.#fParent = new Int32Array(0);
    this.#fCall = new Int32Array(0);
    this.#fSite = new Int32Array(0);
    this.#fAct = new Uint32Array(0);
    this.#fSynthetic = new Uint8Array(0);
    this.#fLast = new Int32Array(0);
    this.#stacks.clear();
    this.#lastStack = undefined;
  }
}

const MAX_UNKNOWN_SITE = 1 << 24;

function builtError(): HindsightError {
  return new HindsightError('HS_E_EXECUTION_BUILT', 'this ExecutionBuilder already built its Execution; start a new ExecutionBuilder for more events');
}

/** A copy of the column with twice its capacity. */
function grow<T extends Uint8Array | Uint32Array | Int32Array>(from: T): T {
  const to = new (from.constructor as new (length: number) => T)(from.length * 2);
  to.set(from);
  return to;
}

/**
 * Groups event indices by their key in `keys` (keys >= `size` left out), each group ascending: a
 * counting sort. With `kinds`, only the events of that kind. Loops over the columns directly:
 * this runs three times over every event of a build.
 */
function csr(keys: Uint32Array, size: number, kinds?: Uint8Array, kind?: number): { offsets: Uint32Array; events: Uint32Array } {
  const n = keys.length;
  const offsets = new Uint32Array(size + 1);
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    if (k < size && (kinds === undefined || kinds[i] === kind)) offsets[k + 1]!++;
  }
  for (let k = 0; k < size; k++) offsets[k + 1]! += offsets[k]!;
  const events = new Uint32Array(offsets[size]!);
  const fill = offsets.slice(0, size);
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    if (k < size && (kinds === undefined || kinds[i] === kind)) events[fill[k]!++] = i;
  }
  return { offsets, events };
}
