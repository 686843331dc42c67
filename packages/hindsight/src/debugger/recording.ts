import { decodeRecordingWithArguments } from '../recorder/index.js';
import type { Recording } from '../store/index.js';
import { EventKind, ValuesNotCaptured, type Execution } from '../trace/index.js';
import { CapturedArguments } from './captured-args.js';
import { DebugSession, type SessionOptions } from './session.js';
import type { SessionStart } from './start.js';

/**
 * A session over a flight recording: the same debugger as for workflow runs, over the control flow
 * the ring kept. The cursor starts where the process died: at the statement that threw the error
 * that killed it, or at the last event; values are not in
 * a recording, and the session says so rather than guessing. Listings come from the code bundle
 * (`opts.bundle`): the code as it ran, whatever the checkout holds now.
 */
export function startRecordingSession(recording: Recording, opts: Pick<SessionOptions, 'bundle'> = {}): { session: DebugSession; start: SessionStart } {
  const { execution, args } = decodeRecordingWithArguments(recording);
  const m = recording.meta;
  const notes: string[] = [];
  const thrown = m.error ? throwingStatement(execution) : undefined;
  if (m.error) notes.push(`the process died of ${m.error.name}: ${m.error.message}; the cursor is at ${thrown !== undefined ? 'the statement that threw it' : 'its last event'}, go back with the reverse commands`);
  else notes.push(`the process ${m.reason}; the cursor is at its last event`);
  for (const d of m.demoted ?? []) {
    notes.push(`${d.functionName} (${d.file}:${d.line}) was demoted after ${d.calls} calls: too hot and too small to trace, its calls after event ${d.fromEvent} are not in the trace`);
  }
  if (m.wrapped) notes.push('the ring wrapped: older events were overwritten, so the trace starts in the middle of the program (frames whose calls were lost are marked)');
  const why = `values are not captured in flight recordings (control flow only); the error that ended the process is in \`hindsight trace show ${m.id}\``;
  const captured = recording.modules.some((mod) => mod.sites.some((site) => site.params !== undefined));
  const values = captured ? new CapturedArguments(execution, args, why) : new ValuesNotCaptured(why);
  const startIndex = thrown ?? Math.max(0, execution.length - 1);
  const session = new DebugSession(execution, { ...opts, startIndex, values, requestLanes: true });
  const stop = execution.length > 0 ? { ...session.view(session.cursor.goto(startIndex)), reason: 'start' as const } : undefined;
  return {
    session,
    start: {
      source: 'recording',
      run: { workflowId: m.id, runId: `pid ${m.pid}`, workflowType: m.command.join(' ') },
      status: m.reason,
      historyEvents: 0,
      traceEvents: execution.length,
      notes,
      ...(stop ? { stop } : {}),
      ...(m.error ? { failure: m.error } : {}),
    },
  };
}

/**
 * Where the error that killed the process was thrown: a trace that ends with an exception leaving
 * frame after frame ends with their Throw events, innermost first (an async function's rejection
 * resumes the frame awaiting it, a Resume, before that one's Throw); the statement before the
 * innermost Throw, in its frame, threw (a debugger stops there on an uncaught exception, with the
 * whole stack of the throw). Undefined when the trace does not end with a Throw.
 */
function throwingStatement(execution: Execution): number | undefined {
  let i = execution.length - 1;
  if (i < 0 || execution.kind(i) !== EventKind.Throw) return undefined;
  let innermost = i;
  for (; i > 0 && (execution.kind(i - 1) === EventKind.Throw || execution.kind(i - 1) === EventKind.Resume); i--) {
    if (execution.kind(i - 1) === EventKind.Throw) innermost = i - 1;
  }
  const before = innermost - 1;
  return before >= 0 && execution.kind(before) === EventKind.Statement && execution.frame(before) === execution.frame(innermost) ? before : innermost;
}
