import { PROGRESS_KIND } from '../instrument/index.js';
import type { Recording } from '../store/index.js';
import { column, EventKind, ExecutionBuilder, SiteTable, type Execution, type Site } from '../trace/index.js';
import { readRing, type RingEvents } from './ring.js';
import { readValuesRing, type CapturedValue } from './values-ring.js';

const UNKNOWN: Site = { kind: 'statement', file: '<unknown module>', line: 0, column: 0, functionName: '<unknown>' };

/**
 * A recording's ring decoded into an Execution: each event symbolicated through the site tables of
 * the modules that were loaded (TypeScript file, line and function). A ring that wrapped starts in
 * the middle of the program: the builder gives the returns whose calls were overwritten synthetic
 * frames, so nothing fails.
 *
 * The recorder's sparse instrumentation does not report quiet statements (see InstrumentOptions
 * .sparse): their Statement events are put back here, in order, where the next event of their
 * frame is (a statement, a branch of a later statement, the exit), and on a throw up to the
 * statement that threw.
 */
export function decodeRecording(recording: Pick<Recording, 'ring' | 'modules'>): Execution {
  return decode(recording).execution;
}

/**
 * decodeRecording, and the arguments the recording captured (`--capture-args`): for each Enter
 * event of the Execution whose call's arguments are still in the values ring, its values.
 */
export function decodeRecordingWithArguments(recording: Pick<Recording, 'ring' | 'modules' | 'values'>): { execution: Execution; args: Map<number, readonly CapturedValue[]> } {
  const captured = recording.values ? readValuesRing(recording.values) : new Map<number, readonly CapturedValue[]>();
  const { execution, enters } = decode(recording, captured);
  const args = new Map<number, readonly CapturedValue[]>();
  for (const [event, values] of captured) {
    const index = enters.get(event);
    if (index !== undefined && execution.kind(index) === EventKind.Enter) args.set(index, values);
  }
  return { execution, args };
}

/**
 * The decode itself; `capture` names the ring's events (as the writer counted them) whose index in
 * the Execution is wanted back (`enters`): the captured calls' Enter events, which the quiet
 * statements put back and the progress marks taken out move.
 */
function decode(recording: Pick<Recording, 'ring' | 'modules'>, capture: ReadonlyMap<number, unknown> = new Map()): { execution: Execution; enters: Map<number, number> } {
  const sites: Site[] = [];
  const runs: (readonly number[] | undefined)[] = [];
  const owners: number[] = [];
  const loops: boolean[] = [];
  for (const m of recording.modules) {
    m.sites.forEach((s, i) => {
      sites[m.base + i] = s;
      if (s.loop === true) loops[m.base + i] = true;
      if (s.run) runs[m.base + i] = s.run.map((id) => id + m.base);
      if (s.in !== undefined) owners[m.base + i] = s.in + m.base;
    });
  }
  // a module whose table line was torn by the process dying: its events name an unknown site
  for (let i = 0; i < sites.length; i++) sites[i] ??= UNKNOWN;
  const { events, firstEvent } = readRing(recording.ring);
  const { kinds, sites: ids, activations, times } = events;
  // the ring's positions of the events asked for, ascending
  const wanted = [...capture.keys()].map((e) => (e - firstEvent) >>> 0).filter((k) => k < events.length).sort((a, b) => a - b);
  const enters = new Map<number, number>();
  const builder = new ExecutionBuilder(new SiteTable(sites), { capacity: 0 });
  if (runs.length === 0) {
    // no quiet statements to put back (a ring of format 1, or not sparse): the ring's columns become the Execution's
    let marks = 0;
    for (let i = 0, w = 0; w < wanted.length; i++) {
      if (i === wanted[w]) enters.set((firstEvent + wanted[w++]!) >>> 0, i - marks);
      if (kinds[i] === PROGRESS_KIND) marks++;
    }
    const n = kinds.indexOf(PROGRESS_KIND) === -1 ? events.length : withoutProgress(events);
    return { execution: builder.takeColumns(kinds.subarray(0, n), ids.subarray(0, n), activations.subarray(0, n), times.subarray(0, n)).build(), enters };
  }
  // the events with their quiet statements put back, in columns of their own that the builder takes over
  const out = new EventColumns(events.length + quietBound(events, runs));
  const quiet = new QuietStatements(out, runs, owners, loops);
  for (let i = 0, w = 0; i < events.length; i++) {
    // an Enter is the first event its call puts in the columns
    if (i === wanted[w]) enters.set((firstEvent + wanted[w++]!) >>> 0, out.length);
    quiet.event(kinds[i]!, ids[i]!, activations[i]!, times[i]!);
  }
  return { execution: builder.takeColumns(out.kinds.subarray(0, out.length), out.sites.subarray(0, out.length), out.activations.subarray(0, out.length), out.times.subarray(0, out.length)).build(), enters };
}

/**
 * The most quiet statements the events can put back: the runs of the sites that start one (a
 * function's entry, a statement, a branch). Most runs are put back whole, so columns of this size
 * are filled nearly to the end, and the builder takes them over rather than copying them.
 */
function quietBound(events: RingEvents, runs: readonly (readonly number[] | undefined)[]): number {
  const lengths = new Uint32Array(runs.length);
  runs.forEach((run, site) => (lengths[site] = run?.length ?? 0));
  const { kinds, sites } = events;
  let bound = 0;
  for (let i = 0; i < events.length; i++) {
    const k = kinds[i]!;
    const site = sites[i]!;
    if ((k === EventKind.Enter || k === EventKind.Statement || k === EventKind.Branch) && site < lengths.length) bound += lengths[site]!;
  }
  return bound;
}

/** Leaves out the progress marks of a ring with no quiet statements, in place: the events left. */
function withoutProgress(events: RingEvents): number {
  const { kinds, sites, activations, times } = events;
  let n = 0;
  for (let i = 0; i < events.length; i++) {
    if (kinds[i] === PROGRESS_KIND) continue;
    kinds[n] = kinds[i]!;
    sites[n] = sites[i]!;
    activations[n] = activations[i]!;
    times[n] = times[i]!;
    n++;
  }
  return n;
}

/** Events appended as columns, which grow by half when full: what the builder takes over in one call. */
class EventColumns {
  length = 0;
  kinds: Uint8Array;
  sites: Uint32Array;
  activations: Uint32Array;
  times: Float64Array;

  constructor(capacity: number) {
    this.kinds = column(Uint8Array, capacity);
    this.sites = column(Uint32Array, capacity);
    this.activations = column(Uint32Array, capacity);
    this.times = column(Float64Array, capacity);
  }

  push(kind: number, site: number, activation: number, time: number): void {
    const i = this.length++;
    if (i === this.kinds.length) this.#grow();
    this.kinds[i] = kind;
    this.sites[i] = site;
    this.activations[i] = activation;
    this.times[i] = time;
  }

  #grow(): void {
    const capacity = this.kinds.length + (this.kinds.length >> 1) + 16;
    const kinds = column(Uint8Array, capacity);
    const sites = column(Uint32Array, capacity);
    const activations = column(Uint32Array, capacity);
    const times = column(Float64Array, capacity);
    kinds.set(this.kinds);
    sites.set(this.sites);
    activations.set(this.activations);
    times.set(this.times);
    this.kinds = kinds;
    this.sites = sites;
    this.activations = activations;
    this.times = times;
  }
}

/** A frame's quiet statements not put back yet: the run of the event before, from `pos`. */
interface Pending {
  run: readonly number[] | undefined;
  pos: number;
  /** The statement reported or put back last (a branch of it is inside it), or -1. */
  last: number;
}

/** Puts the quiet statements back, following each activation's frames as the builder will. */
class QuietStatements {
  readonly #stacks = new Map<number, Pending[]>();
  /** Consecutive events mostly share their activation: its stack is looked up when it changes. */
  #lastActivation = -1;
  #lastStack: Pending[] | undefined;

  constructor(
    readonly out: EventColumns,
    readonly runs: readonly (readonly number[] | undefined)[],
    readonly owners: readonly number[],
    readonly loops: readonly boolean[],
  ) {}

  event(kind: number, site: number, a: number, time: number): void {
    let stack = a === this.#lastActivation ? this.#lastStack : this.#stacks.get(a);
    this.#lastActivation = a;
    this.#lastStack = stack;
    const top = stack && stack.length > 0 ? stack[stack.length - 1] : undefined;
    switch (kind) {
      case PROGRESS_KIND:
        if (top) {
          this.#through(top, site, a, time);
          top.run = undefined;
        }
        return;
      case EventKind.Enter:
        if (!stack) this.#stacks.set(a, (this.#lastStack = stack = []));
        this.out.push(kind, site, a, time);
        stack.push({ run: this.runs[site], pos: 0, last: -1 });
        return;
      case EventKind.Exit:
      case EventKind.Throw:
        if (top) {
          if (kind === EventKind.Exit) this.#all(top, a, time);
          stack!.pop();
          if (stack!.length === 0) {
            this.#stacks.delete(a);
            this.#lastStack = undefined;
          }
        }
        this.out.push(kind, site, a, time);
        return;
      case EventKind.Statement:
        if (top) this.#all(top, a, time);
        this.out.push(kind, site, a, time);
        if (top) this.#set(top, this.runs[site], site);
        return;
      case EventKind.Branch: {
        if (top) {
          const of = this.owners[site] ?? -1;
          if (!(of >= 0 && this.#through(top, of, a, time)) && (of < 0 || of !== top.last)) this.#all(top, a, time);
        }
        this.out.push(kind, site, a, time);
        const run = this.runs[site];
        if (top && run) this.#set(top, run, -1);
        return;
      }
      case EventKind.Suspend:
        // the await of `for await` comes after the iteration's statements; another, inside the statement reported before it
        if (top && this.loops[site] === true) this.#all(top, a, time);
        this.out.push(kind, site, a, time);
        return;
      default: // Resume: inside the statement reported before it
        this.out.push(kind, site, a, time);
    }
  }

  #set(p: Pending, run: readonly number[] | undefined, last: number): void {
    p.run = run;
    p.pos = 0;
    p.last = last;
  }

  /** Puts back the pending statements up to `site` if it is one of them; false when it is not. */
  #through(p: Pending, site: number, a: number, time: number): boolean {
    const run = p.run;
    if (!run) return false;
    const k = run.indexOf(site, p.pos);
    if (k < 0) return false;
    for (let j = p.pos; j <= k; j++) this.out.push(EventKind.Statement, run[j]!, a, time);
    p.pos = k + 1;
    p.last = site;
    return true;
  }

  #all(p: Pending, a: number, time: number): void {
    const run = p.run;
    if (!run) return;
    for (let j = p.pos; j < run.length; j++) this.out.push(EventKind.Statement, run[j]!, a, time);
    if (p.pos < run.length) p.last = run[run.length - 1]!;
    p.pos = run.length;
  }
}
