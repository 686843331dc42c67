import type { DebugSession } from '../session.js';
import { DebugError, type ResultBody } from '../types.js';
import type { CommandSpec } from './spec.js';

export const sourceCommands: readonly CommandSpec[] = [
  { name: 'backtrace', aliases: ['bt'], usage: 'backtrace [n | -n]', help: 'the call stack at the cursor, innermost first (n: the innermost n frames, -n: the outermost n)', trace: true, run: (s, a) => ({ result: backtrace(s, a) }) },
  { name: 'frame', aliases: ['f'], usage: 'frame [n]', help: 'select frame n of the backtrace (print, info and list are then of it, where it called the next one), or show the selected one', trace: true, run: (s, a) => ({ result: frame(s, a === '' ? s.selectedFrame().level : level(a, 'frame')) }) },
  { name: 'up', aliases: [], usage: 'up [n]', help: 'select the frame n callers out (default 1)', trace: true, run: (s, a) => ({ result: frame(s, s.selectedFrame().level + (a === '' ? 1 : level(a, 'up'))) }) },
  { name: 'down', aliases: [], usage: 'down [n]', help: 'select the frame n callees in (default 1)', trace: true, run: (s, a) => ({ result: frame(s, s.selectedFrame().level - (a === '' ? 1 : level(a, 'down'))) }) },
  { name: 'list', aliases: ['l'], usage: 'list', help: 'the source lines around the cursor (of the selected frame)', trace: true, run: (s) => ({ result: list(s) }) },
  { name: 'where', aliases: [], usage: 'where', help: 'the current position', trace: true, run: (s) => ({ result: { kind: 'where', position: s.position() } }) },
];

function backtrace(s: DebugSession, args: string): ResultBody {
  if (args !== '' && !/^-?[1-9]\d*$/.test(args)) throw new DebugError('HS_E_DEBUG_USAGE', `backtrace takes a number of frames, the innermost n (backtrace 5) or the outermost (backtrace -5); got '${args}'`);
  const ex = s.cursor.execution;
  const all = s.cursor.backtrace().map((f, level) => {
    const at = f.index >= 0 ? ex.placeOf(f.index) : undefined;
    return { level, function: f.site?.functionName ?? null, file: at?.file ?? null, line: at?.line ?? null, index: f.index, ...(f.callerLost ? { callerLost: true as const } : {}), ...(f.continued ? { continued: true as const } : {}) };
  });
  const n = Number(args);
  const frames = args === '' ? all : n > 0 ? all.slice(0, n) : all.slice(n);
  return { kind: 'backtrace', frames, ...(frames.length < all.length ? { more: all.length - frames.length } : {}) };
}

/** Selects frame `n` and shows it as gdb does: its level, where it stands and its line. */
function frame(s: DebugSession, n: number): ResultBody {
  const { level: selected, index } = s.selectFrame(n);
  return { kind: 'where', position: s.position(index), level: selected };
}

function level(text: string, command: string): number {
  if (!/^\d+$/.test(text)) throw new DebugError('HS_E_DEBUG_USAGE', `${command} takes a number of frames: ${command} 2; got '${text}'`);
  return Number(text);
}

function list(s: DebugSession): ResultBody {
  const { file, line } = s.position(s.selectedFrame().index);
  if (file === null || line === null) throw new DebugError('HS_E_SOURCE_NOT_FOUND', 'the cursor is at an event with no source location');
  const text = s.readSource(file);
  if (!text) {
    throw new DebugError('HS_E_SOURCE_NOT_FOUND', `source file ${file} is not on this machine; navigation still works, listing does not`);
  }
  const from = Math.max(1, line - 5);
  const to = Math.min(text.length, line + 5);
  const lines = [];
  for (let n = from; n <= to; n++) lines.push({ line: n, text: text[n - 1]!, current: n === line });
  return { kind: 'list', listing: { file, current: line, lines } };
}
