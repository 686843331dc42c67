import { HindsightError, Slots } from '../common/index.js';
import { PROGRESS_KIND } from '../instrument/index.js';
import { EventKind, grow } from '../trace/index.js';
import { columns, firstEvents, timeStep, type RingEvents } from './ring-reader.js';

/**
 * The quiet statements each site starts (Site.run: the statements after a function's entry, a
 * statement or a branch that report nothing themselves), flat: site s's run is
 * `sites[start[s]..end[s])`, and start is -1 where it has none (not an empty run: a branch with an
 * empty run still starts one).
 */
export class Runs {
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly sites: Uint32Array;
  /** Per site: the length of its run, the most quiet statements an event of a kind in RUN_KINDS at it puts back. */
  readonly lengths: Uint32Array;
  /** Per site: where in `sites` its run's statement that may call is (Site.calls: at most one a run), -1 for none. */
  readonly calling: Int32Array;

  /** `calls`: per site, 1 for a quiet statement that may call (Site.calls). */
  constructor(runs: readonly (readonly number[] | undefined)[], sites: number, calls: Uint8Array) {
    this.start = new Int32Array(sites).fill(-1);
    this.end = new Int32Array(sites);
    this.lengths = new Uint32Array(sites);
    this.calling = new Int32Array(sites).fill(-1);
    const flat: number[] = [];
    runs.forEach((run, site) => {
      if (!run) return;
      this.start[site] = flat.length;
      const k = run.findIndex((statement) => calls[statement] === 1);
      if (k >= 0) this.calling[site] = flat.length + k;
      flat.push(...run);
      this.end[site] = flat.length;
      this.lengths[site] = run.length;
    });
    this.sites = Uint32Array.from(flat);
  }
}

/** The kinds of event that start a run (an entry, a statement, a branch), a bit per kind. */
export const RUN_KINDS = (1 << EventKind.Enter) | (1 << EventKind.Statement) | (1 << EventKind.Branch);

/**
 * Events appended as columns of a fixed capacity, which the builder takes over in one call. The
 * decode sizes them from the ring (its events and the most statements they can put back): they
 * never need more. An event is appended before its time is known (the ring's next time record
 * gives it): its time is the index of the ring event it came with until time() stamps it.
 */
export class EventColumns {
  length = 0;
  /** The events before this one have their times. */
  #timed = 0;
  readonly kinds: Uint8Array;
  readonly sites: Uint32Array;
  readonly activations: Uint32Array;
  readonly times: Float64Array;

  constructor(capacity: number) {
    ({ kinds: this.kinds, sites: this.sites, activations: this.activations, times: this.times } = columns(capacity));
  }

  /** The events appended, as views. */
  written(): RingEvents {
    return firstEvents(this, this.length);
  }

  /** The ring events from..to-1 have their times (RingSink.times): so have the events that came with them, all those not stamped yet. */
  time(from: number, to: number, t0: number, t1: number): void {
    const times = this.times;
    const step = timeStep(from, to, t0, t1);
    for (let i = this.#timed; i < this.length; i++) times[i] = t0 + step * (times[i]! - from);
    this.#timed = this.length;
  }

  push(kind: number, site: number, activation: number, time: number): void {
    const i = this.length++;
    if (i === this.kinds.length) throw new HindsightError('HS_E_DECODE_BOUND', `the decoder put back more quiet statements than the ring's sites allow (${i} events); please report this as a hindsight bug`);
    this.kinds[i] = kind;
    this.sites[i] = site;
    this.activations[i] = activation;
    this.times[i] = time;
  }
}

/**
 * Puts the quiet statements back, following each activation's frames as the builder will. Each
 * open frame has a pending run (the quiet statements not put back yet, from the event before),
 * kept in typed arrays by number and stacked per activation through `#below`: no object per
 * frame or activation (a recording has millions of frames).
 */
export class QuietStatements {
  /** Per activation slot: the innermost frame's pending run, -1 when none. */
  #tops = new Int32Array(256);
  readonly #slots = new Slots();
  /** Consecutive events mostly share their activation: its slot is looked up when it changes. */
  #lastActivation = -1;
  #lastSlot = -1;
  /**
   * The activation whose code runs (that of the last event, unless it suspended or its outermost
   * frame ended), and its slot, -1 when none: an event of another one comes from a call it made.
   */
  #runningActivation = -1;
  #runningSlot = -1;
  /** Per pending run: its part of Runs.sites not put back yet (`#pos` to `#end`), -1 for a frame with no run. */
  #pos = new Int32Array(256);
  #end = new Int32Array(256);
  /** Per pending run: where its statement that may call is in Runs.sites (Runs.calling), -1 for none. */
  #call = new Int32Array(256);
  /** Per pending run: the statement reported or put back last (a branch of it is inside it), or -1. */
  #last = new Int32Array(256);
  #below = new Int32Array(256);
  /** Per pending run: 1 for a frame whose entry the trace does not hold (it started before the ring's oldest event). */
  #synthetic = new Uint8Array(256);
  readonly #free: number[] = [];
  #made = 0;

  constructor(
    readonly out: EventColumns,
    readonly runs: Runs,
    /** Per site: the statement a branch or an await is in, -1 for none (decode.ts, SiteTables). */
    readonly owners: Int32Array,
    readonly loops: Uint8Array,
  ) {}

  event(kind: number, site: number, a: number, time: number): void {
    // control passed to another activation while one ran: a call from its innermost frame (an
    // async function's entry, a generator's run)
    if (a !== this.#runningActivation && this.#runningSlot >= 0) {
      const caller = this.#tops[this.#runningSlot]!;
      if (caller >= 0) this.#called(caller, this.#runningActivation, time);
    }
    let s = this.#lastSlot;
    if (a !== this.#lastActivation) {
      s = this.#lastSlot = this.#slots.find(a);
      this.#lastActivation = a;
    }
    let top = s >= 0 ? this.#tops[s]! : -1;
    if (top < 0 && kind !== EventKind.Enter && kind !== EventKind.Exit && kind !== EventKind.Throw) {
      // a frame whose entry is older than the ring's oldest event: its runs are followed from
      // here on, in a pending run of its own, as the builder gives it a synthetic frame
      if (s < 0) s = this.#lastSlot = this.#add(a);
      top = this.#tops[s] = this.#push(-1, -1);
      this.#synthetic[top] = 1;
    }
    const known = site < this.owners.length;
    this.#runningActivation = a;
    this.#runningSlot = s;
    switch (kind) {
      case PROGRESS_KIND:
        if (top >= 0) {
          this.#through(top, site, a, time);
          this.#pos[top] = -1;
        }
        return;
      case EventKind.Enter:
        // a call in the same activation
        if (top >= 0) this.#called(top, a, time);
        if (s < 0) s = this.#lastSlot = this.#runningSlot = this.#add(a);
        this.out.push(kind, site, a, time);
        this.#tops[s] = this.#push(top, known ? site : -1);
        return;
      case EventKind.Exit:
      case EventKind.Throw:
        if (top >= 0) {
          if (kind === EventKind.Exit) this.#all(top, a, time);
          const below = (this.#tops[s] = this.#below[top]!);
          this.#free.push(top);
          // its outermost frame ended: it runs no more, unless the trace did not hold its entry
          // (the builder gives it a synthetic caller, whose runs the next event starts following)
          if (below < 0 && this.#synthetic[top] === 0) {
            this.#slots.remove(a);
            this.#lastSlot = this.#runningSlot = -1;
          }
        }
        this.out.push(kind, site, a, time);
        return;
      case EventKind.Statement:
        if (top >= 0) this.#all(top, a, time);
        this.out.push(kind, site, a, time);
        if (top >= 0) this.#set(top, known ? site : -1, site);
        return;
      case EventKind.Branch: {
        if (top >= 0) {
          const of = known ? this.owners[site]! : -1;
          if (!(of >= 0 && this.#through(top, of, a, time)) && (of < 0 || of !== this.#last[top])) this.#all(top, a, time);
        }
        this.out.push(kind, site, a, time);
        if (top >= 0 && known && this.runs.start[site]! >= 0) this.#set(top, site, -1);
        return;
      }
      case EventKind.Suspend:
        // the await of `for await` comes after the iteration's statements; another is inside its statement, which may be quiet
        if (top >= 0 && known) {
          if (this.loops[site] === 1) this.#all(top, a, time);
          else if (this.owners[site]! >= 0) this.#through(top, this.owners[site]!, a, time);
        }
        this.out.push(kind, site, a, time);
        this.#runningSlot = -1; // back to its caller, its resumer or the event loop
        return;
      default: // Resume: inside the statement reported before it
        this.out.push(kind, site, a, time);
    }
  }

  /** A call from the frame of pending run `p`: when the statement of its run that may call (Site.calls) is still pending, it made it, and the run is put back up to it. */
  #called(p: number, a: number, time: number): void {
    const pos = this.#pos[p]!;
    const k = this.#call[p]!;
    if (pos >= 0 && k >= pos) this.#upTo(p, k, a, time);
  }

  #add(a: number): number {
    const s = this.#slots.add(a);
    if (s === this.#tops.length) this.#tops = grow(this.#tops);
    this.#tops[s] = -1;
    return s;
  }

  /** A pending run for a frame entered at `site` (-1: none known), above `below`. */
  #push(below: number, site: number): number {
    let p = this.#free.pop() ?? -1;
    if (p < 0) {
      p = this.#made++;
      if (p === this.#pos.length) {
        this.#pos = grow(this.#pos);
        this.#end = grow(this.#end);
        this.#call = grow(this.#call);
        this.#last = grow(this.#last);
        this.#below = grow(this.#below);
        this.#synthetic = grow(this.#synthetic);
      }
    }
    this.#below[p] = below;
    this.#synthetic[p] = 0;
    this.#set(p, site, -1);
    return p;
  }

  /** Pending: the run `site` starts (none when it has none, or for -1). */
  #set(p: number, site: number, last: number): void {
    const start = site >= 0 ? this.runs.start[site]! : -1;
    this.#pos[p] = start;
    this.#end[p] = start >= 0 ? this.runs.end[site]! : -1;
    this.#call[p] = start >= 0 ? this.runs.calling[site]! : -1;
    this.#last[p] = last;
  }

  /** Puts back the pending statements up to `site` if it is one of them; false when it is not. */
  #through(p: number, site: number, a: number, time: number): boolean {
    const pos = this.#pos[p]!;
    if (pos < 0) return false;
    const sites = this.runs.sites;
    const end = this.#end[p]!;
    let k = pos;
    while (k < end && sites[k] !== site) k++;
    if (k === end) return false;
    this.#upTo(p, k, a, time);
    return true;
  }

  #all(p: number, a: number, time: number): void {
    const pos = this.#pos[p]!;
    const end = this.#end[p]!;
    if (pos < 0 || pos === end) return;
    this.#upTo(p, end - 1, a, time);
  }

  /** Puts back the pending statements of run `p` up to position `k` of Runs.sites. */
  #upTo(p: number, k: number, a: number, time: number): void {
    const sites = this.runs.sites;
    for (let j = this.#pos[p]!; j <= k; j++) this.out.push(EventKind.Statement, sites[j]!, a, time);
    this.#pos[p] = k + 1;
    this.#last[p] = sites[k]!;
  }
}
