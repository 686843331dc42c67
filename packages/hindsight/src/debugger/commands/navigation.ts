import type { Cursor, Direction, Stop } from '../../timetravel/index.js';
import { DebugError } from '../types.js';
import { GOTO_USAGE, gotoTarget } from './history.js';
import type { CommandSpec } from './spec.js';

/** A command and its reverse twin (gdb's `reverse-` prefix, rr's `r` aliases). */
const both = (name: string, alias: string, reverseAlias: string, help: string, move: (c: Cursor, d: Direction) => Stop): CommandSpec[] => [
  { name, aliases: [alias], usage: name, help, trace: true, run: async (s) => ({ stop: await s.viewReturning(move(s.cursor, 'forward')) }) },
  {
    name: `reverse-${name}`,
    aliases: [reverseAlias],
    usage: `reverse-${name}`,
    help: `${name}, backwards in time`,
    trace: true,
    run: async (s) => ({ stop: await s.viewReturning(move(s.cursor, 'reverse')) }),
  },
];

export const navigationCommands: readonly CommandSpec[] = [
  ...both('step', 's', 'rs', 'to the next statement or function entry, whatever the frame', (c, d) => c.step(d)),
  ...both('next', 'n', 'rn', 'to the next statement of this frame, over calls and awaits', (c, d) => c.next(d)),
  ...both('finish', 'fin', 'rf', 'out of the current function, to the caller', (c, d) => c.finish(d)),
  ...both('continue', 'c', 'rc', 'to the next breakpoint hit (the end when there is none)', (c, d) => c.continue(d)),
  {
    name: 'step-into',
    aliases: ['sif'],
    usage: 'step-into <function>',
    help: "into the first call of <function> that the rest of this statement makes, over the calls before it (lldb's `sif`; VS Code's Step Into Target)",
    trace: true,
    run: async (s, a) => ({ stop: await s.viewReturning(s.cursor.stepInto(callTarget(s.cursor, a))) }),
  },
  {
    name: 'goto',
    aliases: [],
    usage: GOTO_USAGE,
    help: 'to trace event <index>, or where the code got history event #<id>, the n-th result of a step, the first event at time <t> (ISO, or +1.5s from the start)',
    trace: true,
    run: (s, a) => ({ stop: s.view(s.cursor.goto(gotoTarget(s, a))) }),
  },
];

/** The Enter event `step-into` goes to: a call ahead (Cursor.callsAhead) by its function's name, or by its event index (DAP's target ids). */
function callTarget(c: Cursor, arg: string): number {
  const ex = c.execution;
  const calls = c.callsAhead();
  const name = (i: number) => ex.siteOf(i)?.functionName ?? '<unknown>';
  const target = /^\d+$/.test(arg) ? calls.find((i) => i === Number(arg)) : calls.find((i) => name(i) === arg);
  if (target !== undefined) return target;
  const offered = calls.length === 0 ? 'it makes no more calls' : `it calls ${calls.map(name).join(', ')}`;
  throw new DebugError('HS_E_DEBUG_NO_CALL', `${arg === '' ? 'step-into needs a function: step-into <function>' : `the rest of this statement does not call ${arg}`}; ${offered}`);
}
