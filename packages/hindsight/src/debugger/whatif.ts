import type { ReplayResult } from '../engine/replay.js';
import { CLOSING_EVENTS, type RecordedEvent } from '../history/index.js';
import type { Execution } from '../trace/index.js';
import { commandBeyondHistory, divergenceView, placeAt } from './divergence.js';
import type { DifferenceSide, RunOutcome, WhatIfView } from './types.js';

/**
 * What-if: the same run with a recorded step result or signal payload changed. The history is copied
 * and the copy changed (the store is never touched), then replayed: replay runs no step code and has
 * no side effects, so asking costs nothing but the replay. The copy has no closing event, so the code
 * decides how the what-if ends (with its own value or error) instead of being held to the recorded end.
 */

/** One recorded value replaced: the `#nth` result of a step, or payload of a signal, of that name. */
export interface Override {
  readonly kind: 'step' | 'signal';
  readonly name: string;
  /** 1-based, counted over the run's finished attempts of that step (or receptions of that signal). */
  readonly nth: number;
  readonly value: unknown;
  /** The history event it replaces. */
  readonly eventId: number;
}

/** The events an override may replace, in history order: a step's final results, a signal's receptions. */
export function candidates(history: readonly RecordedEvent[], kind: Override['kind'], name: string): RecordedEvent[] {
  return history.filter((e) =>
    kind === 'step' ? (e.type === 'StepCompleted' || e.type === 'StepFailed') && e.name === name : e.type === 'SignalReceived' && e.name === name,
  );
}

/** Names that have events to override, for the error that says what exists. */
export function overridableNames(history: readonly RecordedEvent[], kind: Override['kind']): string[] {
  const names = new Set<string>();
  for (const e of history) {
    if (kind === 'step' && (e.type === 'StepCompleted' || e.type === 'StepFailed')) names.add(e.name);
    if (kind === 'signal' && e.type === 'SignalReceived') names.add(e.name);
  }
  return [...names];
}

/** The what-if history: a copy with the overrides applied and the closing event left out. */
export function whatIfHistory(history: readonly RecordedEvent[], overrides: readonly Override[]): RecordedEvent[] {
  const byId = new Map(overrides.map((o) => [o.eventId, o]));
  const out: RecordedEvent[] = [];
  for (const e of history) {
    if (CLOSING_EVENTS.has(e.type)) continue;
    const copy = structuredClone(e);
    const o = byId.get(e.id);
    out.push(o ? overridden(copy, o.value) : copy);
  }
  return out;
}

function overridden(e: RecordedEvent, value: unknown): RecordedEvent {
  if (e.type === 'SignalReceived') return { ...e, payload: value };
  if (e.type === 'StepCompleted') return { ...e, result: value };
  if (e.type === 'StepFailed') {
    // "What if it had succeeded": the failure becomes a completion with the given result.
    const { id, ts, seq, name, args, attempts } = e;
    return { type: 'StepCompleted', id, ts, seq, name, args, result: value, attempts };
  }
  return e;
}

/** How the recorded run ended: its closing event, or still waiting at the end of its trace. */
export function recordedOutcome(history: readonly RecordedEvent[], execution: Execution): RunOutcome {
  const closing = history.find((e) => CLOSING_EVENTS.has(e.type));
  return closing ? closingOutcome(closing) : { status: 'waiting', place: placeAt(execution, Math.max(0, execution.length - 1)) };
}

/** How the what-if ends: the closing event its code records, or the first thing it asks for that the history does not have. */
export function whatIfOutcome(replay: ReplayResult, history: readonly RecordedEvent[], execution: Execution): RunOutcome {
  const closing = replay.wouldRecord.find((e) => CLOSING_EVENTS.has(e.type));
  if (closing) return closingOutcome(closing);
  const divergence = divergenceView(replay, history, execution);
  if (divergence) return { status: 'diverged', divergence };
  const step = replay.wouldRun[0];
  if (step) return { status: 'diverged', divergence: commandBeyondHistory('step', `step '${step.name}'`, execution, step.name) };
  const started = replay.wouldRecord.find((e) => e.type === 'TimerStarted' || e.type === 'ChildStarted');
  if (started?.type === 'TimerStarted') return { status: 'diverged', divergence: commandBeyondHistory('timer', `a timer of ${started.duration}ms`, execution) };
  if (started?.type === 'ChildStarted') return { status: 'diverged', divergence: commandBeyondHistory('child', `child workflow '${started.workflowType}'`, execution) };
  // Waiting for a signal the history does not hold: nothing is issued, the code just stops there.
  return { status: 'waiting', place: placeAt(execution, Math.max(0, execution.length - 1)) };
}

function closingOutcome(e: RecordedEvent): RunOutcome {
  switch (e.type) {
    case 'WorkflowCompleted':
      return { status: 'completed', value: e.result };
    case 'WorkflowFailed':
      return { status: 'failed', error: `${e.error.name}: ${e.error.message}` };
    case 'WorkflowCancelled':
      return { status: 'cancelled', detail: e.reason };
    case 'WorkflowTerminated':
      return { status: 'terminated', detail: e.reason };
    case 'WorkflowContinuedAsNew':
      return { status: 'continued-as-new', detail: `as run ${e.nextRunId}` };
    default:
      return { status: 'waiting', place: { index: 0, file: null, line: null, function: null } };
  }
}

/** The first trace event where two executions of one run part: another site or event kind, or one ends. */
export function firstDifference(recorded: Execution, whatIf: Execution): WhatIfView['firstDifference'] {
  const n = Math.min(recorded.length, whatIf.length);
  let i = 0;
  while (i < n && sameEvent(recorded, whatIf, i)) i++;
  if (i === n && recorded.length === whatIf.length) return null;
  return { recorded: side(recorded, i), whatIf: side(whatIf, i) };
}

function side(execution: Execution, index: number): DifferenceSide | null {
  if (index >= execution.length) return null;
  let next = index + 1;
  while (next < execution.length && execution.siteOf(next)?.kind !== 'statement') next++;
  return { ...placeAt(execution, index), next: next < execution.length ? placeAt(execution, next) : null };
}

/** Site ids are per recording, so sites are compared by what they are. */
function sameEvent(a: Execution, b: Execution, i: number): boolean {
  if (a.kinds[i] !== b.kinds[i]) return false;
  const x = a.siteOf(i);
  const y = b.siteOf(i);
  return x?.file === y?.file && x?.line === y?.line && x?.column === y?.column && x?.kind === y?.kind;
}
