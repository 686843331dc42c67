import { readFileSync } from 'node:fs';
import { Cursor, type Stop } from '../timetravel/index.js';
import { countBelow, eventKindName, returnedValue, ValuesNotCaptured, type Execution, type ValueSource } from '../trace/index.js';
import type { RecordedEvent } from '../history/index.js';
import type { TimelineEntry } from '../replay/index.js';
import { findCommand } from './commands/index.js';
import { HistoryTimeline, historyNotes } from './commands/history.js';
import { RequestLanes } from './lanes.js';
import { DebugError, type CommandResult, type DemotedCalls, type DivergenceView, type Position, type StopView, type WatchChange } from './types.js';

/**
 * A debugging session over one Execution: commands in as text (gdb names and aliases), structured
 * results out. It knows nothing of terminals or protocols: the CLI parses and prints, the DAP server
 * translates. Every command answers; bad input is an `error` result and the session stays usable.
 * The commands themselves live in commands/, one file per part of the debugger.
 */

export interface SessionOptions {
  /** Reads a source file's lines; undefined when it cannot. Default: from disk, cached. */
  readSource?: (file: string) => string[] | undefined;
  /** Where the cursor starts (default 0). */
  startIndex?: number;
  /** Where values come from (default: none, said plainly). */
  values?: ValueSource;
  /** The run's history, and where in the trace the code reached each event (from recordExecution). */
  history?: readonly RecordedEvent[];
  timeline?: readonly TimelineEntry[];
  /** The workflows module (what-if re-records the run with it). */
  workflowsModulePath?: string;
  /** Where the code stops following the history (`info divergence`). */
  divergence?: DivergenceView;
  /** The code as it ran, by file (a recording's code bundle): listings read it before the disk, which may hold another version. */
  bundle?: ReadonlyMap<string, string>;
  /** A recording: its request lanes are its threads (`info threads`, `thread <id>`). */
  requestLanes?: boolean;
  /** A recording's demoted functions: a breakpoint on one says that its later calls are not in the trace. */
  demoted?: readonly DemotedCalls[];
}

export class DebugSession {
  #cursor: Cursor | undefined;
  readonly readSource: (file: string) => string[] | undefined;
  #values: ValueSource;
  /** Watchpoints by breakpoint id: the cursor stops at their changes like at any breakpoint. */
  readonly watches = new Map<number, { expression: string; changes: readonly WatchChange[] }>();
  /** The ids of catchpoints (`catch throw`): breakpoints at the statements that threw. */
  readonly catchpoints = new Set<number>();
  /** Conditions of breakpoints by id (evaluated at every hit when the breakpoint was set). */
  readonly conditions = new Map<number, string>();
  #timeline: HistoryTimeline;
  readonly history: readonly RecordedEvent[] | undefined;
  readonly workflowsModulePath: string | undefined;
  readonly divergence: DivergenceView | undefined;
  readonly bundle: ReadonlyMap<string, string>;
  readonly demoted: readonly DemotedCalls[];
  readonly #requestLanes: boolean;
  #lanes: RequestLanes | undefined;
  /** Why there is no trace (the session still answers help, print and quit). */
  readonly #unavailable: string | undefined;
  /** The frame `up`, `down` and `frame` selected, and the cursor's event it was selected at (any move selects the innermost again). */
  #selected = { level: 0, at: -1 };

  /** A session over `execution`, or, with a string, a session that says why there is nothing to debug. */
  constructor(execution: Execution | string, opts: SessionOptions = {}) {
    if (typeof execution === 'string') this.#unavailable = execution;
    else this.#cursor = new Cursor(execution, opts.startIndex ?? 0);
    this.bundle = opts.bundle ?? new Map();
    this.#requestLanes = opts.requestLanes === true;
    this.readSource = opts.readSource ?? bundleThenDisk(this.bundle, diskReader());
    this.#values = opts.values ?? new ValuesNotCaptured();
    this.#timeline = new HistoryTimeline(opts.history, opts.timeline);
    this.history = opts.history;
    this.workflowsModulePath = opts.workflowsModulePath;
    this.divergence = opts.divergence;
    this.demoted = opts.demoted ?? [];
  }

  /** A recording's request lanes (its threads), found on first use; undefined for a workflow run (one thread). */
  get lanes(): RequestLanes | undefined {
    if (!this.#requestLanes || !this.#cursor) return undefined;
    return (this.#lanes ??= new RequestLanes(this.#cursor.execution));
  }

  /** Frees what the session holds (the values source's workers). */
  close(): Promise<void> {
    return this.values.close();
  }

  /** Runs one command line. Never rejects for bad input: that is an `error` result. */
  async execute(line: string): Promise<CommandResult> {
    const text = line.trim();
    const space = text.search(/\s/);
    const word = space === -1 ? text : text.slice(0, space);
    const args = space === -1 ? '' : text.slice(space + 1).trim();
    const spec = findCommand(word);
    if (!spec) return { command: word, error: { code: 'HS_E_DEBUG_UNKNOWN_COMMAND', message: `unknown command '${word}'; type \`help\` for the list` } };
    if (spec.trace && this.#unavailable !== undefined) {
      return { command: spec.name, error: { code: 'HS_E_DEBUG_NO_TRACE', message: `nothing to debug: ${this.#unavailable}` } };
    }
    try {
      return { command: spec.name, ...(await spec.run(this, args)) };
    } catch (err) {
      if (err instanceof DebugError) return { command: spec.name, error: { code: err.code, message: err.message } };
      throw err;
    }
  }

  /** The cursor; only for a session that has a trace. */
  get cursor(): Cursor {
    if (!this.#cursor) throw new DebugError('HS_E_DEBUG_NO_TRACE', `nothing to debug: ${this.#unavailable}`);
    return this.#cursor;
  }

  /** Debugs another Execution of the same run (a what-if, or back to the recorded one); breakpoints carry over. */
  replaceExecution(execution: Execution, index: number, parts: { values: ValueSource; timeline: HistoryTimeline }): void {
    const old = this.cursor;
    const cursor = new Cursor(execution, Math.min(index, Math.max(0, execution.length - 1)));
    carryBreakpoints(old, cursor);
    // watchpoints and conditions were answered over the old execution: they do not carry over
    for (const id of [...this.watches.keys(), ...this.conditions.keys(), ...this.catchpoints]) cursor.removeBreakpoint(id);
    this.watches.clear();
    this.conditions.clear();
    this.catchpoints.clear();
    this.#cursor = cursor;
    this.#values = parts.values;
    this.#timeline = parts.timeline;
  }

  /**
   * The frame values and listings are of: the innermost (the cursor's event), or the one `up`,
   * `down` or `frame` selected since the cursor last moved, at the event where it called the next.
   */
  selectedFrame(): { level: number; index: number } {
    const { level, at } = this.#selected;
    if (level === 0 || at !== this.cursor.index) return { level: 0, index: this.cursor.frameEvent };
    return { level, index: this.cursor.backtrace()[level]!.index };
  }

  /** Selects the frame `level` of the stack at the cursor (0 the innermost); a level beyond it is refused. */
  selectFrame(level: number): { level: number; index: number } {
    const depth = this.cursor.backtrace().length;
    if (!Number.isInteger(level) || level < 0 || level >= depth) {
      throw new DebugError('HS_E_DEBUG_NO_FRAME', `no frame ${level}: the stack at the cursor has ${depth} frame${depth === 1 ? '' : 's'}, #0 to #${depth - 1} (\`backtrace\` lists them)`);
    }
    this.#selected = { level, at: this.cursor.index };
    return this.selectedFrame();
  }

  /** Where values at a point come from. */
  get values(): ValueSource {
    return this.#values;
  }

  /** The history events on this execution's timeline. */
  get timeline(): HistoryTimeline {
    return this.#timeline;
  }


  get execution(): Execution | undefined {
    return this.#cursor?.execution;
  }

  /**
   * Event `index` as a place in the code (the cursor's by default). With `returned` (Cursor.returned),
   * the call its frame returned from: the caller's statement that made it.
   */
  position(index = this.cursor.index, returned = index === this.cursor.index && this.cursor.returned): Position {
    const ex = this.cursor.execution;
    const shown = returned ? ex.frameCall(ex.frames[index]!) : index;
    const site = ex.length === 0 ? undefined : ex.siteOf(shown);
    const place = ex.length === 0 ? undefined : ex.placeOf(shown);
    return {
      index,
      total: ex.length,
      kind: ex.length === 0 ? 'unknown' : eventKindName(ex.kinds[index]!),
      file: place?.file ?? null,
      line: place?.line ?? null,
      function: site?.functionName ?? null,
      source: place ? (this.readSource(place.file)?.[place.line - 1]?.trim() ?? null) : null,
      ...(returned ? { returnedFrom: ex.siteOf(index)?.functionName ?? '<unknown>' } : {}),
    };
  }

  /** Whether a catchpoint (`catch throw`) stops at event `index`: a statement that threw. */
  caughtAt(index: number): boolean {
    return this.cursor.breakpoints.some((b) => this.catchpoints.has(b.id) && 'events' in b.spec && countBelow(b.spec.events, index + 1) > countBelow(b.spec.events, index));
  }

  /**
   * view(stop), with what the function returned where the stop stands just after a return whose
   * value the values source sees (gdb's "Value returned"; a workflow run's, not a recording's).
   */
  async viewReturning(stop: Stop): Promise<StopView> {
    const view = this.view(stop);
    const r = stop.returned ? await returnedValue(this.values, stop.index) : undefined;
    return r?.text !== undefined ? { ...view, returnValue: r.text } : view;
  }

  view(stop: Stop): StopView {
    const watch = stop.breakpoints?.map((id) => ({ id, w: this.watches.get(id) })).find((x) => x.w);
    const change = watch?.w!.changes.find((c) => c.index === stop.index);
    const caught = stop.breakpoints?.find((id) => this.catchpoints.has(id));
    const history = historyNotes(this, stop.index);
    return {
      ...this.position(stop.index, stop.returned === true),
      reason: stop.reason,
      ...(stop.message !== undefined ? { message: stop.message } : {}),
      ...(stop.breakpoints ? { breakpoints: [...stop.breakpoints] } : {}),
      ...(watch && change ? { watch: { id: watch.id, expression: watch.w!.expression, ...change } } : {}),
      ...(caught !== undefined ? { caught } : {}),
      ...(history.length > 0 ? { history } : {}),
    };
  }
}

/** Same specs under the same ids: ids are what `delete n` takes, so they must not shift. */
function carryBreakpoints(from: Cursor, to: Cursor): void {
  const kept = new Map(from.breakpoints.map((b) => [b.id, b.spec]));
  const last = Math.max(0, ...kept.keys());
  for (let id = 1; id <= last; id++) {
    const spec = kept.get(id);
    // A deleted id is taken and dropped again, so the ids after it stay what they were.
    const bp = to.addBreakpoint(spec ?? [...kept.values()][0]!);
    if (!spec) to.removeBreakpoint(bp.id);
  }
}

function diskReader(): (file: string) => string[] | undefined {
  const cache = new Map<string, string[] | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      let lines: string[] | undefined;
      try {
        lines = readFileSync(file, 'utf8').split(/\r?\n/);
      } catch {
        lines = undefined;
      }
      cache.set(file, lines);
    }
    return cache.get(file);
  };
}

function bundleThenDisk(bundle: ReadonlyMap<string, string>, disk: (file: string) => string[] | undefined): (file: string) => string[] | undefined {
  if (bundle.size === 0) return disk;
  const split = new Map<string, string[]>();
  return (file) => {
    const text = bundle.get(file);
    if (text === undefined) return disk(file);
    if (!split.has(file)) split.set(file, text.split(/\r?\n/));
    return split.get(file);
  };
}
