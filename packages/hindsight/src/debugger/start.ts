import { HindsightError } from '../common/errors.js';
import { CLOSING_EVENTS, type RecordedEvent } from '../history/index.js';
import { recordExecution, ReplayValues } from '../replay/index.js';
import { divergenceView } from './divergence.js';
import { codeMismatchNote } from './fingerprint.js';
import { DebugSession, type SessionOptions } from './session.js';
import type { DivergenceView, StopView } from './types.js';

/** The run being debugged, as the store or the export file describes it. */
export interface RunInfo {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
}

/** What a front end shows when a session opens. */
export interface SessionStart {
  /** A workflow run (the default), or a flight recording (run names the recording and its process). */
  readonly source?: 'workflow' | 'recording';
  readonly run: RunInfo;
  /** A run's: completed, failed, cancelled, terminated, continued-as-new, open. A recording's: crashed, or how its process ended (`exited with code 2`, `killed by SIGTERM`). */
  readonly status: string;
  readonly historyEvents: number;
  /** Events in the trace (0 when there is nothing to debug). */
  readonly traceEvents: number;
  /**
   * A recording's: the events its ring held (`trace list` counts these). Fewer than the trace's:
   * the decoder puts back the statements the recorder does not report.
   */
  readonly recordedEvents?: number;
  /** Things the user must know before stepping: a failure, a divergence, an open run, no trace. */
  readonly notes: readonly string[];
  /** Where the cursor starts; absent when there is nothing to debug. */
  readonly stop?: StopView;
  /** Where the code stops following the history, both sides (the cursor starts at the code's side). */
  readonly divergence?: DivergenceView;
  /** The error that ended the run or the process; the cursor starts where it was thrown. */
  readonly failure?: Failure;
}

export interface Failure {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

const STATUS: Record<string, string> = {
  WorkflowCompleted: 'completed',
  WorkflowFailed: 'failed',
  WorkflowCancelled: 'cancelled',
  WorkflowTerminated: 'terminated',
  WorkflowContinuedAsNew: 'continued-as-new',
};

/**
 * Replays a history with instrumentation and opens a session on its Execution. The cursor starts at
 * the first event, or at the last one when the run failed (reverse commands go back from the failure).
 * A history of a workflow the module does not export gives a session that says so (it still answers
 * help and quit); other problems (a module that cannot load) throw HindsightErrors.
 */
export async function startSession(
  history: RecordedEvent[],
  run: RunInfo,
  workflowsModulePath: string,
  opts: Omit<SessionOptions, 'startIndex'> = {},
): Promise<{ session: DebugSession; start: SessionStart }> {
  const closing = history.find((e) => CLOSING_EVENTS.has(e.type));
  const status = closing ? (STATUS[closing.type] ?? closing.type) : 'open';
  const base = { run, status, historyEvents: history.length };
  let recorded;
  // Before the module is imported: divergence reports then name .ts lines, which the trace's sites use.
  process.setSourceMapsEnabled?.(true);
  try {
    recorded = await recordExecution(history, workflowsModulePath);
  } catch (err) {
    if (!HindsightError.is(err, 'HS_E_UNKNOWN_WORKFLOW')) throw err;
    const note = `${err.message}; pass the --workflows module of the code that ran it`;
    return { session: new DebugSession(note, opts), start: { ...base, traceEvents: 0, notes: [note] } };
  }
  const { execution, replay, timeline } = recorded;
  const notes: string[] = [];
  const codeNote = await codeMismatchNote(history, workflowsModulePath);
  if (codeNote) notes.push(codeNote);
  notes.push(...recorded.mapProblems);
  let startIndex = 0;
  const divergence = divergenceView(replay, history, execution);
  // Code that diverges never reaches the recorded failure: the divergence is where the cursor starts.
  if (closing?.type === 'WorkflowFailed' && !divergence) {
    startIndex = Math.max(0, execution.length - 1);
    notes.push(
      `the run failed: ${closing.error.name}: ${closing.error.message}; the cursor is at the failure, ` +
        'go back with reverse-step, reverse-next, reverse-finish or reverse-continue (with breakpoints)',
    );
  }
  if (divergence) {
    startIndex = divergence.code.index;
    notes.push(
      `the code diverges from the history: ${divergence.message}; the trace ends there, ` +
        'the cursor is where the code issued it; `info divergence` shows both sides',
    );
  }
  if (!closing) notes.push('the run is still open; the trace ends where its history ends');
  const values = new ReplayValues(execution, history, workflowsModulePath).warm();
  const session = new DebugSession(execution, {
    ...opts,
    startIndex,
    history,
    timeline,
    values,
    workflowsModulePath,
    ...(divergence ? { divergence } : {}),
  });
  const stop = execution.length > 0 ? session.view(session.cursor.goto(startIndex)) : undefined;
  return {
    session,
    start: {
      ...base,
      traceEvents: execution.length,
      notes,
      ...(stop ? { stop: { ...stop, reason: 'start' as const } } : {}),
      ...(divergence ? { divergence } : {}),
      ...(closing?.type === 'WorkflowFailed' && !divergence ? { failure: closing.error } : {}),
    },
  };
}
