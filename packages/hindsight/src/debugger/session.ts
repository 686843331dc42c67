import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Cursor, type Direction, type Stop, type StopReason } from '../timetravel/index.js';
import { eventKindName, type EventKindName, type Execution } from '../trace/index.js';

/**
 * A debugging session over one Execution: commands in as text (gdb names and aliases), structured
 * results out. It knows nothing of terminals or protocols: the CLI parses and prints, the DAP server
 * translates. Every command answers; bad input is an `error` result and the session stays usable.
 */

/** Where the cursor stands, in words a front end can print. */
export interface Position {
  /** Event index, 0-based (what `goto` takes). */
  readonly index: number;
  /** Number of events in the trace. */
  readonly total: number;
  readonly kind: EventKindName | 'unknown';
  /** The TypeScript file the site names (absolute), or null for a site the table does not know. */
  readonly file: string | null;
  readonly line: number | null;
  readonly function: string | null;
  /** The text of that source line, or null when the file cannot be read on this machine. */
  readonly source: string | null;
}

export interface StopView extends Position {
  readonly reason: StopReason;
  /** For 'start'/'end': what was looked for and not found. */
  readonly message?: string;
  /** For 'breakpoint': the ids that stopped here. */
  readonly breakpoints?: readonly number[];
}

export interface BreakpointView {
  readonly id: number;
  /** `file:line` (absolute file) or `function <name>`. */
  readonly location: string;
  readonly hitCount?: number;
  /** How many times its location runs in the whole trace. */
  readonly hits: number;
  /** Said when the location is a step's code: steps are not replayed, their results are recorded. */
  readonly note?: string;
}

export interface FrameLine {
  readonly level: number;
  readonly function: string | null;
  readonly file: string | null;
  readonly line: number | null;
  readonly index: number;
}

export interface SourceListing {
  readonly file: string;
  readonly current: number;
  readonly lines: readonly { line: number; text: string; current: boolean }[];
}

/** What one command answered; exactly one of stop, result, error (start has both stop and result). */
export type CommandResult =
  | { command: string; stop: StopView; result?: undefined; error?: undefined }
  | { command: string; result: ResultBody; stop?: undefined; error?: undefined }
  | { command: string; error: { code: string; message: string }; stop?: undefined; result?: undefined };

export type ResultBody =
  | { kind: 'breakpoint'; breakpoint: BreakpointView }
  | { kind: 'deleted'; ids: number[] }
  | { kind: 'breakpoints'; breakpoints: BreakpointView[] }
  | { kind: 'backtrace'; frames: FrameLine[] }
  | { kind: 'list'; listing: SourceListing }
  | { kind: 'where'; position: Position }
  | { kind: 'help'; commands: { name: string; aliases: string[]; usage: string; help: string }[] }
  | { kind: 'message'; message: string }
  | { kind: 'quit' };

export interface SessionOptions {
  /** Reads a source file's lines; undefined when it cannot. Default: from disk, cached. */
  readSource?: (file: string) => string[] | undefined;
  /** Where the cursor starts (default 0). */
  startIndex?: number;
  /** Step name -> ids of the history events that recorded its results (steps' code is not replayed). */
  steps?: ReadonlyMap<string, number[]>;
}

interface CommandSpec {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly usage: string;
  readonly help: string;
  /** Needs a trace to answer. */
  readonly trace: boolean;
  readonly run: (s: DebugSession, args: string) => { stop: StopView } | { result: ResultBody };
}

export class DebugError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const nav = (name: string, alias: string, reverseAlias: string, help: string, move: (c: Cursor, d: Direction) => Stop): CommandSpec[] => [
  { name, aliases: [alias], usage: name, help, trace: true, run: (s) => ({ stop: s.view(move(s.cursor, 'forward')) }) },
  {
    name: `reverse-${name}`,
    aliases: [reverseAlias],
    usage: `reverse-${name}`,
    help: `${name}, backwards in time`,
    trace: true,
    run: (s) => ({ stop: s.view(move(s.cursor, 'reverse')) }),
  },
];

export const NOT_CAPTURED = 'values are not captured in this version (control flow only)';

const COMMANDS: readonly CommandSpec[] = [
  ...nav('step', 's', 'rs', 'to the next statement or function entry, whatever the frame', (c, d) => c.step(d)),
  ...nav('next', 'n', 'rn', 'to the next statement of this frame, over calls and awaits', (c, d) => c.next(d)),
  ...nav('finish', 'fin', 'rf', 'out of the current function, to the caller', (c, d) => c.finish(d)),
  ...nav('continue', 'c', 'rc', 'to the next breakpoint hit (the end when there is none)', (c, d) => c.continue(d)),
  { name: 'break', aliases: ['b'], usage: 'break <file:line | line | function> [if hit N]', help: 'set a breakpoint', trace: true, run: (s, a) => ({ result: s.addBreakpoint(a) }) },
  { name: 'delete', aliases: ['d'], usage: 'delete [n]', help: 'delete breakpoint n (all when no n)', trace: true, run: (s, a) => ({ result: s.deleteBreakpoint(a) }) },
  { name: 'info', aliases: ['i'], usage: 'info breakpoints', help: 'list the breakpoints', trace: true, run: (s, a) => ({ result: s.info(a) }) },
  { name: 'backtrace', aliases: ['bt'], usage: 'backtrace', help: 'the call stack at the cursor, innermost first', trace: true, run: (s) => ({ result: s.backtrace() }) },
  { name: 'list', aliases: ['l'], usage: 'list', help: 'the source lines around the cursor', trace: true, run: (s) => ({ result: s.list() }) },
  { name: 'goto', aliases: [], usage: 'goto <event index>', help: 'to an event of the trace', trace: true, run: (s, a) => ({ stop: s.view(s.cursor.goto(s.eventIndex(a))) }) },
  { name: 'where', aliases: [], usage: 'where', help: 'the current position', trace: true, run: (s) => ({ result: { kind: 'where', position: s.position() } }) },
  { name: 'print', aliases: ['p'], usage: 'print <expression>', help: 'a value (not captured in this version)', trace: false, run: () => ({ result: { kind: 'message', message: NOT_CAPTURED } }) },
  { name: 'help', aliases: ['h'], usage: 'help', help: 'this list', trace: false, run: () => ({ result: { kind: 'help', commands: COMMANDS.map(({ name, aliases, usage, help }) => ({ name, aliases: [...aliases], usage, help })) } }) },
  { name: 'quit', aliases: ['q'], usage: 'quit', help: 'end the session', trace: false, run: () => ({ result: { kind: 'quit' } }) },
];

const BY_NAME = new Map<string, CommandSpec>();
for (const c of COMMANDS) for (const n of [c.name, ...c.aliases]) BY_NAME.set(n, c);

/** Every command name and alias, for tab completion. */
export const COMMAND_NAMES: readonly string[] = [...BY_NAME.keys()].sort();

export class DebugSession {
  readonly #cursor: Cursor | undefined;
  readonly #readSource: (file: string) => string[] | undefined;
  readonly #steps: ReadonlyMap<string, number[]>;
  /** Why there is no trace (the session still answers help, print and quit). */
  readonly #unavailable: string | undefined;

  /** A session over `execution`, or, with a string, a session that says why there is nothing to debug. */
  constructor(execution: Execution | string, opts: SessionOptions = {}) {
    if (typeof execution === 'string') this.#unavailable = execution;
    else this.#cursor = new Cursor(execution, opts.startIndex ?? 0);
    this.#readSource = opts.readSource ?? diskReader();
    this.#steps = opts.steps ?? new Map();
  }

  /** Runs one command line. Never throws for bad input: that is an `error` result. */
  execute(line: string): CommandResult {
    const text = line.trim();
    const space = text.search(/\s/);
    const word = space === -1 ? text : text.slice(0, space);
    const args = space === -1 ? '' : text.slice(space + 1).trim();
    const spec = BY_NAME.get(word);
    if (!spec) {
      return {
        command: word,
        error: { code: 'HS_E_DEBUG_UNKNOWN_COMMAND', message: `unknown command '${word}'; type \`help\` for the list` },
      };
    }
    if (spec.trace && this.#unavailable !== undefined) {
      return { command: spec.name, error: { code: 'HS_E_DEBUG_NO_TRACE', message: `nothing to debug: ${this.#unavailable}` } };
    }
    try {
      return { command: spec.name, ...spec.run(this, args) };
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

  get #c(): Cursor {
    return this.cursor;
  }

  get execution(): Execution | undefined {
    return this.#cursor?.execution;
  }

  position(index = this.#c.index): Position {
    const ex = this.#c.execution;
    const site = ex.length === 0 ? undefined : ex.siteOf(index);
    return {
      index,
      total: ex.length,
      kind: ex.length === 0 ? 'unknown' : eventKindName(ex.kinds[index]!),
      file: site?.file ?? null,
      line: site?.line ?? null,
      function: site?.functionName ?? null,
      source: site ? (this.#readSource(site.file)?.[site.line - 1]?.trim() ?? null) : null,
    };
  }

  view(stop: Stop): StopView {
    return {
      ...this.position(stop.index),
      reason: stop.reason,
      ...(stop.message !== undefined ? { message: stop.message } : {}),
      ...(stop.breakpoints ? { breakpoints: [...stop.breakpoints] } : {}),
    };
  }

  eventIndex(arg: string): number {
    const total = this.#c.execution.length;
    if (!/^\d+$/.test(arg)) throw new DebugError('HS_E_DEBUG_USAGE', `goto takes an event index, 0 to ${total - 1}; got '${arg}'`);
    const i = Number(arg);
    if (i >= total) throw new DebugError('HS_E_DEBUG_USAGE', `event ${i} is past the end of the trace; events are 0 to ${total - 1}`);
    return i;
  }

  addBreakpoint(args: string): ResultBody {
    const m = /^(.*?)(?:\s+if\s+(.*))?$/.exec(args)!;
    const where = m[1]!.trim();
    if (!where) throw new DebugError('HS_E_DEBUG_USAGE', 'break needs a location: break <file:line | line | function> [if hit N]');
    let hitCount: number | undefined;
    if (m[2] !== undefined) {
      const hit = /^hit\s+(\d+)$/.exec(m[2].trim());
      if (!hit || Number(hit[1]) < 1) {
        throw new DebugError(
          'HS_E_DEBUG_CONDITION',
          `conditions on values need captured values, which this version does not have; the condition can be \`if hit N\` (N >= 1), not '${m[2].trim()}'`,
        );
      }
      hitCount = Number(hit[1]);
    }
    const ex = this.#c.execution;
    const lineMatch = /^(?:(.+):)?(\d+)$/.exec(where);
    let bp;
    if (lineMatch) {
      const file = lineMatch[1] === undefined ? this.position().file : this.#resolveFile(lineMatch[1]);
      if (file === null) throw new DebugError('HS_E_DEBUG_USAGE', 'the cursor has no file; give one: break <file:line>');
      const line = Number(lineMatch[2]);
      if (ex.sites.sitesOnLine(file, line, 'statement').length === 0) {
        const near = nearestLines(this.#statementLines(file), line);
        throw new DebugError(
          'HS_E_DEBUG_NO_CODE',
          `no code on line ${line} of ${path.basename(file)}` + (near.length ? `; lines with code nearby: ${near.join(', ')}` : ''),
        );
      }
      bp = this.#c.addBreakpoint({ file, line, ...(hitCount !== undefined ? { hitCount } : {}) });
    } else {
      if (ex.sites.functionSites(where).length === 0) {
        throw new DebugError('HS_E_DEBUG_NO_CODE', `no function named '${where}' in the workflow code`);
      }
      bp = this.#c.addBreakpoint({ function: where, ...(hitCount !== undefined ? { hitCount } : {}) });
      const results = this.#steps.get(where);
      if (results) {
        const note =
          `'${where}' is a step: its code is not replayed, so it never stops here; ` +
          `its recorded results are history event${results.length === 1 ? '' : 's'} #${results.join(', #')}`;
        return { kind: 'breakpoint', breakpoint: { ...this.#breakpointView(bp.id)!, note } };
      }
    }
    return { kind: 'breakpoint', breakpoint: this.#breakpointView(bp.id)! };
  }

  deleteBreakpoint(args: string): ResultBody {
    if (args === '') {
      const ids = this.#c.breakpoints.map((b) => b.id);
      this.#c.clearBreakpoints();
      return { kind: 'deleted', ids };
    }
    if (!/^\d+$/.test(args)) throw new DebugError('HS_E_DEBUG_USAGE', `delete takes a breakpoint number; got '${args}'`);
    const id = Number(args);
    if (!this.#c.removeBreakpoint(id)) throw new DebugError('HS_E_DEBUG_NO_BREAKPOINT', `no breakpoint ${id}; \`info breakpoints\` lists them`);
    return { kind: 'deleted', ids: [id] };
  }

  info(args: string): ResultBody {
    if (!['breakpoints', 'break', 'b'].includes(args)) throw new DebugError('HS_E_DEBUG_USAGE', `info knows \`info breakpoints\`; got 'info ${args}'`);
    return { kind: 'breakpoints', breakpoints: this.#c.breakpoints.map((b) => this.#breakpointView(b.id)!) };
  }

  backtrace(): ResultBody {
    const frames = this.#c.backtrace().map((f, level) => {
      const at = f.index >= 0 ? this.#c.execution.siteOf(f.index) : undefined;
      return { level, function: f.site?.functionName ?? null, file: at?.file ?? null, line: at?.line ?? null, index: f.index };
    });
    return { kind: 'backtrace', frames };
  }

  list(): ResultBody {
    const { file, line } = this.position();
    if (file === null || line === null) throw new DebugError('HS_E_SOURCE_NOT_FOUND', 'the cursor is at an event with no source location');
    const text = this.#readSource(file);
    if (!text) {
      throw new DebugError('HS_E_SOURCE_NOT_FOUND', `source file ${file} is not on this machine; navigation still works, listing does not`);
    }
    const from = Math.max(1, line - 5);
    const to = Math.min(text.length, line + 5);
    const lines = [];
    for (let n = from; n <= to; n++) lines.push({ line: n, text: text[n - 1]!, current: n === line });
    return { kind: 'list', listing: { file, current: line, lines } };
  }

  #breakpointView(id: number): BreakpointView | undefined {
    const bp = this.#c.breakpoints.find((b) => b.id === id);
    if (!bp) return undefined;
    const ex = this.#c.execution;
    const spec = bp.spec;
    let location: string;
    let hits = 0;
    if ('line' in spec) {
      location = `${spec.file}:${spec.line}`;
      for (const s of bp.sites) hits += ex.siteOccurrences(s).length;
    } else if ('function' in spec) {
      location = `function ${spec.function}`;
      for (const s of bp.sites) hits += ex.functionOccurrences(s).length;
    } else {
      location = `site ${spec.site}`;
      hits = ex.siteOccurrences(spec.site).length;
    }
    return { id, location, ...(spec.hitCount !== undefined ? { hitCount: spec.hitCount } : {}), hits };
  }

  #files(): string[] {
    const sites = this.#c.execution.sites;
    const files = new Set<string>();
    for (let i = 0; i < sites.size; i++) files.add(sites.get(i)!.file);
    return [...files].sort();
  }

  #statementLines(file: string): number[] {
    const sites = this.#c.execution.sites;
    const lines = new Set<number>();
    for (let i = 0; i < sites.size; i++) {
      const s = sites.get(i)!;
      if (s.file === file && s.kind === 'statement') lines.add(s.line);
    }
    return [...lines].sort((a, b) => a - b);
  }

  /** A file named by its absolute path, a path relative to the working folder, or a path suffix (`shop.ts`). */
  #resolveFile(given: string): string {
    const files = this.#files();
    const abs = path.resolve(given);
    const found = files.filter((f) => f === given || f === abs || f.endsWith(`/${given}`) || f.endsWith(`${path.sep}${given}`));
    if (found.length === 1) return found[0]!;
    if (found.length === 0) {
      throw new DebugError('HS_E_DEBUG_NO_CODE', `no workflow code in '${given}'; files with code: ${files.map((f) => path.basename(f)).join(', ') || 'none'}`);
    }
    throw new DebugError('HS_E_DEBUG_USAGE', `'${given}' matches several files (${found.join(', ')}); give more of the path`);
  }
}

/** Up to two lines with code on each side of `line`. */
function nearestLines(lines: number[], line: number): number[] {
  const before = lines.filter((l) => l < line).slice(-2);
  const after = lines.filter((l) => l > line).slice(0, 2);
  return [...before, ...after];
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
