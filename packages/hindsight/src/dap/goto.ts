import path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { countBelow, type Execution } from '../trace/index.js';
import { DapError } from './errors.js';

/** A line that goto can jump to: the occurrence lists of its statement sites. */
interface LineTarget {
  readonly file: string;
  readonly line: number;
  readonly lists: readonly Uint32Array[];
}

/**
 * goto and gotoTargets over a line's executions: a target is a line; `goto` jumps to its next
 * execution after the cursor, or with the argument `direction: 'reverse'` its previous one. Found by
 * binary search in the per-site occurrence lists, whatever the length of the run.
 */
export class GotoTargets {
  readonly #targets = new Map<number, LineTarget>();
  #next = 1;

  constructor(readonly execution: Execution) {}

  /** The targets of a line (none when no statement is on it), labelled with how often it runs. */
  targets(file: string, line: number, cursor: number): DebugProtocol.GotoTarget[] {
    const resolved = this.#file(file);
    if (resolved === undefined) return [];
    const sites = this.execution.sites.sitesOnLine(resolved, line, 'statement');
    if (sites.length === 0) return [];
    const lists = sites.map((s) => this.execution.siteOccurrences(s)).filter((l) => l.length > 0);
    const runs = lists.reduce((n, l) => n + l.length, 0);
    const id = this.#next++;
    this.#targets.set(id, { file: resolved, line, lists });
    const after = this.#find(lists, cursor, false);
    const before = this.#find(lists, cursor, true);
    const where = [after === -1 ? 'none after the cursor' : `next at event ${after}`, before === -1 ? 'none before' : `previous at event ${before}`].join(', ');
    return [{ id, label: `line ${line}: runs ${runs} time${runs === 1 ? '' : 's'} (${where})`, line }];
  }

  /** The event `goto` jumps to from `cursor`. */
  destination(targetId: number, cursor: number, reverse: boolean): number {
    const t = this.#targets.get(targetId);
    if (!t) throw new DapError('HS_E_DAP_BAD_ARGS', `no goto target ${targetId}; ask gotoTargets for the line first`);
    const hit = this.#find(t.lists, cursor, reverse);
    if (hit !== -1) return hit;
    const other = reverse ? "without direction 'reverse' to go forward" : "with direction: 'reverse' to go back";
    throw new DapError('HS_E_DAP_NO_EXECUTION', `line ${t.line} of ${path.basename(t.file)} does not run ${reverse ? 'before' : 'after'} event ${cursor}; goto ${other}`);
  }

  /** The first execution after `i` (the last before it, reversed), or -1. */
  #find(lists: readonly Uint32Array[], i: number, reverse: boolean): number {
    let best = -1;
    for (const list of lists) {
      const r = countBelow(list, reverse ? i : i + 1);
      const x = reverse ? (r > 0 ? list[r - 1]! : -1) : r < list.length ? list[r]! : -1;
      if (x !== -1 && (best === -1 || (reverse ? x > best : x < best))) best = x;
    }
    return best;
  }

  /** The site table's name for a file the client names (its own path, or a path it ends with). */
  #file(given: string): string | undefined {
    const files = new Set<string>();
    const sites = this.execution.sites;
    for (let i = 0; i < sites.size; i++) files.add(sites.get(i)!.file);
    if (files.has(given)) return given;
    const abs = path.resolve(given);
    return [...files].find((f) => f === abs || f.endsWith(`${path.sep}${given}`));
  }
}
