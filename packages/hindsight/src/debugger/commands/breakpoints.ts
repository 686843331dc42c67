import path from 'node:path';
import type { DebugSession } from '../session.js';
import { DebugError, demotedCalls, type BreakpointView, type ResultBody } from '../types.js';
import { throwPoints } from '../throws.js';
import { valueAnswer } from './values.js';
import { checkSyntax } from './watch.js';
import type { CommandSpec, InfoTopic } from './spec.js';

export const breakpointCommands: readonly CommandSpec[] = [
  { name: 'break', aliases: ['b'], usage: 'break <file:line | line | function> [if <expression> | if hit N]', help: 'set a breakpoint', trace: true, run: async (s, a) => ({ result: await addBreakpoint(s, a) }) },
  { name: 'catch', aliases: [], usage: 'catch throw', help: 'stop where an exception is thrown (continue and reverse-continue), as gdb’s catch throw', trace: true, run: (s, a) => ({ result: addCatchpoint(s, a) }) },
  { name: 'delete', aliases: ['d'], usage: 'delete [n]', help: 'delete breakpoint n (all when no n)', trace: true, run: (s, a) => ({ result: deleteBreakpoint(s, a) }) },
];

export const breakpointTopics: readonly InfoTopic[] = [
  { names: ['breakpoints', 'break', 'b'], help: 'the breakpoints', run: (s) => ({ result: { kind: 'breakpoints', breakpoints: s.cursor.breakpoints.map((b) => breakpointView(s, b.id)!) } }) },
];

const USAGE = 'break <file:line | line | function> [if <expression> | if hit N]';

async function addBreakpoint(s: DebugSession, args: string): Promise<ResultBody> {
  const m = /^(.*?)(?:\s+if\s+(.*))?$/.exec(args)!;
  const where = m[1]!.trim();
  if (!where) throw new DebugError('HS_E_DEBUG_USAGE', `break needs a location: ${USAGE}`);
  const condition = m[2]?.trim();
  const hit = condition === undefined ? undefined : /^hit\s+(\d+)$/.exec(condition);
  if (hit && Number(hit[1]) < 1) throw new DebugError('HS_E_DEBUG_CONDITION', `hits are counted from 1: \`if hit N\` with N >= 1, not '${condition}'`);
  if (condition === '') throw new DebugError('HS_E_DEBUG_CONDITION', `a condition follows \`if\`: ${USAGE}`);
  const location = resolveLocation(s, where);
  if (hit) return added(s, s.cursor.addBreakpoint({ ...location.spec, hitCount: Number(hit[1]) }).id, location.note);
  if (condition === undefined) return added(s, s.cursor.addBreakpoint(location.spec).id, location.note);
  checkSyntax(condition);
  // the condition is evaluated at every hit now, in one re-execution; continue then only looks the answers up
  const hits = candidates(s, location.sites, 'line' in location.spec);
  const samples = await valueAnswer(() => s.values.sample(hits, `!!(${condition}\n)`));
  const holds = new Set(samples.filter((x) => !x.threw && x.text === 'true').map((x) => x.index));
  const threw = samples.filter((x) => x.threw);
  const bp = s.cursor.addBreakpoint({ ...location.spec, condition: (at) => holds.has(at.index) });
  s.conditions.set(bp.id, condition);
  const counts = `the condition holds at ${holds.size} of its ${hits.length} hit${hits.length === 1 ? '' : 's'}`;
  const errors = threw.length ? `; it threw at ${threw.length} (${threw[0]!.text}), taken as false` : '';
  return added(s, bp.id, [location.note, counts + errors].filter(Boolean).join('; '));
}

/**
 * catch throw: a breakpoint at the statement that threw each exception that left a function (the
 * trace holds no other: one caught where it was thrown leaves no Throw).
 */
function addCatchpoint(s: DebugSession, args: string): ResultBody {
  if (args !== 'throw') throw new DebugError('HS_E_DEBUG_USAGE', `\`catch throw\` stops where an exception is thrown (the one event catch knows)${args ? `; got '${args}'` : ''}`);
  const bp = s.cursor.addBreakpoint({ events: throwPoints(s.cursor.execution) });
  s.catchpoints.add(bp.id);
  const view = breakpointView(s, bp.id)!;
  return { kind: 'breakpoint', breakpoint: view.hits > 0 ? view : { ...view, note: 'no exception left a function in this trace' } };
}

export interface Location {
  spec: { file: string; line: number } | { function: string };
  sites: number[];
  note?: string;
}

export function resolveLocation(s: DebugSession, where: string): Location {
  const ex = s.cursor.execution;
  const lineMatch = /^(?:(.+):)?(\d+)$/.exec(where);
  if (lineMatch) {
    const file = lineMatch[1] === undefined ? s.position().file : resolveFile(s, lineMatch[1]);
    if (file === null) throw new DebugError('HS_E_DEBUG_USAGE', 'the cursor has no file; give one: break <file:line>');
    const line = Number(lineMatch[2]);
    const sites = ex.sites.sitesOnLine(file, line, 'statement');
    if (sites.length === 0) {
      const near = nearestLines(statementLines(s, file), line);
      throw new DebugError('HS_E_DEBUG_NO_CODE', `no code on line ${line} of ${path.basename(file)}` + (near.length ? `; lines with code nearby: ${near.join(', ')}` : ''));
    }
    return { spec: { file, line }, sites };
  }
  const sites = ex.sites.functionSites(where);
  if (sites.length === 0) throw new DebugError('HS_E_DEBUG_NO_CODE', `no function named '${where}' in the traced code`);
  const results = s.timeline.stepResults(where);
  const demoted = s.demoted.find((d) => d.functionName === where);
  const note = results.length
    ? `'${where}' is a step: its code is not replayed, so it never stops here; its recorded results are history event${results.length === 1 ? '' : 's'} #${results.join(', #')}`
    : demoted
      ? `'${where}' was demoted (too hot and too small to trace): ${demotedCalls(demoted.from)}`
      : undefined;
  return { spec: { function: where }, sites, ...(note ? { note } : {}) };
}

/** Every hit of these sites (statements of a line, or entries of functions), ascending. */
export function candidates(s: DebugSession, sites: number[], line: boolean): number[] {
  const ex = s.cursor.execution;
  const all: number[] = [];
  // one push per hit: a spread passes them all as arguments, more than the stack holds past about 100,000
  for (const site of sites) for (const hit of line ? ex.siteOccurrences(site) : ex.functionOccurrences(site)) all.push(hit);
  return all.sort((a, b) => a - b);
}

function added(s: DebugSession, id: number, note: string | undefined): ResultBody {
  const view = breakpointView(s, id)!;
  return { kind: 'breakpoint', breakpoint: note ? { ...view, note } : view };
}

function deleteBreakpoint(s: DebugSession, args: string): ResultBody {
  const c = s.cursor;
  if (args === '') {
    const ids = c.breakpoints.map((b) => b.id);
    c.clearBreakpoints();
    s.watches.clear();
    s.catchpoints.clear();
    s.conditions.clear();
    return { kind: 'deleted', ids };
  }
  if (!/^\d+$/.test(args)) throw new DebugError('HS_E_DEBUG_USAGE', `delete takes a breakpoint number; got '${args}'`);
  const id = Number(args);
  if (!c.removeBreakpoint(id)) throw new DebugError('HS_E_DEBUG_NO_BREAKPOINT', `no breakpoint ${id}; \`info breakpoints\` lists them`);
  s.watches.delete(id);
  s.catchpoints.delete(id);
  s.conditions.delete(id);
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
  } else if ('events' in spec) {
    location = s.catchpoints.has(id) ? 'catch throw' : `watch ${s.watches.get(id)?.expression ?? '?'}`;
    hits = spec.events.length;
  } else {
    location = `site ${spec.site}`;
    hits = ex.siteOccurrences(spec.site).length;
  }
  const condition = s.conditions.get(id);
  return { id, location, ...(spec.hitCount !== undefined ? { hitCount: spec.hitCount } : {}), ...(condition !== undefined ? { condition } : {}), hits };
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
    throw new DebugError('HS_E_DEBUG_NO_CODE', `no traced code in '${given}'; files with code: ${all.map((f) => path.basename(f)).join(', ') || 'none'}`);
  }
  throw new DebugError('HS_E_DEBUG_USAGE', `'${given}' matches several files (${found.join(', ')}); give more of the path`);
}

/** Up to two lines with code on each side of `line`. */
function nearestLines(lines: number[], line: number): number[] {
  const before = lines.filter((l) => l < line).slice(-2);
  const after = lines.filter((l) => l > line).slice(0, 2);
  return [...before, ...after];
}
