import type Database from 'better-sqlite3';

interface Pending {
  op: () => unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * Group commit for the store's small writes (starting runs, sending signals):
 * the ones issued during one turn of the event loop share one transaction, so
 * 500 clients starting runs at once pay one disk sync, not 500. Each operation
 * runs in a savepoint of its own: one that fails is rolled back alone and
 * rejects alone. Nothing resolves before the shared transaction is durable.
 */
export class WriteBatch {
  private pending: Pending[] = [];
  private readonly runAll: (ops: Pending[]) => { ok: boolean; value?: unknown; error?: unknown }[];

  constructor(
    db: Database.Database,
    private readonly schedule: (fn: () => void) => void,
  ) {
    const each = db.transaction((op: () => unknown) => op());
    this.runAll = db.transaction((ops: Pending[]) =>
      ops.map((p) => {
        try {
          return { ok: true, value: each(p.op) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    ).immediate as unknown as (ops: Pending[]) => { ok: boolean; value?: unknown; error?: unknown }[];
  }

  run<T>(op: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.length === 1) this.schedule(() => this.flush());
    });
  }

  /** Runs what is pending now (the store is closing); also the scheduled path. */
  flush(): void {
    if (this.pending.length === 0) return;
    const ops = this.pending;
    this.pending = [];
    let outcomes: { ok: boolean; value?: unknown; error?: unknown }[];
    try {
      outcomes = this.runAll(ops);
    } catch (err) {
      for (const p of ops) p.reject(err);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? ops[i]!.resolve(o.value) : ops[i]!.reject(o.error)));
  }
}
