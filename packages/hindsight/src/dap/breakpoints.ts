import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DebugSession } from '../debugger/index.js';
import { oneLine } from './errors.js';

/**
 * DAP breakpoints as the debugger's own `break` and `delete` commands: setBreakpoints replaces one
 * file's breakpoints, setFunctionBreakpoints all function breakpoints. Conditions are evaluated by
 * the session at every hit when set (one re-execution); a hit condition N stops at the N-th hit.
 * A breakpoint the session refuses (no code on the line, a bad condition) comes back unverified
 * with the session's message; the others keep their session ids, which `stopped` events name.
 */
export class BreakpointBook {
  readonly #byFile = new Map<string, number[]>();
  #functions: number[] = [];
  #data: number[] = [];

  constructor(private readonly session: DebugSession) {}

  isFunctionBreakpoint(id: number): boolean {
    return this.#functions.includes(id);
  }

  async setLines(file: string, wanted: readonly DebugProtocol.SourceBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    await this.#delete(this.#byFile.get(file) ?? []);
    const out: DebugProtocol.Breakpoint[] = [];
    for (const b of wanted) out.push({ ...(await this.#add(`${file}:${b.line}`, b)), line: b.line, source: { path: file } });
    this.#byFile.set(file, ids(out));
    return out;
  }

  async setFunctions(wanted: readonly DebugProtocol.FunctionBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    await this.#delete(this.#functions);
    const out: DebugProtocol.Breakpoint[] = [];
    for (const b of wanted) out.push(await this.#add(b.name.trim(), b));
    this.#functions = ids(out);
    return out;
  }

  /**
   * Data breakpoints as watches: each expression is sampled in the frame of the point it was shown
   * at, over that frame's whole life, so continue and reverse-continue stop where its value changes.
   */
  async setData(wanted: readonly DataBreakpoint[]): Promise<DebugProtocol.Breakpoint[]> {
    await this.#delete(this.#data);
    const out: DebugProtocol.Breakpoint[] = [];
    for (const b of wanted) out.push(await this.#watch(b));
    this.#data = ids(out);
    return out;
  }

  async #watch(b: DataBreakpoint): Promise<DebugProtocol.Breakpoint> {
    if (b.condition || b.hitCondition) return unverified('data breakpoints stop at every change; conditions and hit counts are not taken');
    if (b.accessType && b.accessType !== 'write') return unverified(`only changes (write) can be watched in a recorded run, not ${b.accessType}`);
    const cursor = this.session.cursor;
    const back = cursor.index;
    // `watch` samples in the cursor's frame: stand in the variable's frame while it is set
    cursor.goto(b.point);
    const r = await this.session.execute(`watch ${b.expression}`).finally(() => cursor.goto(back));
    if (r.error) return unverified(`${r.error.message} [${r.error.code}]`);
    if (r.result?.kind !== 'watch') return unverified(`unexpected answer to watch: ${r.result?.kind}`);
    const n = r.result.changes.length;
    return { id: r.result.id, verified: true, message: `${b.expression}: ${n} change${n === 1 ? '' : 's'} in this frame` };
  }

  async #add(where: string, b: { condition?: string; hitCondition?: string }): Promise<DebugProtocol.Breakpoint> {
    const condition = b.condition?.trim() || undefined;
    const hitText = b.hitCondition?.trim() || undefined;
    if (condition && hitText) return unverified('a breakpoint takes a condition or a hit count, not both');
    let suffix = condition ? ` if ${condition}` : '';
    if (hitText) {
      const n = /^(?:==?\s*)?(\d+)$/.exec(hitText);
      if (!n || Number(n[1]) < 1) return unverified(`a hit count is a number N >= 1 (stop at the N-th hit, counted from the start of the run); got '${hitText}'`);
      suffix = ` if hit ${n[1]}`;
    }
    const r = await this.session.execute(`break ${where}${suffix}`);
    if (r.error) return unverified(`${r.error.message} [${r.error.code}]`);
    if (r.result?.kind !== 'breakpoint') return unverified(`unexpected answer to break: ${r.result?.kind}`);
    const bp = r.result.breakpoint;
    const note = [`${bp.hits} hit${bp.hits === 1 ? '' : 's'} in this run`, bp.note].filter(Boolean).join('; ');
    return { id: bp.id, verified: true, message: oneLine(note) };
  }

  async #delete(idList: readonly number[]): Promise<void> {
    for (const id of idList) await this.session.execute(`delete ${id}`);
  }
}

/** A data breakpoint: the expression and the point whose frame it is watched in (decoded from its dataId). */
export interface DataBreakpoint {
  readonly expression: string;
  readonly point: number;
  readonly accessType?: string;
  readonly condition?: string;
  readonly hitCondition?: string;
}

const unverified = (message: string): DebugProtocol.Breakpoint => ({ verified: false, message: oneLine(message) });

const ids = (bps: readonly DebugProtocol.Breakpoint[]): number[] => bps.flatMap((b) => (b.id === undefined ? [] : [b.id]));
