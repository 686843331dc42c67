import path from 'node:path';
import type { DebugSession } from '../session.js';
import { DebugError, type BreakpointView, type ResultBody } from '../types.js';
import type { CommandSpec, InfoTopic } from './spec.js';

export const breakpointCommands: readonly CommandSpec[] = [
  { name: 'break', aliases: ['b'], usage: 'break <file:line | line | function> [if hit N]', help: 'set a breakpoint', trace: true, run: (s, a) => ({ result: addBreakpoint(s, a) }) },
  { name: 'delete', aliases: ['d'], usage: 'delete [n]', help: 'delete breakpoint n (all when no n)', trace: true, run: (s, a) => ({ result: deleteBreakpoint(s, a) }) },
];

export const breakpointTopics: readonly InfoTopic[] = [
  { names: ['breakpoints', 'break', 'b'], help: 'the breakpoints', run: (s) => ({ result: { kind: 'breakpoints', breakpoints: s.cursor.breakpoints.map((b) => breakpointView(s, b.id)!) } }) },
];

function addBreakpoint(s: DebugSession, args: string): ResultBody {
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
  const c = s.cursor;
  const ex = c.execution;
  const lineMatch = /^(?:(.+):)?(\d+)$/.exec(where);
  if (lineMatch) {
    const file = lineMatch[1] === undefined ? s.position().file : resolveFile(s, lineMatch[1]);
    if (file === null) throw new DebugError('HS_E_DEBUG_USAGE', 'the cursor has no file; give one: break <file:line>');
    const line = Number(lineMatch[2]);
    if (ex.sites.sitesOnLine(file, line, 'statement').length === 0) {
      const near = nearestLines(statementLines(s, file), line);
      throw new DebugError('HS_E_DEBUG_NO_CODE', `no code on line ${line} of ${path.basename(file)}` + (near.length ? `; lines with code nearby: ${near.join(', ')}` : ''));
    }
    const bp = c.addBreakpoint({ file, line, ...(hitCount !== undefined ? { hitCount } : {}) });
    return { kind: 'breakpoint', breakpoint: breakpointView(s, bp.id)! };
  }
  if (ex.sites.functionSites(where).length === 0) throw new DebugError('HS_E_DEBUG_NO_CODE', `no function named '${where}' in the workflow code`);
  const bp = c.addBreakpoint({ function: where, ...(hitCount !== undefined ? { hitCount } : {}) });
  const results = s.steps.get(where);
  if (!results) return { kind: 'breakpoint', breakpoint: breakpointView(s, bp.id)! };
  const note =
    `'${where}' is a step: its code is not replayed, so it never stops here; ` +
    `its recorded results are history event${results.length === 1 ? '' : 's'} #${results.join(', #')}`;
  return { kind: 'breakpoint', breakpoint: { ...breakpointView(s, bp.id)!, note } };
}

function deleteBreakpoint(s: DebugSession, args: string): ResultBody {
  const c = s.cursor;
  if (args === '') {
    const ids = c.breakpoints.map((b) => b.id);
    c.clearBreakpoints();
    return { kind: 'deleted', ids };
  }
  if (!/^\d+$/.test(args)) throw new DebugError('HS_E_DEBUG_USAGE', `delete takes a breakpoint number; got '${args}'`);
  const id = Number(args);
  if (!c.removeBreakpoint(id)) throw new DebugError('HS_E_DEBUG_NO_BREAKPOINT', `no breakpoint ${id}; \`info breakpoints\` lists them`);
  return { kind: 'deleted', ids: [id] };
}

function breakpointView(s: DebugSession, id: number): BreakpointView | undefined {
  const bp = s.cursor.breakpoints.find((b) => b.id === id);
  if (!bp) return undefined;
  const ex = s.cursor.execution;
  const spec = bp.spec;
  let location: string;
  let hits = 0;
  if ('line' in spec) {
    location = `${spec.file}:${spec.line}`;
    for (const site of bp.sites) hits += ex.siteOccurrences(site).length;
  } else if ('function' in spec) {
    location = `function ${spec.function}`;
    for (const site of bp.sites) hits += ex.functionOccurrences(site).length;
  } else {
    location = `site ${spec.site}`;
    hits = ex.siteOccurrences(spec.site).length;
  }
  return { id, location, ...(spec.hitCount !== undefined ? { hitCount: spec.hitCount } : {}), hits };
}

function files(s: DebugSession): string[] {
  const sites = s.cursor.execution.sites;
  const out = new Set<string>();
  for (let i = 0; i < sites.size; i++) out.add(sites.get(i)!.file);
  return [...out].sort();
}

function statementLines(s: DebugSession, file: string): number[] {
  const sites = s.cursor.execution.sites;
  const lines = new Set<number>();
  for (let i = 0; i < sites.size; i++) {
    const site = sites.get(i)!;
    if (site.file === file && site.kind === 'statement') lines.add(site.line);
  }
  return [...lines].sort((a, b) => a - b);
}

/** A file named by its absolute path, a path relative to the working folder, or a path suffix (`shop.ts`). */
function resolveFile(s: DebugSession, given: string): string {
  const all = files(s);
  const abs = path.resolve(given);
  const found = all.filter((f) => f === given || f === abs || f.endsWith(`/${given}`) || f.endsWith(`${path.sep}${given}`));
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    throw new DebugError('HS_E_DEBUG_NO_CODE', `no workflow code in '${given}'; files with code: ${all.map((f) => path.basename(f)).join(', ') || 'none'}`);
  }
  throw new DebugError('HS_E_DEBUG_USAGE', `'${given}' matches several files (${found.join(', ')}); give more of the path`);
}

/** Up to two lines with code on each side of `line`. */
function nearestLines(lines: number[], line: number): number[] {
  const before = lines.filter((l) => l < line).slice(-2);
  const after = lines.filter((l) => l > line).slice(0, 2);
  return [...before, ...after];
}
