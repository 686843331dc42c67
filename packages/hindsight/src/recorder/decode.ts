import { PROGRESS_KIND } from '../instrument/runtime.js';
import type { Recording } from '../store/index.js';
import { EventKind, ExecutionBuilder, SiteTable, type Execution, type Site } from '../trace/index.js';
import { readRing } from './ring.js';

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
  const sites: Site[] = [];
  const runs: (readonly number[] | undefined)[] = [];
  const owners: number[] = [];
  for (const m of recording.modules) {
    m.sites.forEach((s, i) => {
      sites[m.base + i] = s;
      if (s.run) runs[m.base + i] = s.run.map((id) => id + m.base);
      if (s.in !== undefined) owners[m.base + i] = s.in + m.base;
    });
  }
  // a module whose table line was torn by the process dying: its events name an unknown site
  for (let i = 0; i < sites.length; i++) sites[i] ??= UNKNOWN;
  const { events } = readRing(recording.ring);
  const { kinds, sites: ids, activations, times } = events;
  if (runs.length === 0 && kinds.indexOf(PROGRESS_KIND) === -1) {
    // no quiet statements to put back (a ring of format 1, or not sparse): the ring's columns become the Execution's
    return new ExecutionBuilder(new SiteTable(sites), { capacity: 0 }).takeColumns(kinds, ids, activations, times).build();
  }
  const builder = new ExecutionBuilder(new SiteTable(sites), { capacity: events.length + (runs.length > 0 ? events.length >> 1 : 0) + 16 });
  if (runs.length === 0) {
    for (let i = 0; i < events.length; i++) if (kinds[i] !== PROGRESS_KIND) builder.append(kinds[i] as EventKind, ids[i]!, activations[i]!, times[i]!);
    return builder.build();
  }
  const quiet = new QuietStatements(builder, runs, owners);
  for (let i = 0; i < events.length; i++) quiet.event(kinds[i]!, ids[i]!, activations[i]!, times[i]!);
  return builder.build();
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

  constructor(
    readonly builder: ExecutionBuilder,
    readonly runs: readonly (readonly number[] | undefined)[],
    readonly owners: readonly number[],
  ) {}

  event(kind: number, site: number, a: number, time: number): void {
    let stack = this.#stacks.get(a);
    const top = stack && stack.length > 0 ? stack[stack.length - 1] : undefined;
    switch (kind) {
      case PROGRESS_KIND:
        if (top) {
          this.#through(top, site, a, time);
          top.run = undefined;
        }
        return;
      case EventKind.Enter:
        if (!stack) this.#stacks.set(a, (stack = []));
        this.builder.append(kind, site, a, time);
        stack.push({ run: this.runs[site], pos: 0, last: -1 });
        return;
      case EventKind.Exit:
      case EventKind.Throw:
        if (top) {
          if (kind === EventKind.Exit) this.#all(top, a, time);
          stack!.pop();
          if (stack!.length === 0) this.#stacks.delete(a);
        }
        this.builder.append(kind, site, a, time);
        return;
      case EventKind.Statement:
        if (top) this.#all(top, a, time);
        this.builder.append(kind, site, a, time);
        if (top) this.#set(top, this.runs[site], site);
        return;
      case EventKind.Branch: {
        if (top) {
          const of = this.owners[site] ?? -1;
          if (!(of >= 0 && this.#through(top, of, a, time)) && (of < 0 || of !== top.last)) this.#all(top, a, time);
        }
        this.builder.append(kind, site, a, time);
        const run = this.runs[site];
        if (top && run) this.#set(top, run, -1);
        return;
      }
      default: // Suspend, Resume: inside the statement reported before them
        this.builder.append(kind as EventKind, site, a, time);
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
    for (let j = p.pos; j <= k; j++) this.builder.append(EventKind.Statement, run[j]!, a, time);
    p.pos = k + 1;
    p.last = site;
    return true;
  }

  #all(p: Pending, a: number, time: number): void {
    const run = p.run;
    if (!run) return;
    for (let j = p.pos; j < run.length; j++) this.builder.append(EventKind.Statement, run[j]!, a, time);
    if (p.pos < run.length) p.last = run[run.length - 1]!;
    p.pos = run.length;
  }
}
