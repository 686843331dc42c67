import { EventKind, ValueError, type Scope } from '../../trace/index.js';
import type { DebugSession } from '../session.js';
import { DebugError, type Outcome, type ResultBody } from '../types.js';
import type { CommandSpec, InfoTopic } from './spec.js';

/**
 * Values at the cursor: print, info locals, info args. The session's ValueSource answers (for a
 * workflow run, a re-execution paused at the cursor); the state shown is that at the start of the
 * statement the cursor is in, as gdb shows it at the start of the current line.
 */
export const valueCommands: readonly CommandSpec[] = [
  {
    name: 'print',
    aliases: ['p'],
    usage: 'print <expression>',
    help: 'evaluate an expression in the current frame, at this point in time',
    trace: true,
    run: (s, a) => print(s, a),
  },
];

export const valueTopics: readonly InfoTopic[] = [
  { names: ['locals', 'local'], help: 'the variables of the current frame, as they are at this point', run: (s) => scopes(s, (sc) => sc.name !== 'Module') },
  { names: ['args', 'arguments'], help: 'the arguments of the current function', run: (s) => scopes(s, (sc) => sc.name === 'Arguments') },
];

async function print(s: DebugSession, expression: string): Promise<Outcome> {
  if (expression === '') throw new DebugError('HS_E_DEBUG_USAGE', 'print needs an expression: print <expression>, e.g. `print total` or `print items.length`');
  const r = await valueAnswer(() => s.values.evaluate(s.selectedFrame().index, expression));
  if (r.error !== undefined) throw new DebugError('HS_E_DEBUG_EVAL', `${expression}: ${r.error}`);
  return { result: { kind: 'value', expression, ...at(s, r.index), value: r.value, text: r.text } };
}

async function scopes(s: DebugSession, keep: (scope: Scope) => boolean): Promise<Outcome> {
  const r = await valueAnswer(() => s.values.scopes(s.selectedFrame().index));
  const body: ResultBody = { kind: 'scopes', ...at(s, r.index), scopes: r.scopes.filter(keep), ...(r.this ? { this: r.this } : {}) };
  return { result: body };
}

/** Where the values come from, when that is not the cursor's own event. */
function at(s: DebugSession, index: number): { at: number; note?: string } {
  if (index === s.cursor.index) return { at: index };
  const { level, index: call } = s.selectedFrame();
  if (level > 0 && index === call) return { at: index, note: `values of frame #${level}, where it called frame #${level - 1} (event ${index})` };
  const ex = s.cursor.execution;
  const site = ex.siteOf(index);
  if (ex.kind(index) === EventKind.Enter) return { at: index, note: `values as passed to ${site?.functionName ?? 'the function'} at its entry (event ${index})` };
  return { at: index, note: `values as of the start of line ${site?.line ?? '?'} (event ${index}), the statement the cursor is in` };
}

/** A value question whose failure is the user's to know about becomes a DebugError. */
export async function valueAnswer<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (err) {
    if (err instanceof ValueError) throw new DebugError(err.code, err.message);
    throw err;
  }
}
