import type { DebugProtocol } from '@vscode/debugprotocol';
import type { StopView } from '../debugger/index.js';

/** Thread id of a workflow run (a recording has a thread per request lane). */
export const THREAD_ID = 1;

/**
 * The `stopped` event for where a command left the cursor. Reasons are DAP's: step (also finish),
 * breakpoint / function breakpoint / data breakpoint (a watchpoint), goto, entry (exception when the
 * run or process died of an error). At the start or
 * the end of time the cursor stops there, with reason step and a description that says so.
 */
export function stoppedBody(stop: StopView, opts: { entry?: string; exception?: boolean; threadId?: number; functionBreakpoint?: (id: number) => boolean } = {}): DebugProtocol.StoppedEvent['body'] {
  const threadId = opts.threadId ?? THREAD_ID;
  const where = `${stop.function ?? '<unknown>'} line ${stop.line ?? '?'} (event ${stop.index} of ${stop.total})`;
  // a run or process that died of an error opens at the throw: the editor then asks exceptionInfo
  if (opts.entry !== undefined) return { reason: opts.exception ? 'exception' : 'entry', threadId, allThreadsStopped: true, description: opts.entry, text: where };
  const base = { threadId, allThreadsStopped: true, text: where };
  // a catchpoint (`catch throw`, the filter `thrown`): the editor then asks exceptionInfo
  if (stop.caught !== undefined) return { ...base, reason: 'exception', description: 'exception thrown', hitBreakpointIds: [...(stop.breakpoints ?? [])] };
  switch (stop.reason) {
    case 'breakpoint': {
      const ids = [...(stop.breakpoints ?? [])];
      const reason = stop.watch ? 'data breakpoint' : ids.length > 0 && ids.every((id) => opts.functionBreakpoint?.(id)) ? 'function breakpoint' : 'breakpoint';
      const description = stop.watch ? `${stop.watch.expression}: ${stop.watch.from} -> ${stop.watch.to}` : `breakpoint ${ids.join(', ')}`;
      return { ...base, reason, description, hitBreakpointIds: ids };
    }
    case 'goto':
      return { ...base, reason: 'goto', description: `event ${stop.index}` };
    case 'start':
    case 'end':
      return { ...base, reason: 'step', description: stop.message ?? (stop.reason === 'start' ? 'start of the run' : 'end of the run') };
    default:
      return { ...base, reason: 'step', description: stop.history?.[0]?.note ?? (stop.returnedFrom !== undefined ? `returned from ${stop.returnedFrom}${stop.returnValue !== undefined ? `: ${stop.returnValue}` : ''}` : 'step') };
  }
}
