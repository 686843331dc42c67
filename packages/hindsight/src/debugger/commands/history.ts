import { toMillis } from '../../common/duration.js';
import { plural } from '../../common/words.js';
import type { RecordedEvent, StepCompleted, StepFailed } from '../../history/index.js';
import type { TimelineEntry } from '../../replay/index.js';
import { EventKind, type Execution } from '../../trace/index.js';
import type { DebugSession } from '../session.js';
import { DebugError, type HistoryLine, type HistoryNote, type ResultBody } from '../types.js';
import type { InfoTopic } from './spec.js';

/**
 * The run's history on the debugger's timeline: `info history`, the history forms of `goto`
 * (`#id`, `step <name> [n]`, `time <t>`) and the notes on stops where the code awaits or has just
 * received a step's result. Steps' code is not replayed (it is volatile: network, disk), so these
 * recorded results are all the debugger can show of a step; it says so plainly.
 */

type StepResult = RecordedEvent<StepCompleted> | RecordedEvent<StepFailed>;

const isStepResult = (e: RecordedEvent): e is StepResult => e.type === 'StepCompleted' || e.type === 'StepFailed';

/** Which history event the code reached at which trace event; built once per session. */
export class HistoryTimeline {
  readonly events: readonly RecordedEvent[];
  /** History id -> trace index. */
  readonly #indexOf = new Map<number, number>();
  /** Trace index -> the step results delivered there (several when one await waits for several steps). */
  readonly #stepResultsAt = new Map<number, StepResult[]>();

  constructor(history: readonly RecordedEvent[] = [], entries: readonly TimelineEntry[] = []) {
    this.events = history;
    const byId = new Map(history.map((e) => [e.id, e]));
    for (const { historyId, index } of entries) {
      this.#indexOf.set(historyId, index);
      const e = byId.get(historyId);
      if (e && isStepResult(e)) this.#stepResultsAt.set(index, [...(this.#stepResultsAt.get(index) ?? []), e]);
    }
  }

  /** The trace event where the code reached history event `id`; undefined when it never does. */
  indexOf(id: number): number | undefined {
    return this.#indexOf.get(id);
  }

  /** The ids of the history events that recorded the results of step `name`, in order. */
  stepResults(name: string): number[] {
    return this.events.filter((e) => isStepResult(e) && e.name === name).map((e) => e.id);
  }

  stepResultsAt(index: number): readonly StepResult[] {
    return this.#stepResultsAt.get(index) ?? [];
  }

  /** When the run started (its WorkflowStarted), in wall-clock ms: `goto time +t` counts from here. */
  get startedAt(): number {
    return this.events[0]?.ts ?? 0;
  }
}

export const historyTopics: readonly InfoTopic[] = [
  { names: ['history', 'hist'], help: 'the history events and where in the trace the code reached each', run: (s) => ({ result: infoHistory(s) }) },
];

export const GOTO_USAGE = 'goto <index | #id | step <name> [n] | time <t>>';

/** The trace index a `goto` argument names. */
export function gotoTarget(s: DebugSession, arg: string): number {
  const words = arg.split(/\s+/);
  if (/^\d+$/.test(arg)) return eventIndex(s, Number(arg));
  if (/^#\d+$/.test(arg)) return reachedIndex(s, Number(arg.slice(1)));
  if (words[0] === 'step' && words.length >= 2 && words.length <= 3) return stepIndex(s, words[1]!, words[2]);
  if (words[0] === 'time' && words.length === 2) return timeIndex(s, words[1]!);
  throw new DebugError('HS_E_DEBUG_USAGE', `goto takes an event index (0 to ${s.cursor.execution.length - 1}), #<history id>, step <name> [n] or time <ISO time | +1.5s>; got '${arg}'`);
}

function eventIndex(s: DebugSession, i: number): number {
  const total = s.cursor.execution.length;
  if (i >= total) throw new DebugError('HS_E_DEBUG_USAGE', `event ${i} is past the end of the trace; events are 0 to ${total - 1}`);
  return i;
}

/** Where the code reached history event `id`; a clear error when there is no such event or the code never reached it. */
function reachedIndex(s: DebugSession, id: number): number {
  const events = s.timeline.events;
  const e = events.find((x) => x.id === id);
  if (!e) {
    const range = events.length ? `the history has #${events[0]!.id} to #${events[events.length - 1]!.id}` : 'this session has no history';
    throw new DebugError('HS_E_DEBUG_NO_EVENT', `no history event #${id}; ${range} (\`info history\` lists them)`);
  }
  const index = s.timeline.indexOf(id);
  if (index === undefined) {
    const why = e.type === 'WorkerAttached' ? 'it records which worker took the run, and replay skips it' : 'the trace ends before it';
    throw new DebugError('HS_E_DEBUG_NO_EVENT', `the code never reaches history event #${id} (${e.type}): ${why}`);
  }
  return index;
}

/** Where the n-th result (1-based) of step `name` reached the code. */
function stepIndex(s: DebugSession, name: string, nth: string | undefined): number {
  if (nth !== undefined && !/^[1-9]\d*$/.test(nth)) throw new DebugError('HS_E_DEBUG_USAGE', `goto step ${name} [n] counts results from 1; got '${nth}'`);
  const results = s.timeline.events.filter((e): e is StepResult => isStepResult(e) && e.name === name);
  if (results.length === 0) {
    const names = [...new Set(s.timeline.events.filter(isStepResult).map((e) => e.name))];
    throw new DebugError('HS_E_DEBUG_NO_EVENT', `no result of a step '${name}' in the history; steps with results: ${names.join(', ') || 'none'}`);
  }
  const n = nth === undefined ? 1 : Number(nth);
  if (n > results.length) {
    throw new DebugError('HS_E_DEBUG_NO_EVENT', `step '${name}' has ${plural(results.length, 'result')} in the history; goto step ${name} 1 to ${results.length}`);
  }
  return reachedIndex(s, results[n - 1]!.id);
}

/** Where the code reached the first history event recorded at or after the time `text` names. */
function timeIndex(s: DebugSession, text: string): number {
  const t = s.timeline;
  if (t.events.length === 0) return traceTimeIndex(s, text);
  const at = text.startsWith('+') ? t.startedAt + offsetMillis(text) : isoMillis(text);
  const e = t.events.find((x) => x.ts >= at && t.indexOf(x.id) !== undefined);
  if (!e) {
    const last = t.events[t.events.length - 1];
    const span = last ? `the run's events are from ${iso(t.startedAt)} (+0ms) to ${iso(last.ts)} (${formatOffset(last.ts - t.startedAt)})` : 'this session has no history';
    throw new DebugError('HS_E_DEBUG_NO_EVENT', `no history event the code reached at or after ${iso(at)} (${formatOffset(at - t.startedAt)}); ${span}`);
  }
  return t.indexOf(e.id)!;
}

/**
 * The first event at or after `+<duration>` in a session without history (a flight recording),
 * on the trace's own clock: from the recording's start, as `info threads` gives times.
 */
function traceTimeIndex(s: DebugSession, text: string): number {
  const ex = s.cursor.execution;
  const us = (ms: number) => formatOffset(Math.round(ms * 1000) / 1000);
  const span = `its events run from ${us(ex.time(0))} to ${us(ex.time(ex.length - 1))}`;
  if (!text.startsWith('+')) throw new DebugError('HS_E_DEBUG_USAGE', `this session has no history: goto time takes +<duration> from the recording's start, like +1.5s; ${span}`);
  const at = offsetMillis(text);
  // a ring that wrapped starts later than the program: the time asked for may be before it
  if (ex.partial && at < ex.time(0)) throw new DebugError('HS_E_DEBUG_NO_EVENT', `no event at ${us(at)}: the trace starts later (the ring overwrote what came before); ${span}`);
  // times never decrease along the trace
  let lo = 0;
  let hi = ex.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ex.time(mid) < at) lo = mid + 1;
    else hi = mid;
  }
  if (lo === ex.length) throw new DebugError('HS_E_DEBUG_NO_EVENT', `no event at or after ${us(at)}; ${span}`);
  return lo;
}

function offsetMillis(text: string): number {
  try {
    return toMillis(text.slice(1));
  } catch {
    throw new DebugError('HS_E_DEBUG_USAGE', `goto time +<duration> counts from the run's start, like +1.5s or +250ms; got '${text}'`);
  }
}

function isoMillis(text: string): number {
  const t = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(t)) throw new DebugError('HS_E_DEBUG_USAGE', `goto time takes an ISO time (2026-01-01T10:00:01.5Z) or +<duration> from the run's start (+1.5s); got '${text}'`);
  return t;
}

function infoHistory(s: DebugSession): ResultBody {
  const t = s.timeline;
  const cursor = s.cursor.index;
  const events = t.events.map((e): HistoryLine => {
    const index = t.indexOf(e.id) ?? null;
    const at = index === null ? 'unreached' : index < cursor ? 'before' : index === cursor ? 'cursor' : 'after';
    const name = nameOf(e);
    return { id: e.id, type: e.type, ...(name !== undefined ? { name } : {}), summary: summary(e), offset: e.ts - t.startedAt, index, at };
  });
  return { kind: 'history', cursor, events };
}

function nameOf(e: RecordedEvent): string | undefined {
  switch (e.type) {
    case 'StepCompleted':
    case 'StepFailed':
    case 'StepStarted':
    case 'StepRetrying':
    case 'SignalReceived':
      return e.name;
    case 'WorkflowStarted':
    case 'ChildStarted':
      return e.workflowType;
    case 'PatchMarker':
      return e.patchId;
    default:
      return undefined;
  }
}

/** Input, result or error in a few words. */
function summary(e: RecordedEvent): string {
  switch (e.type) {
    case 'WorkflowStarted':
      return `input ${preview(e.input)}`;
    case 'WorkerAttached':
      return `worker ${e.workerId}`;
    case 'StepCompleted':
      return `${preview(e.args)} -> ${preview(e.result)}`;
    case 'StepFailed':
      return `${preview(e.args)} -> ${e.error.name}: ${e.error.message}`;
    case 'StepStarted':
      return `attempt ${e.attempt}`;
    case 'StepRetrying':
      return `attempt ${e.attempt} failed: ${e.error.name}: ${e.error.message}`;
    case 'TimerStarted':
      return `seq ${e.seq}, ${e.duration}ms`;
    case 'TimerFired':
    case 'TimerCancelled':
      return `seq ${e.seq}`;
    case 'SignalReceived':
      return preview(e.payload);
    case 'ChildStarted':
      return e.workflowId;
    case 'ChildCompleted':
    case 'WorkflowCompleted':
      return `-> ${preview(e.result)}`;
    case 'ChildFailed':
    case 'WorkflowFailed':
      return `${e.error.name}: ${e.error.message}`;
    case 'PatchMarker':
      return `seq ${e.seq}`;
    case 'CancelRequested':
    case 'WorkflowCancelled':
    case 'WorkflowTerminated':
      return e.reason;
    case 'WorkflowContinuedAsNew':
      return `input ${preview(e.input)}`;
  }
}

/**
 * The step results to tell at a stop on trace event i: the ones the statement there awaits
 * (delivered at the resume that ends its await), else the ones the code has just received.
 */
export function historyNotes(s: DebugSession, i: number): HistoryNote[] {
  const ex = s.execution;
  if (!ex || i < 0 || i >= ex.length) return [];
  const awaited = awaitedResults(ex, s.timeline, i);
  if (awaited.length > 0) return awaited.map((e) => note(e, 'awaits'));
  return receivedResults(ex, s.timeline, i).map((e) => note(e, 'received'));
}

/** At a statement (or its suspend): the results delivered where the frame resumes from its next await, before its next statement. */
function awaitedResults(ex: Execution, t: HistoryTimeline, i: number): readonly StepResult[] {
  if (ex.kinds[i] !== EventKind.Statement && ex.kinds[i] !== EventKind.Suspend) return [];
  const f = ex.frames[i]!;
  for (let j = ex.nextInFrame(f, i); j !== -1; j = ex.nextInFrame(f, j)) {
    const k = ex.kinds[j];
    if (k === EventKind.Resume) return t.stepResultsAt(j);
    if (k !== EventKind.Suspend && k !== EventKind.Branch) return [];
  }
  return [];
}

/** Results delivered at i itself, or at the resume just before the frame's statement at i. */
function receivedResults(ex: Execution, t: HistoryTimeline, i: number): readonly StepResult[] {
  const here = t.stepResultsAt(i);
  if (here.length > 0 || ex.kinds[i] !== EventKind.Statement) return here;
  const f = ex.frames[i]!;
  for (let j = ex.previousInFrame(f, i); j !== -1; j = ex.previousInFrame(f, j)) {
    const k = ex.kinds[j];
    if (k === EventKind.Resume) return t.stepResultsAt(j);
    if (k !== EventKind.Branch) return [];
  }
  return [];
}

function note(e: StepResult, at: HistoryNote['at']): HistoryNote {
  const lead = at === 'awaits' ? `awaits step '${e.name}'` : `step '${e.name}' just returned`;
  // Said every time: a user looking for the step's code in the trace will not find it.
  const outcome = e.type === 'StepCompleted' ? `result ${preview(e.result)}` : `error ${e.error.name}: ${e.error.message}`;
  return {
    id: e.id,
    type: e.type,
    name: e.name,
    at,
    input: e.args,
    ...(e.type === 'StepCompleted' ? { result: e.result } : { error: { name: e.error.name, message: e.error.message } }),
    note: `${lead}; steps are not replayed (their code is volatile): recorded input ${preview(e.args)} -> ${outcome} (history #${e.id})`,
  };
}

/** A recorded value in one line: compact JSON, cut with an ellipsis. */
function preview(value: unknown, max = 60): string {
  const text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Milliseconds from the run's start as `goto time` takes them: +250ms, +1.5s. */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const a = Math.abs(ms);
  return a < 1000 ? `${sign}${a}ms` : `${sign}${(a / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
