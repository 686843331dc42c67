/**
 * The checkout example's fake services append every request they receive to
 * a ledger file (one JSON line each, with the pid of the worker that sent
 * it): the demo's evidence of what executed where.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface LedgerEntry {
  service: string;
  action: string;
  orderId: string;
  idempotencyKey: string;
  step: string;
  attempt: number;
  outcome: string;
  pid: number;
  at: number;
}

/** The environment variable that tells the example's services where to write. */
export const LEDGER_ENV = 'HINDSIGHT_EXAMPLE_LEDGER';

/** An empty ledger next to the store file; returns its path. */
export function freshLedger(storeFile: string): string {
  const ledger = path.join(path.dirname(path.resolve(storeFile)), 'example-ledger.jsonl');
  mkdirSync(path.dirname(ledger), { recursive: true });
  writeFileSync(ledger, '');
  return ledger;
}

/**
 * The entries for these orders only: the demo's workers also resume runs that
 * an interrupted earlier demo left on the same store.
 */
export function readLedger(file: string, orderIds: ReadonlySet<string>): LedgerEntry[] {
  return readEntries(file).filter((e) => orderIds.has(e.orderId));
}

function readEntries(file: string): LedgerEntry[] {
  if (!existsSync(file)) return [];
  const entries: LedgerEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as LedgerEntry);
    } catch {
      // a line being written right now
    }
  }
  return entries;
}
