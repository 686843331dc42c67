import type { CommandResult } from '../debugger/index.js';

/**
 * The REPL of the debug console takes expressions and the debugger's own commands: a line that
 * starts with `-exec ` is a command (as gdb adapters do), and so is a line that is not a JavaScript
 * expression but starts with a command name (`info history`, `origin total`, `goto #7`).
 */
export function replCommand(line: string, commandNames: readonly string[]): string | undefined {
  const text = line.trim();
  if (text.startsWith('-exec ')) return text.slice(6).trim();
  const word = text.split(/\s+/)[0]!;
  if (!commandNames.includes(word) || isExpression(text)) return undefined;
  return text;
}

function isExpression(text: string): boolean {
  try {
    // compiled, never called: only whether it parses
    new Function(`return (${text}\n);`);
    return true;
  } catch {
    return false;
  }
}

/** A plain rendering of a command's answer, for adapters started without the CLI's renderer. */
export function plainResult(r: CommandResult): string[] {
  if (r.error) return [`${r.error.message} [${r.error.code}]`];
  if (r.stop) return [`${r.stop.file ?? '<unknown>'}:${r.stop.line ?? '?'} in ${r.stop.function ?? '<unknown>'} (event ${r.stop.index}/${r.stop.total})`];
  const body = r.result!;
  if (body.kind === 'value') return [body.text];
  if (body.kind === 'message') return [body.message];
  return JSON.stringify(body, null, 2).split('\n');
}

const ANSI = /\u001b\[[0-9;]*m/g;
export const stripAnsi = (s: string): string => s.replace(ANSI, '');
