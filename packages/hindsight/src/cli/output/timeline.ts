import type { FailureInfo, RecordedEvent } from '../../history/index.js';
import { STATUS_OF_CLOSING } from './style.js';
import { formatDuration } from './time.js';
import { failureLine, plural, preview } from './values.js';

export type TimelineKind = 'start' | 'worker' | 'step' | 'timer' | 'signal' | 'child' | 'patch' | 'cancel' | 'end';
export type TimelineState = 'ok' | 'failed' | 'pending' | 'cancelled' | 'info';

/**
 * One thing that happened in a run, folded from the events that make it up:
 * a step is one entry whatever its retries, a timer one entry from start to fire.
 */
export interface TimelineEntry {
  kind: TimelineKind;
  /** Step, signal, child workflow type, worker id, patch id, or the closing status. */
  name: string;
  state: TimelineState;
  /** The first event of the entry, and its offset from the start of the run. */
  eventId: number;
  offsetMs: number;
  /** Every event folded into this entry. */
  events: number[];
  seq?: number;
  attempts?: number;
  result?: unknown;
  error?: FailureInfo;
  /** Attempt errors of a step that was retried. */
  retries?: { attempt: number; error: FailureInfo }[];
  summary: string;
}

/** Immutable once built; O(n) in the history length. */
export function buildTimeline(events: RecordedEvent[]): TimelineEntry[] {
  const t0 = events[0]?.ts ?? 0;
  const entries: TimelineEntry[] = [];
  const bySeq = new Map<number, TimelineEntry>();
  const open = (e: RecordedEvent, kind: TimelineKind, name: string, state: TimelineState, summary: string): TimelineEntry => {
    const entry: TimelineEntry = { kind, name, state, eventId: e.id, offsetMs: e.ts - t0, events: [e.id], summary };
    entries.push(entry);
    return entry;
  };
  const bySeqOr = (e: RecordedEvent & { seq: number }, make: () => TimelineEntry): TimelineEntry => {
    let entry = bySeq.get(e.seq);
    if (entry) entry.events.push(e.id);
    else {
      entry = make();
      entry.seq = e.seq;
      bySeq.set(e.seq, entry);
    }
    return entry;
  };

  for (const e of events) {
    switch (e.type) {
      case 'WorkflowStarted': {
        const from = e.forkedFrom ? `, forked from run ${e.forkedFrom.runId} at event ${e.forkedFrom.eventId}` : '';
        open(e, 'start', e.workflowType, 'info', `input ${preview(e.input) || '(none)'}${from}`);
        break;
      }
      case 'WorkerAttached':
        open(e, 'worker', e.workerId, 'info', `attached with code ${e.code.hash}`);
        break;
      case 'StepStarted': {
        const s = bySeqOr(e, () => open(e, 'step', e.name, 'pending', ''));
        s.attempts = e.attempt;
        s.summary = `attempt ${e.attempt} running`;
        break;
      }
      case 'StepRetrying': {
        const s = bySeqOr(e, () => open(e, 'step', e.name, 'pending', ''));
        s.retries = [...(s.retries ?? []), { attempt: e.attempt, error: e.error }];
        s.attempts = e.attempt;
        s.summary = `attempt ${e.attempt} failed (${failureLine(e.error)}), retrying`;
        break;
      }
      case 'StepCompleted': {
        const s = bySeqOr(e, () => open(e, 'step', e.name, 'ok', ''));
        Object.assign(s, { state: 'ok', attempts: e.attempts, result: e.result });
        s.summary = `${attemptsText(e.attempts)}-> ${preview(e.result) || 'undefined'}`;
        break;
      }
      case 'StepFailed': {
        const s = bySeqOr(e, () => open(e, 'step', e.name, 'failed', ''));
        Object.assign(s, { state: 'failed', attempts: e.attempts, error: e.error });
        s.summary = `${attemptsText(e.attempts)}failed: ${failureLine(e.error)}`;
        break;
      }
      case 'TimerStarted':
        bySeqOr(e, () => open(e, 'timer', formatDuration(e.duration), 'pending', `fires at +${formatDuration(e.fireAt - t0)}`));
        break;
      case 'TimerFired':
      case 'TimerCancelled': {
        const s = bySeqOr(e, () => open(e, 'timer', '?', 'info', ''));
        s.state = e.type === 'TimerFired' ? 'ok' : 'cancelled';
        s.summary = `${e.type === 'TimerFired' ? 'fired' : 'cancelled'} at +${formatDuration(e.ts - t0)}`;
        break;
      }
      case 'SignalReceived':
        open(e, 'signal', e.name, 'info', `payload ${preview(e.payload) || '(none)'}`);
        break;
      case 'ChildStarted':
        bySeqOr(e, () => open(e, 'child', e.workflowType, 'pending', `${e.workflowId} running`));
        break;
      case 'ChildCompleted': {
        const s = bySeqOr(e, () => open(e, 'child', '?', 'ok', ''));
        Object.assign(s, { state: 'ok', result: e.result });
        s.summary = `${s.summary.replace(/ running$/, '')} -> ${preview(e.result) || 'undefined'}`;
        break;
      }
      case 'ChildFailed': {
        const s = bySeqOr(e, () => open(e, 'child', '?', 'failed', ''));
        Object.assign(s, { state: 'failed', error: e.error });
        s.summary = `${s.summary.replace(/ running$/, '')} failed: ${failureLine(e.error)}`;
        break;
      }
      case 'PatchMarker':
        bySeqOr(e, () => open(e, 'patch', e.patchId, 'info', 'new code path taken'));
        break;
      case 'CancelRequested':
        open(e, 'cancel', 'requested', 'cancelled', e.reason);
        break;
      case 'WorkflowCompleted':
        Object.assign(open(e, 'end', STATUS_OF_CLOSING[e.type]!, 'ok', `-> ${preview(e.result) || 'undefined'}`), { result: e.result });
        break;
      case 'WorkflowFailed':
        Object.assign(open(e, 'end', STATUS_OF_CLOSING[e.type]!, 'failed', failureLine(e.error)), { error: e.error });
        break;
      case 'WorkflowCancelled':
      case 'WorkflowTerminated':
        open(e, 'end', STATUS_OF_CLOSING[e.type]!, 'cancelled', e.reason);
        break;
      case 'WorkflowContinuedAsNew':
        open(e, 'end', STATUS_OF_CLOSING[e.type]!, 'info', `next run ${e.nextRunId}`);
        break;
    }
  }
  return entries;
}

function attemptsText(attempts: number): string {
  return attempts > 1 ? `${plural(attempts, 'attempt')} ` : '';
}
