import type { RunStatus } from '../store/index.js';

/** What a worker reports as it goes; the CLI prints these, tests assert on them. */
export type WorkerEvent =
  | { type: 'run-claimed'; runId: string; workflowId: string; workflowType: string; replayed: number }
  | { type: 'step-executed'; runId: string; step: string; ok: boolean }
  | { type: 'step-retrying'; runId: string; step: string; attempt: number; error: string }
  | { type: 'run-closed'; runId: string; workflowId: string; status: RunStatus }
  | { type: 'run-blocked'; runId: string; reason: string }
  | { type: 'run-released'; runId: string }
  | { type: 'lease-lost'; runId: string }
  | { type: 'store-error'; message: string };
