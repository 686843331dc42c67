import { CONTINUES_KIND, PROGRESS_KIND } from '../instrument/index.js';
import type { DemotedFunction, Recording } from '../store/index.js';
import { EventKind, ExecutionBuilder, SiteTable, type Execution, type Site } from '../trace/index.js';
import { firstEvents, firstRingEvent, readRing, readRingInto, ringHeader, tallyRingEvents, type RingEvents, type RingSink } from './ring-reader.js';
import { readValuesRing, type CapturedValue } from './values-ring.js';
import { EventColumns, QuietStatements, RUN_KINDS, Runs } from './quiet-statements.js';

/** The share of a decode that reading the ring takes (progress). */
const READ_SHARE = 0.6;
/** Ring events between two reports of progress. */
const PROGRESS_EVENTS = 1 << 18;

const UNKNOWN: Site = { kind: 'statement', file: '<unknown module>', line: 0, column: 0, functionName: '<unknown>' };

/**
 * A recording's ring decoded into an Execution: each event symbolicated through the site tables of
 * the modules that were loaded (TypeScript file, line and function). A ring that wrapped starts in
 * the middle of the program: the builder gives the returns whose calls were overwritten synthetic
 * frames, so nothing fails.
 *
 * The recorder's sparse instrumentation does not report quiet statements (see InstrumentOptions
 * .sparse): their Statement events are put back here, in order, where the next event of their
 * frame is (a statement, a branch of a later statement, the exit) or, up to the one of them that
 * calls, where its callee starts (an entry, a generator's run), and on a throw up to the
 * statement that threw.
 */
export function decodeRecording(recording: Pick<Recording, 'ring' | 'modules'>): Execution {
  return decode(recording).execution;
}

/** What a caller of decodeRecordingWithArguments may ask besides the arguments. */
export interface DecodeOptions {
  /**
   * Events as the recorder counted them (a demotion's DemotedFunction.fromEvent), whose index in
   * the Execution is wanted back (`located`): none for one older than the ring's oldest event.
   */
  readonly locate?: readonly number[];
  /** Told how far the decode is, from 0 to 1 (a recording of millions of events takes seconds). */
  readonly progress?: (fraction: number) => void;
}

/**
 * decodeRecording, and the arguments the recording captured (`--capture-args`): for each Enter
 * event of the Execution whose call's arguments are still in the values ring, its values.
 */
export function decodeRecordingWithArguments(
  recording: Pick<Recording, 'ring' | 'modules' | 'values'>,
  { locate = [], progress }: DecodeOptions = {},
): { execution: Execution; args: Map<number, readonly CapturedValue[]>; located: Map<number, number> } {
  const captured = recording.values ? readValuesRing(recording.values) : new Map<number, readonly CapturedValue[]>();
  const wanted = new Map<number, unknown>(captured);
  for (const event of locate) wanted.set(event >>> 0, undefined);
  const { execution, enters } = decode(recording, wanted, progress);
  const args = new Map<number, readonly CapturedValue[]>();
  for (const [event, values] of captured) {
    const index = enters.get(event);
    if (index !== undefined && execution.kind(index) === EventKind.Enter) args.set(index, values);
  }
  const located = new Map<number, number>();
  for (const event of locate) {
    const index = enters.get(event >>> 0);
    if (index !== undefined) located.set(event, index);
  }
  return { execution, args, located };
}

/**
 * The decode itself; `capture` names the ring's events (as the writer counted them) whose index in
 * the Execution is wanted back (`enters`): the captured calls' Enter events, which the quiet
 * statements put back and the progress marks taken out move.
 */
function decode(recording: Pick<Recording, 'ring' | 'modules'>, capture: ReadonlyMap<number, unknown> = new Map(), progress?: (fraction: number) => void): { execution: Execution; enters: Map<number, number> } {
  const tables = siteTables(recording.modules);
  // a ring that wrapped starts in the middle of the program: what ran before its first event is unknown
  const builder = new ExecutionBuilder(new SiteTable(tables.sites), { capacity: 0, partial: ringHeader(recording.ring).wrapped });
  const enters = new Map<number, number>();
  const continued = new Map<number, number>();
  /** The ring's positions of the events asked for, ascending. */
  const wanted = (firstEvent: number, length: number) => [...capture.keys()].map((e) => (e - firstEvent) >>> 0).filter((k) => k < length).sort((a, b) => a - b);
  // reading the ring (and putting the quiet statements back) is most of a decode (READ_SHARE); building and indexing the rest
  const columns = tables.runs.length === 0 ? asRecorded(recording.ring, wanted, enters, continued) : withQuietStatements(recording.ring, tables, wanted, enters, continued, progress);
  progress?.(READ_SHARE);
  for (const [activation, from] of continued) builder.continues(activation, from);
  const execution = builder.takeColumns(columns.kinds, columns.sites, columns.activations, columns.times).build();
  progress?.(1);
  return { execution, enters };
}

interface SiteTables {
  readonly sites: Site[];
  /** Per site: the quiet statements it starts (Site.run), as global ids. */
  readonly runs: (readonly number[] | undefined)[];
  /** Per site: the statement a branch or an await is in, -1 for none. */
  readonly owners: Int32Array;
  /** Per site: 1 for the await of a `for await` loop. */
  readonly loops: Uint8Array;
  /** Per site: 1 for a quiet statement that calls (Site.calls). */
  readonly calls: Uint8Array;
}

/** The modules' site tables, over the ring's global site ids. */
function siteTables(modules: Recording['modules']): SiteTables {
  const sites: Site[] = [];
  const runs: (readonly number[] | undefined)[] = [];
  for (const m of modules) m.sites.forEach((s, i) => (sites[m.base + i] = s));
  // a module whose table line was torn by the process dying: its events name an unknown site
  for (let i = 0; i < sites.length; i++) sites[i] ??= UNKNOWN;
  const owners = new Int32Array(sites.length).fill(-1);
  const loops = new Uint8Array(sites.length);
  const calls = new Uint8Array(sites.length);
  for (const m of modules) {
    m.sites.forEach((s, i) => {
      if (s.loop === true) loops[m.base + i] = 1;
      if (s.calls === true) calls[m.base + i] = 1;
      if (s.run) runs[m.base + i] = s.run.map((id) => id + m.base);
      if (s.in !== undefined) owners[m.base + i] = s.in + m.base;
    });
  }
  return { sites, runs, owners, loops, calls };
}

type Wanted = (firstEvent: number, length: number) => number[];

/** Whether a ring event is a mark for the decoder, not an event of the Execution. */
const isMark = (kind: number): boolean => kind === PROGRESS_KIND || kind === CONTINUES_KIND;

/**
 * No quiet statements to put back (a ring of format 1, or not sparse): the ring's columns become the
 * Execution's, without the marks; the continuation marks go to `continued` (activation: the one it continues).
 */
function asRecorded(ring: Uint8Array, wanted: Wanted, enters: Map<number, number>, continued: Map<number, number>): RingEvents {
  const { events, firstEvent } = readRing(ring);
  const { kinds } = events;
  let marks = 0;
  for (let i = 0, w = 0, at = wanted(firstEvent, events.length); w < at.length; i++) {
    if (i === at[w]) enters.set((firstEvent + at[w++]!) >>> 0, i - marks);
    if (isMark(kinds[i]!)) marks++;
  }
  const n = kinds.indexOf(PROGRESS_KIND) === -1 && kinds.indexOf(CONTINUES_KIND) === -1 ? events.length : withoutMarks(events, continued);
  return firstEvents(events, n);
}

/**
 * The events with their quiet statements put back, as the ring is read: its events go through
 * QuietStatements straight into the columns, sized from the ring (its events and the most
 * statements they can put back).
 */
function withQuietStatements(ring: Uint8Array, tables: SiteTables, wanted: Wanted, enters: Map<number, number>, continued: Map<number, number>, progress?: (fraction: number) => void): RingEvents {
  const runs = new Runs(tables.runs, tables.sites.length, tables.calls);
  const { events: n, weighted: bound } = tallyRingEvents(ring, runs.lengths, RUN_KINDS);
  const out = new EventColumns(n + bound);
  const firstEvent = firstRingEvent(ring, n);
  const sink = new QuietSink(new QuietStatements(out, runs, tables.owners, tables.loops), firstEvent, wanted(firstEvent, n), enters, continued, progress && ((events) => progress((READ_SHARE * events) / n)));
  readRingInto(ring, sink);
  return out.written();
}

/** The ring's events as QuietStatements puts them in its columns, and in `enters` where those at the ring positions `at` (ascending) went. */
class QuietSink implements RingSink {
  #w = 0;

  constructor(
    readonly quiet: QuietStatements,
    readonly firstEvent: number,
    readonly at: readonly number[],
    readonly enters: Map<number, number>,
    /** The continuation marks read: activation, the one it continues. */
    readonly continued: Map<number, number>,
    /** Told the ring events read so far, every PROGRESS_EVENTS or so. */
    readonly read?: (events: number) => void,
  ) {}

  event(kind: number, site: number, activation: number, index: number): void {
    if (kind === CONTINUES_KIND) {
      this.continued.set(activation, site);
      // an event asked for by its count (a demotion's first) that is a mark: the next one stands for it
      if (index === this.at[this.#w]) this.enters.set((this.firstEvent + this.at[this.#w++]!) >>> 0, this.quiet.out.length);
      return;
    }
    // the time is not known yet: the event's index stands for it until the columns are stamped
    this.quiet.event(kind, site, activation, index);
    // an Enter is the last event it puts in the columns (after its caller's statements)
    if (index === this.at[this.#w]) this.enters.set((this.firstEvent + this.at[this.#w++]!) >>> 0, this.quiet.out.length - 1);
  }

  times(from: number, to: number, t0: number, t1: number): void {
    this.quiet.out.time(from, to, t0, t1);
    // the ring's time records come every few hundred events: told where one passes a multiple
    if (this.read !== undefined && Math.floor(to / PROGRESS_EVENTS) !== Math.floor(from / PROGRESS_EVENTS)) this.read(to);
  }
}

/** Leaves out the marks of a ring with no quiet statements, in place (the continuation marks to `continued`): the events left. */
function withoutMarks(events: RingEvents, continued: Map<number, number>): number {
  const { kinds, sites, activations, times } = events;
  let n = 0;
  for (let i = 0; i < events.length; i++) {
    if (kinds[i] === CONTINUES_KIND) continued.set(activations[i]!, sites[i]!);
    if (isMark(kinds[i]!)) continue;
    kinds[n] = kinds[i]!;
    sites[n] = sites[i]!;
    activations[n] = activations[i]!;
    times[n] = times[i]!;
    n++;
  }
  return n;
}

/**
 * The function sites of a recording's demoted functions in its Execution: by the site each names,
 * or, in a recording made before demotions named it, by its name, file and line.
 */
export function demotedSites(execution: Execution, demoted: readonly DemotedFunction[] = []): Set<number> {
  const sites = new Set<number>();
  for (const d of demoted) {
    if (d.site !== undefined) sites.add(d.site);
    else for (const id of execution.sites.sitesOnLine(d.file, d.line, 'function')) if (execution.sites.get(id)!.functionName === d.functionName) sites.add(id);
  }
  return sites;
}
