import { HindsightError } from '../common/errors.js';

/**
 * A request the adapter refuses: bad launch arguments, a request before launch, a mutating request.
 * It becomes a DAP error response (one line, with its code); the adapter keeps serving.
 */
export class DapError extends HindsightError {}

export const notLaunched = (command: string): DapError =>
  new DapError('HS_E_DAP_NOT_LAUNCHED', `'${command}' needs an open run; send launch first (with history or run, and workflows)`);

export const readOnly = (command: string): DapError =>
  new DapError('HS_E_DAP_READ_ONLY', `'${command}' would change the run, and a recorded run is read-only: it shows what happened; use the REPL's \`set step <name>.result = <JSON>\` (or the hindsight/whatIf request) for a what-if`);

/** A message and code from any error: HindsightErrors keep theirs, anything else is a bug and says so. */
export function describeError(err: unknown): { code: string; message: string } {
  if (HindsightError.is(err)) return { code: err.code, message: oneLine((err as Error).message) };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'HS_E_DAP_INTERNAL', message: `internal error in the adapter: ${oneLine(message)}` };
}

export const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
