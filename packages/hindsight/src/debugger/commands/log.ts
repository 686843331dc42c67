import { EventKind } from '../../trace/index.js';
import type { DebugSession } from '../session.js';
import { DebugError, type LogLine, type ResultBody } from '../types.js';
import { candidates, resolveLocation } from './breakpoints.js';
import { valueAnswer } from './values.js';
import { checkSyntax } from './watch.js';
import type { CommandSpec } from './spec.js';

const USAGE = 'log <file:line | line | function> <message, with {expression}s>';

/**
 * log: the console.log the program did not have, added afterwards. The message is written out at
 * every hit of the location over the whole trace, at once, its `{expression}`s evaluated there (as
 * VS Code's logpoints write them); the cursor does not move and nothing stops there.
 */
export const logCommands: readonly CommandSpec[] = [
  { name: 'log', aliases: [], usage: USAGE, help: 'write a message at every hit of a location over the whole run, its {expression}s evaluated there (a logpoint)', trace: true, run: async (s, a) => ({ result: await log(s, a) }) },
];

async function log(s: DebugSession, args: string): Promise<ResultBody> {
  const m = /^(\S+)\s+(.+)$/s.exec(args.trim());
  if (!m) throw new DebugError('HS_E_DEBUG_USAGE', `log needs a location and a message: ${USAGE}, e.g. \`log cart.ts:12 total is {total}\``);
  const message = m[2]!;
  const location = resolveLocation(s, m[1]!);
  const hits = 'line' in location.spec ? visits(s, candidates(s, location.sites, true)) : candidates(s, location.sites, false);
  const parts = message.split(/\{([^{}]+)\}/);
  // parts alternate: text, expression, text, …
  for (let k = 1; k < parts.length; k += 2) checkSyntax(parts[k]!);
  const values = new Map<number, Map<number, string>>();
  for (let k = 1; k < parts.length; k += 2) {
    const samples = await valueAnswer(() => s.values.sample(hits, parts[k]!));
    if (samples.length > 0 && samples.every((x) => x.threw)) throw new DebugError('HS_E_DEBUG_EXPRESSION', `{${parts[k]}} has no value at any hit: ${samples[0]!.text}`);
    values.set(k, new Map(samples.map((x) => [x.index, x.threw ? `<${x.text}>` : unquoted(x.text)])));
  }
  const ex = s.cursor.execution;
  const lines: LogLine[] = hits.map((index) => ({ index, time: ex.time(index), text: parts.map((part, k) => (k % 2 === 0 ? part : (values.get(k)!.get(index) ?? '?'))).join('') }));
  return { kind: 'log', location: 'line' in location.spec ? `${location.spec.file}:${location.spec.line}` : `function ${location.spec.function}`, message, lines };
}

/**
 * The statement hits of a line, once per visit: a line of several statements (`if (!u) throw …`)
 * runs them one after the other, a log line for each would say the same twice. A statement that
 * runs again (a loop on one line) is a visit of its own.
 */
function visits(s: DebugSession, hits: readonly number[]): number[] {
  const ex = s.cursor.execution;
  const hit = new Set(hits);
  return hits.filter((i) => {
    const f = ex.frames[i]!;
    let j = ex.previousInFrame(f, i);
    while (j >= 0 && ex.kinds[j] !== EventKind.Statement) j = ex.previousInFrame(f, j);
    return !(j >= 0 && hit.has(j) && ex.site(j) !== ex.site(i));
  });
}

/** A string as console.log writes it, without the quotes a debugger shows; any other value as shown. */
function unquoted(text: string): string {
  const m = /^'((?:[^'\\\n]|\\.)*)'$/.exec(text);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : text;
}
