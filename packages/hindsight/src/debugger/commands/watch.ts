import { EventKind } from '../../trace/index.js';
import type { DebugSession } from '../session.js';
import { DebugError, type ResultBody, type WatchChange } from '../types.js';
import { valueAnswer } from './values.js';
import type { CommandSpec } from './spec.js';

/**
 * watch <expression>: the expression is evaluated, in the cursor's frame, at every statement that
 * frame runs, in one re-execution; each change becomes a stop for continue and reverse-continue
 * ("when did total last change, and from what to what"), and the answer lists them all.
 */
export const watchCommands: readonly CommandSpec[] = [
  {
    name: 'watch',
    aliases: ['wa'],
    usage: 'watch <expression>',
    help: 'stop where the expression changes value in this frame (continue and reverse-continue)',
    trace: true,
    run: async (s, a) => ({ result: await watch(s, a) }),
  },
];

async function watch(s: DebugSession, expression: string): Promise<ResultBody> {
  if (expression === '') throw new DebugError('HS_E_DEBUG_USAGE', 'watch needs an expression: watch <expression>, e.g. `watch total`');
  checkSyntax(expression);
  const ex = s.cursor.execution;
  const frame = s.cursor.frame;
  const points = [...ex.frameEvents(frame)].filter((i) => ex.kinds[i] === EventKind.Statement || ex.kinds[i] === EventKind.Enter);
  const samples = await valueAnswer(() => s.values.sample(points, expression));
  const changes: WatchChange[] = [];
  const shown = (k: number) => (samples[k]!.threw ? '<not defined>' : samples[k]!.text);
  for (let k = 1; k < samples.length; k++) {
    if (shown(k) === shown(k - 1)) continue;
    const by = samples[k - 1]!.index;
    changes.push({ index: samples[k]!.index, by, line: ex.siteOf(by)?.line ?? null, from: shown(k - 1), to: shown(k) });
  }
  const bp = s.cursor.addBreakpoint({ events: Uint32Array.from(changes.map((c) => c.index)) });
  s.watches.set(bp.id, { expression, changes });
  const fn = ex.sites.get(ex.frameSite(frame))?.functionName ?? null;
  return { kind: 'watch', id: bp.id, expression, function: fn, initial: samples.length ? shown(0) : '<not defined>', changes };
}

/** A syntax error is told now, not as a silent "never changes". Parsing only: nothing runs. */
export function checkSyntax(expression: string): void {
  try {
    new Function(`return (${expression}\n);`);
  } catch (err) {
    throw new DebugError('HS_E_DEBUG_EXPRESSION', `'${expression}' is not an expression: ${(err as Error).message}`);
  }
}
