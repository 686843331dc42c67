import type { FailureInfo, HistoryEvent, RecordedEvent } from '../history/index.js';

export type RunStatus =
  | 'RUNNING'
  | 'BLOCKED'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'CONTINUED_AS_NEW';

export const RUN_STATUSES: readonly RunStatus[] = [
  'RUNNING',
  'BLOCKED',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TERMINATED',
  'CONTINUED_AS_NEW',
];

export const isClosed = (s: RunStatus): boolean => s !== 'RUNNING' && s !== 'BLOCKED';

/** One run of a workflow, as listed and described. */
export interface RunRecord {
  runId: string;
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  status: RunStatus;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  input: unknown;
  result: unknown;
  error: FailureInfo | null;
  parentRunId: string | null;
  /** Number of events in the history; the next event gets `eventCount + 1`. */
  eventCount: number;
  /** Code fingerprint hash the run was started with. */
  fingerprint: string | null;
  /** Why the run is BLOCKED (a non-determinism report), or null. */
  blockedReason: string | null;
  /** Earliest time a timer of the run fires, or null. */
  wakeAt: number | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
}

/** A run to create, with the first events of its history (at least `WorkflowStarted`). */
export interface NewRun {
  /** In a commit: the run whose code created this one (parent or predecessor); skipped when that run is fenced. */
  createdBy?: string;
  runId: string;
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  input: unknown;
  parentRunId?: string;
  fingerprint?: string;
  /** Events 1..n of the new history; the first must be `WorkflowStarted`. */
  events: RecordedEvent[];
  /** For imports: the status to store; default RUNNING. */
  status?: RunStatus;
  /** For imports: when the run was created where it was recorded; default now. */
  createdAt?: number;
}

/** Changes to a run's row that go with appended events. */
export interface RunUpdate {
  status?: RunStatus;
  result?: unknown;
  error?: FailureInfo | null;
  closedAt?: number;
  wakeAt?: number | null;
  blockedReason?: string | null;
  blockedFingerprint?: string | null;
}

/** Events a lease holder adds to one run's history. */
export interface RunAppend {
  runId: string;
  /** The lease epoch the writer holds; a stale epoch means another worker took over. */
  epoch: number;
  /** Must continue the history exactly: first id is `eventCount + 1`. */
  events: RecordedEvent[];
  update?: RunUpdate;
}

export type InboxKind = 'signal' | 'cancel' | 'child';

export interface InboxMessage {
  id: number;
  runId: string;
  kind: InboxKind;
  data: InboxData;
  createdAt: number;
}

export type InboxData =
  | { kind: 'signal'; name: string; payload: unknown }
  | { kind: 'cancel'; reason: string }
  | { kind: 'child'; seq: number; childRunId: string; result?: unknown; error?: FailureInfo };

/**
 * One group commit: everything in it becomes durable together, or not at all.
 * Concurrent workflows share one commit, so durability costs one sync per batch.
 */
export interface Commit {
  appends: RunAppend[];
  newRuns: NewRun[];
  /** Inbox messages now recorded in a history; removed from the inbox. */
  consumed: number[];
  /** Messages for other runs (a child's result for its parent), skipped when `from` is fenced. */
  messages: { from: string; runId: string; data: InboxData }[];
  /** Leases to give up in the same transaction; `ready` lets another worker claim the run at once. */
  releases: { runId: string; epoch: number; ready: boolean }[];
}

export interface CommitResult {
  /** Runs whose append was refused because the writer no longer holds the lease. */
  fenced: string[];
}

export interface ClaimRequest {
  workerId: string;
  taskQueues: string[];
  workflowTypes: string[];
  limit: number;
  /** Workflow time: timers with `wakeAt <= now` are due. */
  now: number;
  /**
   * Wall-clock time for leases (default `now`). Leases are infrastructure and
   * follow the real clock even when workflow time is simulated.
   */
  leaseNow?: number;
  leaseMs: number;
  /** A worker whose code differs from the code a run was BLOCKED by may retry it. */
  fingerprint: string;
}

export interface ClaimedRun {
  run: RunRecord;
  epoch: number;
}

export interface RunFilter {
  status?: RunStatus[];
  workflowType?: string;
  workflowId?: string;
  taskQueue?: string;
  /** createdAt >= since */
  since?: number;
  /** createdAt < until */
  until?: number;
}

export interface Page {
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface RunPage {
  runs: RunRecord[];
  nextCursor: string | null;
}

export interface QueryRequest {
  id: number;
  runId: string;
  name: string;
  args: unknown[];
}

export type QueryAnswer = { done: false } | { done: true; result?: unknown; error?: FailureInfo };

export type { HistoryEvent, RecordedEvent };
