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

const unverified = (message: string): DebugProtocol.Breakpoint => ({ verified: false, message: oneLine(message) });

const ids = (bps: readonly DebugProtocol.Breakpoint[]): number[] => bps.flatMap((b) => (b.id === undefined ? [] : [b.id]));
