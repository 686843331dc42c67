/** What the store recorded for the demo's orders, and what it did not. */
import type { Client } from '../../../client/index.js';
import type { RecordedEvent } from '../../../history/index.js';
import type { LedgerEntry } from './ledger.js';
import type { Order } from './orders.js';

/** runId → history: an order's own run and its shipment child's, if there is one. */
export type OrderHistories = Map<string, RecordedEvent[]>;

/** orderId → its histories. */
export async function loadHistories(client: Client, orders: Order[]): Promise<Map<string, OrderHistories>> {
  const all = new Map<string, OrderHistories>();
  for (const o of orders) {
    const histories: OrderHistories = new Map();
    const parent = await client.describe(o.id);
    histories.set(parent.runId, await client.store.readHistory(parent.runId));
    const child = await client.store.findRun(`${o.id}/shipment`);
    if (child) histories.set(child.runId, await client.store.readHistory(child.runId));
    all.set(o.id, histories);
  }
  return all;
}

/** A step's idempotency key is `<workflowId>/<runId>/<seq>`. */
export function parseKey(key: string): { runId: string; seq: number } | null {
  const parts = key.split('/');
  if (parts.length < 3) return null;
  const seq = Number(parts[parts.length - 1]);
  return Number.isInteger(seq) ? { runId: parts[parts.length - 2]!, seq } : null;
}

/** What the history recorded for one step call. */
export interface Recorded {
  /** It completed or failed for good. */
  done: boolean;
  /** Attempts that failed and were retried. */
  failedAttempts: Set<number>;
}

/** What the history recorded for one step call, up to (not including) event `before`; null when the key names none of the order's runs. */
export function recordedFor(histories: OrderHistories | undefined, key: string, before = Infinity): Recorded | null {
  const k = parseKey(key);
  const history = k && histories?.get(k.runId);
  if (!k || !history) return null;
  const failedAttempts = new Set<number>();
  let done = false;
  for (const e of history) {
    if (e.id >= before || !('seq' in e) || e.seq !== k.seq) continue;
    if (e.type === 'StepCompleted' || e.type === 'StepFailed') done = true;
    if (e.type === 'StepRetrying') failedAttempts.add(e.attempt);
  }
  return { done, failedAttempts };
}

export interface InFlight {
  orderId: string;
  step: string;
  attempt: number;
  key: string;
}

/** Requests the worker `pid` sent whose outcome never made it into the history. */
export function findInFlight(entries: LedgerEntry[], all: Map<string, OrderHistories>, pid: number): InFlight[] {
  const found: InFlight[] = [];
  for (const e of entries) {
    if (e.pid !== pid) continue;
    const rec = recordedFor(all.get(e.orderId), e.idempotencyKey);
    if (!rec || rec.done || rec.failedAttempts.has(e.attempt)) continue;
    // A step that made several requests (packItems) counts once.
    if (found.some((f) => f.key === e.idempotencyKey && f.attempt === e.attempt)) continue;
    found.push({ orderId: e.orderId, step: e.step, attempt: e.attempt, key: e.idempotencyKey });
  }
  return found;
}
