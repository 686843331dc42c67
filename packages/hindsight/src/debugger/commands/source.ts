import type { DebugSession } from '../session.js';
import { DebugError, type ResultBody } from '../types.js';
import type { CommandSpec } from './spec.js';

export const sourceCommands: readonly CommandSpec[] = [
  { name: 'backtrace', aliases: ['bt'], usage: 'backtrace', help: 'the call stack at the cursor, innermost first', trace: true, run: (s) => ({ result: backtrace(s) }) },
  { name: 'list', aliases: ['l'], usage: 'list', help: 'the source lines around the cursor', trace: true, run: (s) => ({ result: list(s) }) },
  { name: 'where', aliases: [], usage: 'where', help: 'the current position', trace: true, run: (s) => ({ result: { kind: 'where', position: s.position() } }) },
];

function backtrace(s: DebugSession): ResultBody {
  const ex = s.cursor.execution;
  const frames = s.cursor.backtrace().map((f, level) => {
    const at = f.index >= 0 ? ex.siteOf(f.index) : undefined;
    return { level, function: f.site?.functionName ?? null, file: at?.file ?? null, line: at?.line ?? null, index: f.index };
  });
  return { kind: 'backtrace', frames };
}

function list(s: DebugSession): ResultBody {
  const { file, line } = s.position();
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
