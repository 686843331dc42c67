import { replayHistory, type ReplayResult } from '../engine/replay.js';
import type { RecordedEvent } from '../history/index.js';
import { ExecutionBuilder, SiteTable, type EventKind, type Execution } from '../trace/index.js';
import { loadInstrumented } from './load.js';
import { probeRuntime } from '../instrument/index.js';

export interface RecordedExecution {
  /** Every function enter/exit/throw, statement, await and branch the workflow code went through. */
  execution: Execution;
  /** What the plain replay says of the history (the same as `replayHistory` on the original code). */
  replay: ReplayResult;
  /** Where in the execution the code reached each history event, sorted by index then id (see TimelineEntry). */
  timeline: TimelineEntry[];
  /** Modules whose source map could not serve, and why: their sites name the JavaScript. */
  mapProblems: string[];
}

/**
 * History event `historyId` reached the code at trace event `index`: the first event the code
 * ran after receiving it (a result, a signal), or after issuing the command it records. Events
 * the code never reaches (WorkerAttached, anything past a divergence) have no entry.
 */
export interface TimelineEntry {
  readonly historyId: number;
  readonly index: number;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Replays a history against the instrumented copy of its workflows module, with no side effects,
 * and returns the Execution of the workflow code. Timestamps are a counter (one unit per event):
 * replay time says nothing about the original run's timing. Recordings in one process run one at
 * a time (the replay runtime is process-wide).
 */
export function recordExecution(history: RecordedEvent[], workflowsModulePath: string): Promise<RecordedExecution> {
  const run = queue.then(() => record(history, workflowsModulePath));
  queue = run.catch(() => undefined);
  return run;
}

async function record(history: RecordedEvent[], workflowsModulePath: string): Promise<RecordedExecution> {
  const { workflows, mapProblems } = await loadInstrumented(workflowsModulePath);
  const runtime = probeRuntime();
  const builder = new ExecutionBuilder(new SiteTable(runtime.sites), { ticksPerUnit: 1 });
  let clock = 0;
  runtime.reset({ event: (kind: EventKind, site: number, activation: number) => void builder.append(kind, site, activation, clock++) });
  // History id -> the index the next trace event will have: the first thing the code does with it.
  // Each event is heard once; were one heard again, its first place would stand.
  const reached = new Map<number, number>();
  const onReplayed = (e: RecordedEvent) => {
    if (!reached.has(e.id)) reached.set(e.id, builder.length);
  };
  let replay: ReplayResult;
  try {
    replay = await replayHistory(history, workflows, { onReplayed });
  } finally {
    runtime.reset(undefined);
  }
  const execution = builder.build();
  return { execution, replay, timeline: timeline(reached, execution.length), mapProblems };
}

/** Sorted entries; an event reached after the code's last trace event is placed on that last event. */
function timeline(reached: Map<number, number>, length: number): TimelineEntry[] {
  const last = Math.max(0, length - 1);
  return [...reached]
    .map(([historyId, index]) => ({ historyId, index: Math.min(index, last) }))
    .sort((a, b) => a.index - b.index || a.historyId - b.historyId);
}
