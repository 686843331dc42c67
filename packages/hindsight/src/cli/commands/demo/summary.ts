/**
 * Section 5, the facts: from the histories and the services' ledger, which
 * worker executed each step call, and whether anything happened that a
 * durable workflow must not allow.
 */
import { parseKey, recordedFor, type OrderHistories, type Recorded } from './histories.js';
import type { LedgerEntry } from './ledger.js';
import type { Order, Outcome } from './orders.js';
import type { WorkerProcess } from './workers.js';

/** One step call (one idempotency key): the worker (1, 2; 0 for neither) of each execution, in ledger order. */
export interface StepCall {
  workers: number[];
  /** Worker 1's attempt was in flight at the kill and the call ran again in worker 2. */
  ranAgain: boolean;
}

export interface OrderSummary {
  order: Order;
  outcome: Outcome;
  /** The order run's and its shipment child's. */
  events: number;
  /** Events before worker 2's first WorkerAttached; null if it never took the run. */
  replayed: number | null;
  /** Events after it. */
  recorded: number | null;
  /** Step name → its calls. */
  calls: Map<string, StepCall[]>;
}

export interface Summary {
  rows: OrderSummary[];
  /** Step calls whose result worker 1 had recorded: worker 2 must not execute them again. */
  replayedCalls: number;
  reExecutedCompleted: string[];
  ranAgain: { orderId: string; step: string; attempt: number; outcome: string }[];
  doubleCharges: string[];
  /** Orders that did not end as their scenario says they must. */
  wrongOutcomes: string[];
}

/** How many things went wrong: each wrong outcome, re-executed steps, double charges. */
export function problemCount(s: Summary): number {
  return s.wrongOutcomes.length + (s.reExecutedCompleted.length ? 1 : 0) + (s.doubleCharges.length ? 1 : 0);
}

export function summarize(orders: Order[], outcomes: Outcome[], histories: Map<string, OrderHistories>, entries: LedgerEntry[], w1: WorkerProcess, w2: WorkerProcess): Summary {
  const s: Summary = { rows: [], replayedCalls: 0, reExecutedCompleted: [], ranAgain: [], doubleCharges: [], wrongOutcomes: [] };
  const workerNo = (pid: number) => (pid === w1.pid ? 1 : pid === w2.pid ? 2 : 0);
  for (const [i, order] of orders.entries()) {
    const outcome = outcomes[i]!;
    const h = histories.get(order.id)!;
    const attach = attachPoints(h, w2);
    const calls = new Map<string, StepCall[]>();
    for (const [key, execs] of executions(entries, order.id)) {
      const before = attachedBefore(h, attach, key);
      if (before?.done) {
        s.replayedCalls++;
        if (execs.some((x) => x.pid === w2.pid)) s.reExecutedCompleted.push(`${order.id} ${execs[0]!.step}`);
      }
      // Worker 1's last attempt neither finished nor failed on record: it was in flight at the
      // kill, and worker 2 ran the call again (as the same attempt, or the next one when the
      // lost attempt's start had been recorded).
      const lastOfW1 = execs.filter((x) => x.pid === w1.pid).at(-1);
      const inFlight = lastOfW1 && before && !before.done && !before.failedAttempts.has(lastOfW1.attempt);
      const again = inFlight ? execs.filter((x) => x.pid === w2.pid).slice(0, 1) : [];
      for (const x of again) s.ranAgain.push({ orderId: order.id, step: x.step, attempt: x.attempt, outcome: x.outcome });
      const step = execs[0]!.step;
      calls.set(step, [...(calls.get(step) ?? []), { workers: execs.map((x) => workerNo(x.pid)), ranAgain: again.length > 0 }]);
    }
    if (successfulCharges(entries, order.id) > 1) s.doubleCharges.push(order.id);
    const wrong = wrongOutcome(order, outcome);
    if (wrong) s.wrongOutcomes.push(wrong);
    s.rows.push({ order, outcome, events: eventCount(h), ...replayShare(h, attach), calls });
  }
  return s;
}

/** Per run that worker 2 took: the id of its first WorkerAttached there. */
function attachPoints(h: OrderHistories, w2: WorkerProcess): Map<string, number> {
  const attach = new Map<string, number>();
  for (const [runId, events] of h) {
    const at = events.find((e) => e.type === 'WorkerAttached' && w2.owns(e.workerId))?.id;
    if (at !== undefined) attach.set(runId, at);
  }
  return attach;
}

/** Event ids start at 1, so the events before the attach number `at - 1`. */
function replayShare(h: OrderHistories, attach: Map<string, number>): { replayed: number | null; recorded: number | null } {
  let replayed: number | null = null;
  let recorded: number | null = null;
  for (const [runId, at] of attach) {
    replayed = (replayed ?? 0) + (at - 1);
    recorded = (recorded ?? 0) + (h.get(runId)!.length - at);
  }
  return { replayed, recorded };
}

/** What the history held for a step call when worker 2 attached to its run; null if worker 2 never did. */
function attachedBefore(h: OrderHistories, attach: Map<string, number>, key: string): Recorded | null {
  const k = parseKey(key);
  const at = k ? attach.get(k.runId) : undefined;
  return at !== undefined ? recordedFor(h, key, at) : null;
}

/** Idempotency key → its executions, in ledger order. */
function executions(entries: LedgerEntry[], orderId: string): Map<string, LedgerEntry[]> {
  const calls = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    if (e.orderId !== orderId) continue;
    const list = calls.get(e.idempotencyKey) ?? [];
    // packItems makes one request per item: one execution is one (attempt, pid).
    if (!list.some((x) => x.attempt === e.attempt && x.pid === e.pid)) list.push(e);
    calls.set(e.idempotencyKey, list);
  }
  return calls;
}

function successfulCharges(entries: LedgerEntry[], orderId: string): number {
  return entries.filter((e) => e.orderId === orderId && e.action === 'charge' && e.outcome === 'ok').length;
}

function wrongOutcome(order: Order, outcome: Outcome): string | null {
  const expect = order.scenario.expect;
  if (outcome.status === expect.status && (!expect.outcome || outcome.result?.outcome === expect.outcome)) return null;
  const got = `${outcome.status ?? 'unfinished'}${outcome.result?.outcome ? `/${outcome.result.outcome}` : ''}${outcome.error ? ` (${outcome.error})` : ''}`;
  return `${order.id} (${order.scenario.label}) ended ${got}, expected ${expect.status}${expect.outcome ? `/${expect.outcome}` : ''}`;
}

function eventCount(h: OrderHistories): number {
  let n = 0;
  for (const events of h.values()) n += events.length;
  return n;
}
