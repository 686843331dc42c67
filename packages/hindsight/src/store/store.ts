import type {
  ClaimedRun,
  ClaimRequest,
  Commit,
  CommitResult,
  InboxData,
  InboxMessage,
  NewRun,
  Page,
  QueryAnswer,
  QueryRequest,
  RecordedEvent,
  RunFilter,
  RunPage,
  RunRecord,
} from './types.js';

/**
 * Where histories live. Every implementation (SQLite embedded, PostgreSQL)
 * passes the same shared test suite.
 *
 * Invariants every implementation keeps:
 * - histories are append-only and dense: event ids are 1..n with no gap and no duplicate;
 * - a write returns only once it is durable (nothing acknowledged is lost);
 * - one writer per run at a time, enforced by lease epochs: a write with a stale
 *   epoch changes nothing;
 * - `commit` is atomic: all of it or none of it.
 */
export interface Store {
  /** A short description for messages, e.g. `sqlite:.hindsight/hindsight.db`. */
  readonly location: string;

  /**
   * Creates a run, idempotent on `workflowId`: when a run with that workflow id
   * exists already, returns the newest one and `created: false`.
   */
  createRun(run: NewRun, now: number): Promise<{ created: boolean; run: RunRecord }>;

  /** Applies one group commit atomically. */
  commit(commit: Commit, now: number): Promise<CommitResult>;

  /** Leases up to `limit` runs that have work to do; each claim bumps the run's epoch. */
  claimRuns(req: ClaimRequest): Promise<ClaimedRun[]>;

  /** Extends leases; returns the run ids whose lease was lost. */
  renewLeases(workerId: string, runs: { runId: string; epoch: number }[], until: number): Promise<string[]>;

  /** Gives leases back; `ready` marks the run as having work (another worker may claim it now). */
  releaseRuns(workerId: string, runs: { runId: string; epoch: number; ready: boolean }[]): Promise<void>;

  getRun(runId: string): Promise<RunRecord | null>;

  /** The newest run of a workflow id (continue-as-new chains share the id). */
  findRun(workflowId: string): Promise<RunRecord | null>;

  /** Newest first. */
  listRuns(filter: RunFilter, page: Page): Promise<RunPage>;

  /** Events with `id >= fromId`, in order, at most `limit`. */
  readHistory(runId: string, fromId?: number, limit?: number): Promise<RecordedEvent[]>;

  /** Queues a message for a run and marks it ready. */
  send(runId: string, data: InboxData, now: number): Promise<void>;

  /** Unconsumed messages for the given runs, oldest first. */
  readInbox(runIds: string[]): Promise<InboxMessage[]>;

  /**
   * Ends a run at once, without running any workflow code: fences out the lease
   * holder and appends `WorkflowTerminated`. Returns false when the run is closed.
   */
  terminate(runId: string, reason: string, now: number): Promise<boolean>;

  postQuery(runId: string, name: string, args: unknown[], now: number): Promise<number>;
  takeQueries(runIds: string[]): Promise<QueryRequest[]>;
  answerQuery(id: number, answer: QueryAnswer): Promise<void>;
  readQueryAnswer(id: number): Promise<QueryAnswer>;

  close(): Promise<void>;
}
