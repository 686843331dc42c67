import { PROGRESS_KIND } from '../instrument/index.js';
import type { Recording } from '../store/index.js';
import { EventKind, ExecutionBuilder, SiteTable, type Execution, type Site } from '../trace/index.js';
import { readRing, visitRingEvents, type RingEvents } from './ring.js';
import { readValuesRing, type CapturedValue } from './values-ring.js';
import { EventColumns, QuietStatements, Runs } from './quiet-statements.js';

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
  for (const m of recording.modules) m.sites.forEach((s, i) => (sites[m.base + i] = s));
  // a module whose table line was torn by the process dying: its events name an unknown site
  for (let i = 0; i < sites.length; i++) sites[i] ??= UNKNOWN;
  const owners = new Int32Array(sites.length).fill(-1);
  const loops = new Uint8Array(sites.length);
  for (const m of recording.modules) {
    m.sites.forEach((s, i) => {
      if (s.loop === true) loops[m.base + i] = 1;
      if (s.run) runs[m.base + i] = s.run.map((id) => id + m.base);
      if (s.in !== undefined) owners[m.base + i] = s.in + m.base;
    });
  }
  const builder = new ExecutionBuilder(new SiteTable(sites), { capacity: 0 });
  const enters = new Map<number, number>();
  /** The ring's positions of the events asked for, ascending. */
  const wanted = (firstEvent: number, length: number) => [...capture.keys()].map((e) => (e - firstEvent) >>> 0).filter((k) => k < length).sort((a, b) => a - b);
  if (runs.length === 0) {
    // no quiet statements to put back (a ring of format 1, or not sparse): the ring's columns become the Execution's
    const { events, firstEvent } = readRing(recording.ring);
    const { kinds, sites: ids, activations, times } = events;
    let marks = 0;
    for (let i = 0, w = 0, at = wanted(firstEvent, events.length); w < at.length; i++) {
      if (i === at[w]) enters.set((firstEvent + at[w++]!) >>> 0, i - marks);
      if (kinds[i] === PROGRESS_KIND) marks++;
    }
    const n = kinds.indexOf(PROGRESS_KIND) === -1 ? events.length : withoutProgress(events);
    return { execution: builder.takeColumns(kinds.subarray(0, n), ids.subarray(0, n), activations.subarray(0, n), times.subarray(0, n)).build(), enters };
  }
  // The events with their quiet statements put back, in columns the builder takes over. The ring is
  // read into their end, `bound` (the most statements the events can put back) from their start:
  // the events written never overtake the event being read, and a decode needs no other columns.
  const flat = new Runs(runs, sites.length);
  let bound = 0;
  const n = visitRingEvents(recording.ring, (kind, site) => (bound += flat.lengthOf(kind, site)));
  const out = new EventColumns(n + bound);
  const { events, firstEvent } = readRing(recording.ring, out.from(bound));
  const { kinds, sites: ids, activations, times } = events;
  const quiet = new QuietStatements(out, flat, owners, loops);
  for (let i = 0, w = 0, at = wanted(firstEvent, events.length); i < events.length; i++) {
    // an Enter is the first event its call puts in the columns
    if (i === at[w]) enters.set((firstEvent + at[w++]!) >>> 0, out.length);
    quiet.event(kinds[i]!, ids[i]!, activations[i]!, times[i]!);
  }
  return { execution: builder.takeColumns(out.kinds.subarray(0, out.length), out.sites.subarray(0, out.length), out.activations.subarray(0, out.length), out.times.subarray(0, out.length)).build(), enters };
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
