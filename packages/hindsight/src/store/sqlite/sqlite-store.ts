import type Database from 'better-sqlite3';
import type { RecordedEvent } from '../../history/events.js';
import { StoreError } from '../errors.js';
import type { Store } from '../store.js';
import {
  isClosed,
  type ClaimedRun,
  type ClaimRequest,
  type Commit,
  type CommitResult,
  type InboxData,
  type InboxMessage,
  type NewRun,
  type Page,
  type QueryAnswer,
  type QueryRequest,
  type RunFilter,
  type RunPage,
  type RunRecord,
  type RunStatus,
} from '../types.js';
import { AppendStatements } from './append.js';
import { connect, type ConnectOptions } from './connection.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { closed, toStoreError, type ErrorContext } from './errors.js';
import { eventData, toJson, toRecordedEvent, toRunRecord, type EventRow, type RunRow } from './rows.js';
import { SqlCache, inChunks, marks } from './sql.js';
import { WriteBatch } from './write-batch.js';

const MAX_PAGE = 1000;

/** Work other than history the run has waiting: a claim or a release must not lose sight of it. */
const HAS_PENDING = `(EXISTS (SELECT 1 FROM inbox WHERE inbox.run_id = runs.run_id)
  OR EXISTS (SELECT 1 FROM queries WHERE queries.run_id = runs.run_id AND queries.status = 'pending'))`;

const OPEN = `status IN ('RUNNING', 'BLOCKED')`;

/** The embedded store: one SQLite file in WAL mode, shared safely by several processes. */
export class SqliteStore implements Store {
  readonly location: string;
  private readonly db: Database.Database;
  private readonly ctx: ErrorContext;
  private readonly cache: SqlCache;
  private readonly appends: AppendStatements;
  private isOpen = true;
  private readonly writes: WriteBatch;

  private readonly s: ReturnType<typeof prepareStatements>;
  private readonly tx: {
    commit: (commit: Commit, now: number) => CommitResult;
    claim: (req: ClaimRequest) => ClaimedRun[];
    renew: (workerId: string, runs: { runId: string; epoch: number }[], until: number) => string[];
    release: (workerId: string, runs: { runId: string; epoch: number; ready: boolean }[]) => void;
    terminate: (runId: string, reason: string, now: number) => boolean;
    postQuery: (runId: string, name: string, args: unknown[], now: number) => number;
    takeQueries: (runIds: string[]) => QueryRequest[];
  };

  static open(file: string, opts: ConnectOptions): SqliteStore {
    const db = connect(file, opts);
    try {
      return new SqliteStore(db, opts);
    } catch (err) {
      db.close();
      throw toStoreError(err, opts);
    }
  }

  private constructor(db: Database.Database, ctx: ErrorContext) {
    this.db = db;
    this.ctx = ctx;
    this.location = `sqlite:${ctx.where}`;
    this.cache = new SqlCache(db);
    this.writes = new WriteBatch(db, (fn) => setImmediate(fn));
    this.appends = new AppendStatements(db);
    this.s = prepareStatements(db);
    // IMMEDIATE: take the write lock up front; a deferred transaction that
    // upgrades later can fail at once with SQLITE_BUSY instead of waiting.
    const imm = <A extends unknown[], R>(fn: (...args: A) => R) => {
      const t = db.transaction(fn);
      return (...args: A): R => t.immediate(...args);
    };
    this.tx = {
      commit: imm((commit: Commit, now: number) => this.commitTx(commit, now)),
      claim: imm((req: ClaimRequest) => this.claimTx(req)),
      renew: imm((workerId: string, runs: { runId: string; epoch: number }[], until: number) =>
        runs.filter((r) => this.s.renew.run(until, r.runId, workerId, r.epoch).changes === 0).map((r) => r.runId),
      ),
      release: imm((workerId: string, runs: { runId: string; epoch: number; ready: boolean }[]) => {
        for (const r of runs) this.s.releaseOwned.run(r.ready ? 1 : 0, r.runId, workerId, r.epoch);
      }),
      terminate: imm((runId: string, reason: string, now: number) => this.terminateTx(runId, reason, now)),
      postQuery: imm((runId: string, name: string, args: unknown[], now: number) => {
        this.requireOpenRun(runId);
        const id = Number(this.s.insertQuery.run(runId, name, JSON.stringify(args), now).lastInsertRowid);
        // An idle run has no worker to answer; marking it ready gets one to claim it.
        this.s.markReady.run(runId);
        return id;
      }),
      takeQueries: imm((runIds: string[]) => this.takeQueriesTx(runIds)),
    };
  }

  async createRun(run: NewRun, now: number): Promise<{ created: boolean; run: RunRecord }> {
    return this.batched(() => this.createRunTx(run, now));
  }

  async commit(commit: Commit, now: number): Promise<CommitResult> {
    return this.guard(() => this.tx.commit(commit, now));
  }

  async claimRuns(req: ClaimRequest): Promise<ClaimedRun[]> {
    return this.guard(() => {
      if (req.limit < 1 || req.taskQueues.length === 0 || req.workflowTypes.length === 0) return [];
      return this.tx.claim(req);
    });
  }

  async renewLeases(workerId: string, runs: { runId: string; epoch: number }[], until: number): Promise<string[]> {
    return this.guard(() => (runs.length === 0 ? [] : this.tx.renew(workerId, runs, until)));
  }

  async releaseRuns(workerId: string, runs: { runId: string; epoch: number; ready: boolean }[]): Promise<void> {
    return this.guard(() => {
      if (runs.length > 0) this.tx.release(workerId, runs);
    });
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    return this.guard(() => {
      const row = this.s.getRun.get(runId) as RunRow | undefined;
      return row ? toRunRecord(row) : null;
    });
  }

  async findRun(workflowId: string): Promise<RunRecord | null> {
    return this.guard(() => this.findNewest(workflowId));
  }

  async listRuns(filter: RunFilter, page: Page): Promise<RunPage> {
    return this.guard(() => this.list(filter, page));
  }

  async readHistory(runId: string, fromId = 1, limit?: number): Promise<RecordedEvent[]> {
    return this.guard(() => {
      // -1: SQLite's "no limit".
      const rows = this.s.readHistory.all(runId, fromId, limit === undefined ? -1 : Math.max(0, limit)) as EventRow[];
      return rows.map(toRecordedEvent);
    });
  }

  async send(runId: string, data: InboxData, now: number): Promise<void> {
    return this.batched(() => this.sendTx(runId, data, now));
  }

  async readInbox(runIds: string[]): Promise<InboxMessage[]> {
    return this.guard(() => {
      const out: InboxMessage[] = [];
      for (const chunk of inChunks(runIds)) {
        const stmt = this.cache.get(
          `SELECT id, run_id, kind, data, created_at FROM inbox WHERE run_id IN (${marks(chunk.length)}) ORDER BY id`,
        );
        for (const r of stmt.all(...chunk) as InboxRow[]) {
          out.push({ id: r.id, runId: r.run_id, kind: r.kind, data: JSON.parse(r.data), createdAt: r.created_at });
        }
      }
      return out.sort((a, b) => a.id - b.id);
    });
  }

  async terminate(runId: string, reason: string, now: number): Promise<boolean> {
    return this.guard(() => this.tx.terminate(runId, reason, now));
  }

  async postQuery(runId: string, name: string, args: unknown[], now: number): Promise<number> {
    return this.guard(() => this.tx.postQuery(runId, name, args, now));
  }

  async takeQueries(runIds: string[]): Promise<QueryRequest[]> {
    return this.guard(() => (runIds.length === 0 ? [] : this.tx.takeQueries(runIds)));
  }

  async answerQuery(id: number, answer: QueryAnswer): Promise<void> {
    return this.guard(() => {
      if (!answer.done) return;
      const error = answer.error === undefined ? null : JSON.stringify(answer.error);
      const result = answer.error === undefined ? toJson(answer.result) : null;
      if (this.s.answerQuery.run(result, error, id).changes === 0) throw queryNotFound(id);
    });
  }

  async readQueryAnswer(id: number): Promise<QueryAnswer> {
    return this.guard(() => {
      const row = this.s.readQuery.get(id) as { status: string; result: string | null; error: string | null } | undefined;
      if (!row) throw queryNotFound(id);
      if (row.status !== 'done') return { done: false };
      if (row.error !== null) return { done: true, error: JSON.parse(row.error) };
      return row.result === null ? { done: true } : { done: true, result: JSON.parse(row.result) };
    });
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.writes.flush(); // writes already promised to callers land before the file closes
    this.isOpen = false;
    try {
      this.db.close();
    } catch (err) {
      throw toStoreError(err, this.ctx);
    }
  }

  // --- inside transactions ---

  private createRunTx(run: NewRun, now: number): { created: boolean; run: RunRecord } {
    const existing = this.findNewest(run.workflowId);
    if (existing) return { created: false, run: existing };
    if (!this.insertRun(run, now)) {
      throw new StoreError(
        'HS_E_STORE_CONFLICT',
        `run id ${run.runId} is already used by another workflow than ${run.workflowId}; start the run with a new run id`,
      );
    }
    return { created: true, run: toRunRecord(this.s.getRun.get(run.runId) as RunRow) };
  }

  private commitTx(commit: Commit, now: number): CommitResult {
    const s = this.s;
    const fenced = new Set<string>();
    const written = new Set<string>();
    for (const a of commit.appends) {
      // Anything but the exact, dense continuation by the current lease holder is refused:
      // that writer has lost the run to another worker or to terminate. Other runs of the
      // batch are not held back by it.
      if (!isDense(a.events) || !this.appends.apply(a, now)) {
        fenced.add(a.runId);
        continue;
      }
      written.add(a.runId);
      for (const e of a.events) s.insertEvent.run(a.runId, e.id, e.ts, e.type, eventData(e));
    }
    // What a refused writer did besides its events (children started, results sent,
    // messages consumed) is dropped with them: the next holder replays and does it again.
    // A run with an accepted append in the same commit has a current holder, whose
    // writes these may be; keeping them risks a duplicate, dropping them a loss.
    const lost = (runId: string | undefined): boolean =>
      runId !== undefined && fenced.has(runId) && !written.has(runId);
    for (const run of commit.newRuns) {
      if (lost(run.createdBy)) continue;
      if (this.refuseTakenChildId(run, now)) continue;
      this.insertRun(run, now);
    }
    for (const id of commit.consumed) {
      if (fenced.size > 0 && lost(s.inboxOwner.get(id) as string | undefined)) continue;
      s.deleteInbox.run(id);
    }
    for (const m of commit.messages) {
      if (lost(m.from)) continue;
      if (s.insertInbox.run(m.runId, m.data.kind, JSON.stringify(m.data), now, m.runId).changes > 0) {
        s.markReady.run(m.runId);
      }
    }
    for (const r of commit.releases) {
      // A release that still matches the epoch after a refused append means the writer
      // was out of step with the history: keep the run ready so that a worker replays it.
      s.release.run(r.ready || fenced.has(r.runId) ? 1 : 0, r.runId, r.epoch);
    }
    return { fenced: [...fenced] };
  }

  private claimTx(req: ClaimRequest): ClaimedRun[] {
    const q = req.taskQueues.length;
    const t = req.workflowTypes.length;
    const stmt = this.cache.get(claimSql(q, t));
    const leaseNow = req.leaseNow ?? req.now;
    const params: Record<string, unknown> = { now: req.now, leaseNow, limit: req.limit, fingerprint: req.fingerprint };
    req.taskQueues.forEach((v, i) => (params[`q${i}`] = v));
    req.workflowTypes.forEach((v, i) => (params[`t${i}`] = v));
    const ids = stmt.pluck().all(params) as string[];
    const until = leaseNow + req.leaseMs;
    return ids.map((runId) => {
      const row = this.s.claim.get(req.workerId, until, runId) as RunRow;
      return { run: toRunRecord(row), epoch: row.lease_epoch };
    });
  }

  private sendTx(runId: string, data: InboxData, now: number): void {
    this.requireOpenRun(runId);
    this.s.insertInbox.run(runId, data.kind, JSON.stringify(data), now, runId);
    this.s.markReady.run(runId);
  }

  private terminateTx(runId: string, reason: string, now: number): boolean {
    const row = this.s.leaseState.get(runId) as LeaseState | undefined;
    if (!row) throw runNotFound(runId);
    if (isClosed(row.status)) return false;
    this.s.insertEvent.run(runId, row.event_count + 1, now, 'WorkflowTerminated', JSON.stringify({ reason }));
    this.s.terminate.run(now, now, runId);
    return true;
  }

  private takeQueriesTx(runIds: string[]): QueryRequest[] {
    const out: QueryRequest[] = [];
    for (const chunk of inChunks(runIds)) {
      const stmt = this.cache.get(
        `SELECT id, run_id, name, args FROM queries WHERE status = 'pending' AND run_id IN (${marks(chunk.length)}) ORDER BY id`,
      );
      for (const r of stmt.all(...chunk) as { id: number; run_id: string; name: string; args: string }[]) {
        this.s.takeQuery.run(r.id);
        out.push({ id: r.id, runId: r.run_id, name: r.name, args: JSON.parse(r.args) });
      }
    }
    return out.sort((a, b) => a.id - b.id);
  }

  // --- helpers ---

  /** Inserts a run with its first events; false when the run id exists already. */
  private insertRun(run: NewRun, now: number): boolean {
    checkNewRun(run);
    const status: RunStatus = run.status ?? 'RUNNING';
    const last = run.events[run.events.length - 1];
    const closedRun = isClosed(status);
    const inserted = this.s.insertRun.run(
      run.runId,
      run.workflowId,
      run.workflowType,
      run.taskQueue,
      status,
      run.createdAt ?? now,
      now,
      closedRun ? last.ts : null,
      toJson(run.input),
      // An imported closed history carries its outcome in its last event.
      closedRun && last.type === 'WorkflowCompleted' ? toJson(last.result) : null,
      closedRun && last.type === 'WorkflowFailed' ? JSON.stringify(last.error) : null,
      run.parentRunId ?? null,
      run.events.length,
      run.fingerprint ?? null,
      status === 'RUNNING' ? 1 : 0,
    );
    if (inserted.changes === 0) return false;
    for (const e of run.events) this.s.insertEvent.run(run.runId, e.id, e.ts, e.type, eventData(e));
    return true;
  }

  /**
   * A child whose workflow id another run has already is not started (ids are
   * unique, as for createRun); its parent hears why, as the child's failure.
   */
  private refuseTakenChildId(run: NewRun, now: number): boolean {
    const started = run.events[0];
    // A successor by continue-as-new shares its predecessor's id by design.
    const parent = started?.type === 'WorkflowStarted' && !started.continuedFrom ? started.parent : undefined;
    if (!parent || !this.s.findRun.get(run.workflowId)) return false;
    const data: InboxData = {
      kind: 'child',
      seq: parent.seq,
      childRunId: run.runId,
      error: {
        name: 'WorkflowIdTakenError',
        code: 'HS_E_WORKFLOW_EXISTS',
        message: `workflow id ${run.workflowId} is already used by another run; give the child another workflowId`,
        nonRetryable: true,
      },
    };
    this.s.insertInbox.run(parent.runId, data.kind, JSON.stringify(data), now, parent.runId);
    this.s.markReady.run(parent.runId);
    return true;
  }

  private findNewest(workflowId: string): RunRecord | null {
    const row = this.s.findRun.get(workflowId) as RunRow | undefined;
    return row ? toRunRecord(row) : null;
  }

  private requireOpenRun(runId: string): void {
    const row = this.s.leaseState.get(runId) as LeaseState | undefined;
    if (!row) throw runNotFound(runId);
    if (isClosed(row.status)) {
      throw new StoreError(
        'HS_E_RUN_CLOSED',
        `run ${runId} is ${row.status} and takes no more messages; start a new run or send to the newest run of the workflow`,
      );
    }
  }

  private list(filter: RunFilter, page: Page): RunPage {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status && filter.status.length > 0) {
      where.push(`status IN (${marks(filter.status.length)})`);
      params.push(...filter.status);
    }
    for (const [column, value] of [
      ['workflow_type', filter.workflowType],
      ['workflow_id', filter.workflowId],
      ['task_queue', filter.taskQueue],
    ] as const) {
      if (value !== undefined) {
        where.push(`${column} = ?`);
        params.push(value);
      }
    }
    if (filter.since !== undefined) {
      where.push('created_at >= ?');
      params.push(filter.since);
    }
    if (filter.until !== undefined) {
      where.push('created_at < ?');
      params.push(filter.until);
    }
    if (page.cursor) {
      const after = decodeCursor(page.cursor);
      // The leading range term lets the index seek to the cursor instead of scanning up to it.
      where.push('created_at <= ? AND (created_at < ? OR run_id < ?)');
      params.push(after.createdAt, after.createdAt, after.runId);
    }
    const limit = Number.isFinite(page.limit) ? Math.min(MAX_PAGE, Math.max(1, Math.floor(page.limit))) : MAX_PAGE;
    const sql =
      `SELECT * FROM runs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ` +
      `ORDER BY created_at DESC, run_id DESC LIMIT ?`;
    // One more than asked tells whether another page exists without a count.
    const rows = this.cache.get(sql).all(...params, limit + 1) as RunRow[];
    const more = rows.length > limit;
    const runs = rows.slice(0, limit).map(toRunRecord);
    const last = runs[runs.length - 1];
    return { runs, nextCursor: more ? encodeCursor({ createdAt: last.createdAt, runId: last.runId }) : null };
  }

  /** A small write that shares its transaction with the others issued in the same turn. */
  private async batched<T>(fn: () => T): Promise<T> {
    if (!this.isOpen) throw closed(this.ctx.where);
    try {
      return await this.writes.run(fn);
    } catch (err) {
      throw toStoreError(err, this.ctx);
    }
  }

  private guard<T>(fn: () => T): T {
    if (!this.isOpen) throw closed(this.ctx.where);
    try {
      return fn();
    } catch (err) {
      throw toStoreError(err, this.ctx);
    }
  }
}

interface LeaseState {
  status: RunStatus;
  event_count: number;
  lease_epoch: number;
}

interface InboxRow {
  id: number;
  run_id: string;
  kind: InboxMessage['kind'];
  data: string;
  created_at: number;
}

function prepareStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    getRun: p(`SELECT * FROM runs WHERE run_id = ?`),
    // Continue-as-new creates the successor in the same commit, so the two may
    // share created_at; the predecessor is never the newest.
    findRun: p(
      `SELECT * FROM runs WHERE workflow_id = ?
       ORDER BY created_at DESC, CASE WHEN status = 'CONTINUED_AS_NEW' THEN 1 ELSE 0 END, run_id DESC LIMIT 1`,
    ),
    leaseState: p(`SELECT status, event_count, lease_epoch FROM runs WHERE run_id = ?`),
    insertRun: p(
      `INSERT INTO runs (run_id, workflow_id, workflow_type, task_queue, status, created_at, updated_at,
         closed_at, input, result, error, parent_run_id, event_count, fingerprint, ready)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id) DO NOTHING`,
    ),
    insertEvent: p(`INSERT INTO events (run_id, id, ts, type, data) VALUES (?, ?, ?, ?, ?)`),
    markReady: p(`UPDATE runs SET ready = 1 WHERE run_id = ?`),
    inboxOwner: p(`SELECT run_id FROM inbox WHERE id = ?`).pluck(),
    deleteInbox: p(`DELETE FROM inbox WHERE id = ?`),
    // Messages for a run that has closed meanwhile are dropped: nothing would ever read them.
    insertInbox: p(
      `INSERT INTO inbox (run_id, kind, data, created_at)
       SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM runs WHERE run_id = ? AND ${OPEN})`,
    ),
    release: p(
      `UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL,
         ready = CASE WHEN ? = 1 OR ${HAS_PENDING} THEN 1 ELSE 0 END
       WHERE run_id = ? AND lease_epoch = ?`,
    ),
    releaseOwned: p(
      `UPDATE runs SET lease_owner = NULL, lease_expires_at = NULL,
         ready = CASE WHEN ? = 1 OR ${HAS_PENDING} THEN 1 ELSE 0 END
       WHERE run_id = ? AND lease_owner = ? AND lease_epoch = ?`,
    ),
    renew: p(`UPDATE runs SET lease_expires_at = ? WHERE run_id = ? AND lease_owner = ? AND lease_epoch = ?`),
    claim: p(
      `UPDATE runs SET lease_owner = ?, lease_expires_at = ?, lease_epoch = lease_epoch + 1, ready = 0
       WHERE run_id = ? RETURNING *`,
    ),
    terminate: p(
      `UPDATE runs SET status = 'TERMINATED', closed_at = ?, updated_at = ?, event_count = event_count + 1,
         lease_owner = NULL, lease_expires_at = NULL, lease_epoch = lease_epoch + 1, ready = 0, wake_at = NULL
       WHERE run_id = ?`,
    ),
    readHistory: p(`SELECT id, ts, type, data FROM events WHERE run_id = ? AND id >= ? ORDER BY id LIMIT ?`),
    insertQuery: p(`INSERT INTO queries (run_id, name, args, status, created_at) VALUES (?, ?, ?, 'pending', ?)`),
    takeQuery: p(`UPDATE queries SET status = 'taken' WHERE id = ?`),
    answerQuery: p(`UPDATE queries SET status = 'done', result = ?, error = ? WHERE id = ?`),
    readQuery: p(`SELECT status, result, error FROM queries WHERE id = ?`),
  };
}

/**
 * Runs with work, oldest first: ready ones, due timers, expired leases (a
 * worker died holding them) and BLOCKED runs a different code version may
 * retry. One narrow, limited subquery per kind keeps idle runs out of the scan.
 */
function claimSql(queues: number, types: number): string {
  const scope =
    `task_queue IN (${Array.from({ length: queues }, (_, i) => `@q${i}`).join(', ')}) AND ` +
    `workflow_type IN (${Array.from({ length: types }, (_, i) => `@t${i}`).join(', ')})`;
  const free = `(lease_owner IS NULL OR lease_expires_at < @leaseNow)`;
  // INDEXED BY (SQLite dialect; claiming is dialect-specific anyway, PostgreSQL
  // will use SKIP LOCKED): without statistics the planner prefers the listing
  // indexes, which hold every run, and a claim among 50k idle runs took 18 ms.
  const kinds = [
    `runs INDEXED BY runs_ready WHERE status = 'RUNNING' AND ready = 1 AND ${free}`,
    `runs WHERE status = 'RUNNING' AND wake_at <= @now AND ${free}`,
    `runs WHERE status = 'RUNNING' AND lease_owner IS NOT NULL AND lease_expires_at < @leaseNow`,
    `runs INDEXED BY runs_blocked WHERE status = 'BLOCKED' AND (blocked_fingerprint IS NULL OR blocked_fingerprint <> @fingerprint) AND ${free}`,
  ];
  const parts = kinds.map(
    (from, i) =>
      `SELECT * FROM (SELECT run_id, created_at FROM ${from} AND ${scope} ` +
      `ORDER BY created_at, run_id LIMIT @limit) AS k${i}`,
  );
  return `SELECT run_id FROM (${parts.join(' UNION ')}) AS due ORDER BY created_at, run_id LIMIT @limit`;
}

function checkNewRun(run: NewRun): void {
  if (run.events.length === 0 || run.events[0].type !== 'WorkflowStarted') {
    throw new StoreError(
      'HS_E_STORE_INVALID',
      `run ${run.runId} cannot be created: its history must start with WorkflowStarted; this is a bug in the caller, please report it`,
    );
  }
  checkDense(run.runId, run.events, 1);
}

function isDense(events: RecordedEvent[]): boolean {
  for (let i = 1; i < events.length; i++) if (events[i].id !== events[0].id + i) return false;
  return true;
}

function checkDense(runId: string, events: RecordedEvent[], first: number): void {
  for (let i = 0; i < events.length; i++) {
    if (events[i].id !== first + i) {
      throw new StoreError(
        'HS_E_STORE_INVALID',
        `events for run ${runId} are not dense: expected id ${first + i}, got ${events[i].id}; nothing was written; this is a bug in the caller, please report it`,
      );
    }
  }
}

const runNotFound = (runId: string): StoreError =>
  new StoreError('HS_E_RUN_NOT_FOUND', `run ${runId} does not exist in this store; check the run id with 'hindsight list'`);

const queryNotFound = (id: number): StoreError =>
  new StoreError('HS_E_QUERY_NOT_FOUND', `query ${id} does not exist in this store; post the query again`);
