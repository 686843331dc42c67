import path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { plural } from '../common/index.js';
import type { DebugSession } from '../debugger/index.js';
import { oneLine } from './errors.js';

/**
 * DAP breakpoints as the debugger's own `break`, `watch` and `delete` commands, in every open run
 * (a workflow run and its child runs run the same code): setBreakpoints replaces one file's
 * breakpoints, setFunctionBreakpoints all function breakpoints, setDataBreakpoints all watches,
 * setExceptionBreakpoints the catchpoint of its filter `thrown`; a logpoint is `log`.
 * Conditions are evaluated by each session at every hit when set (one re-execution); a hit condition
 * N stops at the N-th hit. A breakpoint no run takes (no code on the line, a bad condition) comes
 * back unverified with the session's message. Sessions number their breakpoints each on its own,
 * so the editor sees the book's ids, and stops are translated back.
 */
export class BreakpointBook {
  readonly #sessions: readonly DebugSession[];
  #next = 1;
  /** Each DAP breakpoint id: where each session holds it, by the session's own id. */
  readonly #placed = new Map<number, Map<DebugSession, number>>();
  readonly #byFile = new Map<string, number[]>();
  #functions: number[] = [];
  #data: number[] = [];
  #thrown: number[] = [];
  /** Logpoints written, by `file:line`: their message, and what the editor was told. */
  readonly #logged = new Map<string, { message: string; bp: DebugProtocol.Breakpoint }>();

  constructor(sessions: readonly DebugSession[]) {
    this.#sessions = sessions;
  }

  isFunctionBreakpoint(id: number): boolean {
    return this.#functions.includes(id);
  }

  /** The DAP ids of a session's breakpoints (as a stop names them). */
  dapIds(session: DebugSession, sessionIds: readonly number[]): number[] {
    const out: number[] = [];
    for (const [id, where] of this.#placed) if (sessionIds.includes(where.get(session) ?? -1)) out.push(id);
    return out;
  }

  /**
   * One file's breakpoints. A logpoint (one with a log message) is `log`: its message is written
   * (`write`) at once for every hit over the whole run, and again only when its message changes;
   * nothing stops there.
   */
  async setLines(file: string, wanted: readonly DebugProtocol.SourceBreakpoint[], write: (text: string) => void = () => {}): Promise<DebugProtocol.Breakpoint[]> {
    await this.#delete(this.#byFile.get(file) ?? []);
    for (const key of this.#logged.keys()) if (key.startsWith(`${file}:`) && !wanted.some((b) => b.logMessage && key === `${file}:${b.line}`)) this.#logged.delete(key);
    const out: DebugProtocol.Breakpoint[] = [];
    for (const b of wanted) {
      const bp = b.logMessage ? await this.#logpoint(file, b.line, b.logMessage, write) : await this.#everywhere((s) => this.#break(s, `${file}:${b.line}`, b));
      out.push({ ...bp, line: b.line, source: { path: file } });
    }
    this.#byFile.set(file, ids(out));
    return out;
  }

  async #logpoint(file: string, line: number, message: string, write: (text: string) => void): Promise<DebugProtocol.Breakpoint> {
    const where = `${file}:${line}`;
    const known = this.#logged.get(where);
    if (known?.message === message) return known.bp;
    const lines: string[] = [];
    let refused: string | undefined;
    for (const s of this.#sessions) {
      const r = await s.execute(`log ${where} ${message}`);
      if (r.result?.kind === 'log') for (const l of r.result.lines) lines.push(`${path.basename(file)}:${line} (event ${l.index}): ${l.text}\n`);
      else refused ??= r.error ? `${r.error.message} [${r.error.code}]` : `unexpected answer to log: ${r.result?.kind}`;
    }
    if (lines.length === 0 && refused) return { verified: false, message: oneLine(refused) };
    for (const text of lines.slice(0, LOG_LINES)) write(text);
    if (lines.length > LOG_LINES) write(`… and ${lines.length - LOG_LINES} more hits of ${path.basename(file)}:${line}, not written here\n`);
    const bp = { verified: true, message: `${plural(lines.length, 'hit')} in this run, logged to the Debug Console` };
    this.#logged.set(where, { message, bp });
    return bp;
  }

  async setFunctions(wanted: readonly DebugProtocol.FunctionBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    await this.#delete(this.#functions);
    const out: DebugProtocol.Breakpoint[] = [];
    for (const b of wanted) out.push(await this.#everywhere((s) => this.#break(s, b.name.trim(), b)));
    this.#functions = ids(out);
    return out;
  }

  /**
   * Data breakpoints as watches, in the run of the variable: each expression is sampled in the frame
   * of the point it was shown at, over that frame's whole life, so continue and reverse-continue
   * stop where its value changes.
   */
  async setData(wanted: readonly DataBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    await this.#delete(this.#data);
    const out: DebugProtocol.Breakpoint[] = [];
    for (const b of wanted) {
      const placed = await this.#watch(b);
      out.push(placed.id === undefined ? placed.bp : this.#record(new Map([[b.session, placed.id]]), placed.bp));
    }
    this.#data = ids(out);
    return out;
  }

  /**
   * The exception filter `thrown` as `catch throw` in every run: on, continue and reverse-continue
   * stop at each statement that threw an exception out of its function; off, they do not.
   */
  async setThrown(on: boolean): Promise<DebugProtocol.Breakpoint[]> {
    await this.#delete(this.#thrown);
    this.#thrown = [];
    if (!on) return [];
    const bp = await this.#everywhere((s) => this.#catch(s));
    this.#thrown = ids([bp]);
    return [bp];
  }

  /** Places a breakpoint in every session; verified where any run takes it, with the hits of all. */
  async #everywhere(place: (s: DebugSession) => Promise<Placed>): Promise<DebugProtocol.Breakpoint> {
    const where = new Map<DebugSession, number>();
    let shown: DebugProtocol.Breakpoint | undefined;
    let refused: DebugProtocol.Breakpoint | undefined;
    let hits = 0;
    for (const s of this.#sessions) {
      const placed = await place(s);
      if (placed.id === undefined) refused ??= placed.bp;
      else {
        where.set(s, placed.id);
        shown ??= placed.bp;
        hits += placed.hits ?? 0;
      }
    }
    if (!shown) return refused!;
    // the runs' own counts, told once for all: "3 hits in this run and its child runs"
    if (this.#sessions.length > 1) shown = { ...shown, message: shown.message!.replace(/^\d+ hits? in this run/, `${hits} hit${hits === 1 ? '' : 's'} in this run and its child runs`) };
    return this.#record(where, shown);
  }

  #record(where: Map<DebugSession, number>, bp: DebugProtocol.Breakpoint): DebugProtocol.Breakpoint {
    const id = this.#next++;
    this.#placed.set(id, where);
    return { ...bp, id };
  }

  async #break(session: DebugSession, where: string, b: { condition?: string; hitCondition?: string }): Promise<Placed> {
    const condition = b.condition?.trim() || undefined;
    const hitText = b.hitCondition?.trim() || undefined;
    if (condition && hitText) return unverified('a breakpoint takes a condition or a hit count, not both');
    let suffix = condition ? ` if ${condition}` : '';
    if (hitText) {
      const n = /^(?:==?\s*)?(\d+)$/.exec(hitText);
      if (!n || Number(n[1]) < 1) return unverified(`a hit count is a number N >= 1 (stop at the N-th hit, counted from the start of the run); got '${hitText}'`);
      suffix = ` if hit ${n[1]}`;
    }
    const r = await session.execute(`break ${where}${suffix}`);
    if (r.error) return unverified(`${r.error.message} [${r.error.code}]`);
    if (r.result?.kind !== 'breakpoint') return unverified(`unexpected answer to break: ${r.result?.kind}`);
    const bp = r.result.breakpoint;
    const note = [`${bp.hits} hit${bp.hits === 1 ? '' : 's'} in this run`, bp.note].filter(Boolean).join('; ');
    return { id: bp.id, hits: bp.hits, bp: { verified: true, message: oneLine(note) } };
  }

  async #catch(session: DebugSession): Promise<Placed> {
    const r = await session.execute('catch throw');
    if (r.error) return unverified(`${r.error.message} [${r.error.code}]`);
    if (r.result?.kind !== 'breakpoint') return unverified(`unexpected answer to catch: ${r.result?.kind}`);
    const n = r.result.breakpoint.hits;
    return { id: r.result.breakpoint.id, hits: n, bp: { verified: true, message: `${plural(n, 'hit')} in this run: the statements that threw an exception out of their function` } };
  }

  async #watch(b: DataBreakpoint): Promise<Placed> {
    if (b.condition || b.hitCondition) return unverified('data breakpoints stop at every change; conditions and hit counts are not taken');
    if (b.accessType && b.accessType !== 'write') return unverified(`only changes (write) can be watched in a recorded run, not ${b.accessType}`);
    const cursor = b.session.cursor;
    const back = { index: cursor.index, returned: cursor.returned };
    // `watch` samples in the cursor's frame: stand in the variable's frame while it is set
    cursor.goto(b.point);
    const r = await b.session.execute(`watch ${b.expression}`).finally(() => cursor.goto(back.index, back.returned));
    if (r.error) return unverified(`${r.error.message} [${r.error.code}]`);
    if (r.result?.kind !== 'watch') return unverified(`unexpected answer to watch: ${r.result?.kind}`);
    const n = r.result.changes.length;
    return { id: r.result.id, bp: { verified: true, message: `${b.expression}: ${n} change${n === 1 ? '' : 's'} in this frame` } };
  }

  async #delete(idList: readonly number[]): Promise<void> {
    for (const id of idList) {
      for (const [session, own] of this.#placed.get(id) ?? []) await session.execute(`delete ${own}`);
      this.#placed.delete(id);
    }
  }
}

/** A data breakpoint: the expression, and the run and point whose frame it is watched in. */
export interface DataBreakpoint {
  readonly session: DebugSession;
  readonly expression: string;
  readonly point: number;
  readonly accessType?: string;
  readonly condition?: string;
  readonly hitCondition?: string;
}

/** What one session made of a breakpoint: its own id when it took it. */
interface Placed {
  readonly id?: number;
  readonly hits?: number;
  readonly bp: DebugProtocol.Breakpoint;
}

/** Hits of one logpoint written to the Debug Console at most. */
const LOG_LINES = 1000;

const unverified = (message: string): Placed => ({ bp: { verified: false, message: oneLine(message) } });

const ids = (bps: readonly DebugProtocol.Breakpoint[]): number[] => bps.flatMap((b) => (b.id === undefined ? [] : [b.id]));
