import type Database from 'better-sqlite3';
import { isClosed, type RunAppend, type RunUpdate } from '../types.js';
import { toJson } from './rows.js';

type Field = keyof RunUpdate;

const COLUMNS: readonly [Field, string, (u: RunUpdate) => unknown][] = [
  ['status', 'status', (u) => u.status],
  ['result', 'result', (u) => toJson(u.result)],
  ['error', 'error', (u) => (u.error == null ? null : JSON.stringify(u.error))],
  ['closedAt', 'closed_at', (u) => u.closedAt],
  ['wakeAt', 'wake_at', (u) => u.wakeAt],
  ['blockedReason', 'blocked_reason', (u) => u.blockedReason],
  ['blockedFingerprint', 'blocked_fingerprint', (u) => u.blockedFingerprint],
];

/**
 * The run-row half of an append: one UPDATE that both checks the writer's
 * right to append (epoch, next id, run still open) and moves the row on.
 * Only the columns the update names are set, so that indexes on the others
 * are not rewritten; one statement per combination, prepared once.
 */
export class AppendStatements {
  private readonly statements = new Map<number, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  /** Applies the row update; false when the writer may not append (the caller then writes no events). */
  apply(a: RunAppend, now: number): boolean {
    const u = withClosedAt(a.update, now);
    const checkNext = a.events.length > 0;
    let mask = checkNext ? 1 : 0;
    const params: unknown[] = [a.events.length, now];
    if (u) {
      for (let i = 0; i < COLUMNS.length; i++) {
        if (u[COLUMNS[i][0]] !== undefined) {
          mask |= 2 << i;
          params.push(COLUMNS[i][2](u));
        }
      }
    }
    params.push(a.runId, a.epoch);
    if (checkNext) params.push(a.events[0].id - 1);
    return this.statement(mask).run(...params).changes === 1;
  }

  private statement(mask: number): Database.Statement {
    let stmt = this.statements.get(mask);
    if (!stmt) {
      const set = ['event_count = event_count + ?', 'updated_at = ?'];
      COLUMNS.forEach(([, column], i) => {
        if (mask & (2 << i)) set.push(`${column} = ?`);
      });
      stmt = this.db.prepare(
        `UPDATE runs SET ${set.join(', ')}
         WHERE run_id = ? AND lease_epoch = ? AND status IN ('RUNNING', 'BLOCKED')${mask & 1 ? ' AND event_count = ?' : ''}`,
      );
      this.statements.set(mask, stmt);
    }
    return stmt;
  }
}

/** A run that closes without a closing time closes at the commit's time. */
function withClosedAt(u: RunUpdate | undefined, now: number): RunUpdate | undefined {
  if (u?.status === undefined || !isClosed(u.status) || u.closedAt !== undefined) return u;
  return { ...u, closedAt: now };
}
