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
  const { workflows } = await loadInstrumented(workflowsModulePath);
  const runtime = probeRuntime();
  const builder = new ExecutionBuilder(new SiteTable(runtime.sites), { ticksPerUnit: 1 });
  let clock = 0;
  runtime.reset({ event: (kind: EventKind, site: number, activation: number) => void builder.append(kind, site, activation, clock++) });
  let replay: ReplayResult;
  try {
    replay = await replayHistory(history, workflows);
  } finally {
    runtime.reset(undefined);
  }
  return { execution: builder.build(), replay };
}
