import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '../../src/history/events.js';
import type { ClaimedRun, ClaimRequest, Commit, NewRun, Store } from '../../src/store/index.js';

export const T0 = Date.UTC(2026, 0, 1);

export interface RunSpec {
  runId?: string;
  workflowId?: string;
  workflowType?: string;
  taskQueue?: string;
  input?: unknown;
  parentRunId?: string;
  fingerprint?: string;
}

export function newRun(spec: RunSpec = {}, ts = T0): NewRun {
  const runId = spec.runId ?? randomUUID();
  const workflowId = spec.workflowId ?? `wf-${runId}`;
  const workflowType = spec.workflowType ?? 'order';
  const taskQueue = spec.taskQueue ?? 'default';
  const input = 'input' in spec ? spec.input : { orderId: 42 };
  return {
    runId,
    workflowId,
    workflowType,
    taskQueue,
    input,
    parentRunId: spec.parentRunId,
    fingerprint: spec.fingerprint,
    events: [{ id: 1, ts, type: 'WorkflowStarted', workflowType, workflowId, runId, taskQueue, input }],
  };
}

/** `n` completed steps with ids `from`, `from + 1`, ... */
export function steps(from: number, n: number, ts = T0): RecordedEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    id: from + i,
    ts: ts + i,
    type: 'StepCompleted' as const,
    seq: from + i,
    name: 'charge',
    args: [{ amount: from + i }],
    result: { ok: true, n: from + i },
    attempts: 1,
  }));
}

export const commitOf = (part: Partial<Commit>): Commit => ({
  appends: [],
  newRuns: [],
  consumed: [],
  messages: [],
  releases: [],
  ...part,
});

export const claimReq = (part: Partial<ClaimRequest> = {}): ClaimRequest => ({
  workerId: 'worker-a',
  taskQueues: ['default'],
  workflowTypes: ['order'],
  limit: 10,
  now: T0,
  leaseMs: 30_000,
  fingerprint: 'code-1',
  ...part,
});

/** Claims and returns the claim of one particular run (failing when it was not claimable). */
export async function claim(store: Store, runId: string, part: Partial<ClaimRequest> = {}): Promise<ClaimedRun> {
  const claimed = await store.claimRuns(claimReq({ limit: 1000, ...part }));
  const mine = claimed.find((c) => c.run.runId === runId);
  if (!mine) throw new Error(`run ${runId} was not claimed (claimed: ${claimed.map((c) => c.run.runId).join(', ')})`);
  return mine;
}

/** Starts a run and takes its lease. */
export async function startAndClaim(store: Store, spec: RunSpec = {}, now = T0): Promise<ClaimedRun> {
  const { run } = await store.createRun(newRun(spec, now), now);
  return claim(store, run.runId, { now, workflowTypes: [run.workflowType], taskQueues: [run.taskQueue] });
}

export async function ids(store: Store, runId: string): Promise<number[]> {
  return (await store.readHistory(runId)).map((e) => e.id);
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Asserts a promise rejects with a Hindsight error code; returns the error for more checks. */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<Error & { code: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as Error & { code: string };
    if (e.code !== code) throw new Error(`expected ${code}, got ${e.code ?? 'no code'}: ${e.message}`, { cause: err });
    return e;
  }
  throw new Error(`expected ${code}, but it succeeded`);
}
