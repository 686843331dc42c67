import type { HistoryEvent, RecordedEvent } from '../history/index.js';
import { DeterminismViolationError, NonDeterminismError } from '../workflow/errors.js';
import { callerLocation } from './determinism.js';

/** The code no longer does what its history says: the report names the event, the command and the line. */
export function divergence(run: { workflowType: string; workflowId: string }, event: RecordedEvent, actual: string): NonDeterminismError {
  const expected = describeEvent(event);
  // Found while the code issues a command: the stack holds the line that issued it.
  const location = callerLocation();
  return new NonDeterminismError(
    `non-determinism in ${run.workflowType} ${run.workflowId}: history event #${event.id} is ${expected}, ` +
      `but the code issued ${actual}${location ? ` at ${location}` : ''}; guard the change with ctx.patched(), or fork the run from before it`,
    { eventId: event.id, expected, actual, ...(location ? { location } : {}) },
  );
}

export function outsideActivation(what: string): DeterminismViolationError {
  return new DeterminismViolationError(
    `${what} outside of an activation`,
    'workflow code awaited something that is not a workflow operation (I/O, a real timer, a foreign promise); move it into a step',
  );
}

export function describeEvent(e: HistoryEvent): string {
  switch (e.type) {
    case 'StepCompleted':
    case 'StepFailed':
    case 'StepStarted':
    case 'StepRetrying':
      return `${e.type} of step '${e.name}' (seq ${e.seq})`;
    case 'ChildStarted':
      return `ChildStarted of '${e.workflowType}' (seq ${e.seq})`;
    case 'PatchMarker':
      return `PatchMarker '${e.patchId}' (seq ${e.seq})`;
    case 'TimerStarted':
    case 'TimerFired':
    case 'TimerCancelled':
      return `${e.type} (seq ${e.seq})`;
    case 'SignalReceived':
      return `SignalReceived '${e.name}'`;
    default:
      return e.type;
  }
}
