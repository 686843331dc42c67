import type { ChildStarted, FailureInfo, HistoryEvent, RecordedEvent } from '../history/index.js';
import type { StepDefinition } from '../workflow/define.js';

/** What the machine asks its host (a worker, or a side-effect-free replayer) to do. */
export type Output =
  | { type: 'step'; seq: number; step: StepDefinition<any[], any>; args: unknown[]; attempt: number; scheduledAt: number; startAt: number; lastError?: FailureInfo; lostAttempt?: number }
  | { type: 'timer'; seq: number; fireAt: number }
  | { type: 'cancel-timer'; seq: number }
  | { type: 'start-child'; event: RecordedEvent<ChildStarted>; input: unknown; taskQueue: string }
  | { type: 'abort-steps'; seqs: number[]; reason: string }
  | { type: 'cancel-children'; runIds: string[]; reason: string };

/** Thrown by `ctx.continueAsNew()`; caught by the machine, never seen by users. */
export class ContinueAsNew {
  constructor(readonly input: unknown) {}
}

/** Events that answer the code (and so get an activation); the others are records the code's commands are checked against. */
const DELIVERABLE = new Set<HistoryEvent['type']>([
  'StepCompleted',
  'StepFailed',
  'TimerFired',
  'SignalReceived',
  'ChildCompleted',
  'ChildFailed',
  'CancelRequested',
]);
export const isDeliverable = (e: HistoryEvent): boolean => DELIVERABLE.has(e.type);
