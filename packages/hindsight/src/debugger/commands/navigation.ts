import type { Cursor, Direction, Stop } from '../../timetravel/index.js';
import type { DebugSession } from '../session.js';
import { DebugError } from '../types.js';
import type { CommandSpec } from './spec.js';

/** A command and its reverse twin (gdb's `reverse-` prefix, rr's `r` aliases). */
const both = (name: string, alias: string, reverseAlias: string, help: string, move: (c: Cursor, d: Direction) => Stop): CommandSpec[] => [
  { name, aliases: [alias], usage: name, help, trace: true, run: (s) => ({ stop: s.view(move(s.cursor, 'forward')) }) },
  {
    name: `reverse-${name}`,
    aliases: [reverseAlias],
    usage: `reverse-${name}`,
    help: `${name}, backwards in time`,
    trace: true,
    run: (s) => ({ stop: s.view(move(s.cursor, 'reverse')) }),
  },
];

export const navigationCommands: readonly CommandSpec[] = [
  ...both('step', 's', 'rs', 'to the next statement or function entry, whatever the frame', (c, d) => c.step(d)),
  ...both('next', 'n', 'rn', 'to the next statement of this frame, over calls and awaits', (c, d) => c.next(d)),
  ...both('finish', 'fin', 'rf', 'out of the current function, to the caller', (c, d) => c.finish(d)),
  ...both('continue', 'c', 'rc', 'to the next breakpoint hit (the end when there is none)', (c, d) => c.continue(d)),
  { name: 'goto', aliases: [], usage: 'goto <event index>', help: 'to an event of the trace', trace: true, run: (s, a) => ({ stop: s.view(s.cursor.goto(eventIndex(s, a))) }) },
];

function eventIndex(s: DebugSession, arg: string): number {
  const total = s.cursor.execution.length;
  if (!/^\d+$/.test(arg)) throw new DebugError('HS_E_DEBUG_USAGE', `goto takes an event index, 0 to ${total - 1}; got '${arg}'`);
  const i = Number(arg);
  if (i >= total) throw new DebugError('HS_E_DEBUG_USAGE', `event ${i} is past the end of the trace; events are 0 to ${total - 1}`);
  return i;
}
