/** A workflow run recorded by a real worker, then replayed instrumented: what the replay tests start from. */
import assert from 'node:assert/strict';
import { loadWorkflows, replayHistory, type ReplayResult } from '../../src/engine/index.js';
import type { RecordedEvent } from '../../src/history/index.js';
import { recordExecution } from '../../src/replay/index.js';
import type { Execution } from '../../src/trace/index.js';
import type { WorkflowDefinition } from '../../src/workflow/index.js';
import { Harness } from '../engine/harness.js';

export interface RecordedRun {
  readonly history: RecordedEvent[];
  readonly execution: Execution;
  readonly replay: ReplayResult;
}

/** Runs `workflow` on a worker, checks its result, and replays its history instrumented from `modulePath`. */
export async function recordRun(workflow: WorkflowDefinition, args: unknown[], workflowId: string, result: unknown, modulePath: string): Promise<RecordedRun> {
  const h = await Harness.open();
  let history: RecordedEvent[];
  try {
    h.worker([workflow]);
    const handle = await h.client.start(workflow, args, { workflowId });
    assert.deepEqual(await handle.result(), result);
    history = await h.history(workflowId);
  } finally {
    await h.close();
  }
  return { history, ...(await recordExecution(history, modulePath)) };
}

const plain = (r: ReplayResult) => ({ ok: r.ok, events: r.events, wouldRecord: r.wouldRecord.length, divergence: r.divergence?.message });

/** The instrumented replay ends as the plain replay of the same code does. */
export async function assertReplaysAsPlain(run: RecordedRun, modulePath: string): Promise<void> {
  const { workflows } = await loadWorkflows(modulePath);
  const expected = await replayHistory(run.history, workflows);
  assert.equal(run.replay.ok, true);
  assert.deepEqual(plain(run.replay), plain(expected));
}
