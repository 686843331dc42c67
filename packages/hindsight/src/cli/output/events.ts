import type { RecordedEvent } from '../../history/index.js';
import { formatDuration } from './time.js';
import { failureLine, plural, preview } from './values.js';

/** What one history event says, on one line, for the history table. */
export function eventDetails(e: RecordedEvent, startedAt: number): string {
  switch (e.type) {
    case 'WorkflowStarted': {
      const from = e.forkedFrom
        ? `, forked from run ${e.forkedFrom.runId} at event ${e.forkedFrom.eventId}`
        : e.continuedFrom
          ? `, continued from run ${e.continuedFrom}`
          : e.parent
            ? `, child of ${e.parent.workflowId}`
            : '';
      return `${e.workflowType} ${e.workflowId} on ${e.taskQueue}, input ${preview(e.input) || '(none)'}${from}`;
    }
    case 'WorkerAttached':
      return `worker ${e.workerId}, code ${e.code.hash}`;
    case 'StepCompleted':
      return `seq ${e.seq} ${e.name}(${preview(e.args, 30).replace(/^\[|\]$/g, '')}) -> ${preview(e.result) || 'undefined'}${attemptsNote(e.attempts)}`;
    case 'StepFailed':
      return `seq ${e.seq} ${e.name} gave up${attemptsNote(e.attempts)}: ${failureLine(e.error)}`;
    case 'StepStarted':
      return `seq ${e.seq} ${e.name} attempt ${e.attempt} running`;
    case 'StepRetrying':
      return `seq ${e.seq} ${e.name} attempt ${e.attempt} failed: ${failureLine(e.error)}; retry at +${formatDuration(Math.max(0, e.nextAttemptAt - startedAt))}`;
    case 'TimerStarted':
      return `seq ${e.seq} ${formatDuration(e.duration)}`;
    case 'TimerFired':
    case 'TimerCancelled':
      return `seq ${e.seq}`;
    case 'SignalReceived':
      return `${e.name} ${preview(e.payload)}`.trim();
    case 'ChildStarted':
      return `seq ${e.seq} ${e.workflowType} ${e.workflowId}`;
    case 'ChildCompleted':
      return `seq ${e.seq} -> ${preview(e.result) || 'undefined'}`;
    case 'ChildFailed':
      return `seq ${e.seq} ${failureLine(e.error)}`;
    case 'PatchMarker':
      return `seq ${e.seq} ${e.patchId}`;
    case 'CancelRequested':
    case 'WorkflowCancelled':
    case 'WorkflowTerminated':
      return e.reason;
    case 'WorkflowCompleted':
      return `-> ${preview(e.result) || 'undefined'}`;
    case 'WorkflowFailed':
      return failureLine(e.error);
    case 'WorkflowContinuedAsNew':
      return `next run ${e.nextRunId}, input ${preview(e.input)}`;
    default:
      return unreachable(e);
  }
}

function attemptsNote(attempts: number): string {
  return attempts > 1 ? ` after ${plural(attempts, 'attempt')}` : '';
}

/** The compiler demands a case per event kind; an old CLI reading a newer history still shows something. */
function unreachable(e: never): string {
  return preview(e);
}
