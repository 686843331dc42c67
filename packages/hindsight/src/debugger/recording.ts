import { decodeRecordingWithArguments, demotion, endedAs, snapshotWhy, type DecodeOptions } from '../recorder/index.js';
import type { Recording } from '../store/index.js';
import { ValuesNotCaptured } from '../trace/index.js';
import { CapturedArguments } from './captured-args.js';
import { EXCEPTION, WithThrownError } from './thrown-error.js';
import { crashPoint } from './throws.js';
import { DebugSession, type SessionOptions } from './session.js';
import { demotedCalls } from './types.js';
import type { SessionStart } from './start.js';

/**
 * A session over a flight recording: the same debugger as for workflow runs, over the control flow
 * the ring kept. The cursor starts where the process died: at the statement that threw the error
 * that killed it, or at the last event. Values are not in a recording but for the arguments asked
 * for (`--capture-args`) and that error (`$exception`); the session says so rather than guessing. Listings come from the code bundle
 * (`opts.bundle`): the code as it ran, whatever the checkout holds now.
 */
export function startRecordingSession(recording: Recording, opts: Pick<SessionOptions, 'bundle'> & Pick<DecodeOptions, 'progress'> = {}): { session: DebugSession; start: SessionStart } {
  const m = recording.meta;
  const { execution, args, located } = decodeRecordingWithArguments(recording, { locate: (m.demoted ?? []).map((d) => d.fromEvent), progress: opts.progress });
  const demoted = (m.demoted ?? []).map((d) => ({ ...d, from: located.get(d.fromEvent) ?? -1 }));
  const notes: string[] = [];
  const crash = m.error ? crashPoint(execution) : undefined;
  // a worker thread's own ring is a recording of its own, archived with the process's
  const who = m.part?.kind === 'worker thread' ? `worker thread ${m.part.id}` : 'the process';
  if (m.error) notes.push(`${who} died of ${m.error.name}: ${m.error.message}; the cursor is at ${crash ? `the statement that threw it (\`print ${EXCEPTION}\`)` : 'its last event'}, go back with the reverse commands`);
  else if (m.trigger === 'snapshot') notes.push(`a snapshot of the process, which went on running (${snapshotWhy(m.reason)}); the cursor is at its last event`);
  else notes.push(`the process ${endedAs(m.reason)}; the cursor is at its last event`);
  for (const d of demoted) {
    notes.push(demotion(d, demotedCalls(d.from)));
  }
  if (m.wrapped) notes.push('the ring wrapped: older events were overwritten, so the trace starts in the middle of the program (frames whose calls were lost are marked)');
  const why = `values are not captured in flight recordings (control flow only): record with --capture-args <function> to keep a function's arguments; the error that ended the process is in \`hindsight trace show ${m.id}\``;
  const captured = recording.modules.some((mod) => mod.sites.some((site) => site.params !== undefined));
  const recorded = captured ? new CapturedArguments(execution, args, why) : new ValuesNotCaptured(why);
  const values = crash && m.error ? new WithThrownError(recorded, execution, crash, m.error) : recorded;
  const startIndex = crash?.index ?? Math.max(0, execution.length - 1);
  const session = new DebugSession(execution, { bundle: opts.bundle, startIndex, values, requestLanes: true, demoted });
  const stop = execution.length > 0 ? { ...session.view(session.cursor.goto(startIndex)), reason: 'start' as const } : undefined;
  return {
    session,
    start: {
      source: 'recording',
      run: { workflowId: m.id, runId: `pid ${m.pid}`, workflowType: m.command.join(' ') },
      // a crash, however it left the process (an uncaught error exits with code 1): the notes say of what
      status: m.error ? 'crashed' : m.reason,
      historyEvents: 0,
      traceEvents: execution.length,
      recordedEvents: m.events,
      notes,
      ...(stop ? { stop } : {}),
      ...(m.error ? { failure: m.error } : {}),
    },
  };
}
