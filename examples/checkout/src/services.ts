/**
 * Small fake services the checkout talks to: inventory, payments, shipping,
 * email and loyalty. They stand in for the HTTP APIs a real shop would call.
 *
 * Every request that reaches a service is appended as one JSON line to the
 * ledger file (env HINDSIGHT_EXAMPLE_LEDGER, default
 * `.hindsight/example-ledger.jsonl`) with the process id of the worker that
 * sent it. The ledger is the outside world's memory: `hindsight demo` reads it
 * to prove which step executions happened in which process, and the payment
 * service reads it to honour idempotency keys the way a real payment API does.
 *
 * A request is written to the ledger when it reaches the service, before the
 * reply travels back: a worker killed while waiting for the reply has caused
 * the side effect but never recorded the result. That is exactly the case
 * idempotency keys exist for.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NonRetryableError } from 'hindsight/workflow';

/** One line of the ledger. */
export interface LedgerEntry {
  service: 'inventory' | 'payments' | 'shipping' | 'email' | 'loyalty';
  action: string;
  orderId: string;
  /** The step's idempotency key: the same for every attempt and every re-execution of one step call. */
  idempotencyKey: string;
  /** The step that sent the request. */
  step: string;
  /** The step attempt (1 for the first). */
  attempt: number;
  /** 'ok', 'duplicate' (an idempotency key seen before: answered with the first result), or what went wrong. */
  outcome: string;
  /** The worker process that sent the request. */
  pid: number;
  /** Wall-clock milliseconds. */
  at: number;
  detail?: Record<string, unknown>;
}

/** What every service call needs from the step that makes it. */
export interface CallContext {
  readonly stepName: string;
  readonly idempotencyKey: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
}

export const DEFAULT_LEDGER = path.join('.hindsight', 'example-ledger.jsonl');

export function ledgerPath(): string {
  return process.env.HINDSIGHT_EXAMPLE_LEDGER || DEFAULT_LEDGER;
}

export function readLedger(file: string = ledgerPath()): LedgerEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LedgerEntry);
}

function record(entry: Omit<LedgerEntry, 'pid' | 'at'>): void {
  const file = ledgerPath();
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  // One write(2) per line with O_APPEND: lines from several processes never interleave.
  appendFileSync(file, `${JSON.stringify({ ...entry, pid: process.pid, at: Date.now() })}\n`);
}

/** Network latency: 20-80 ms, cut short (with the abort reason) when the step attempt is aborted. */
export function latency(signal: AbortSignal, min = 20, max = 80): Promise<void> {
  const ms = min + Math.floor(Math.random() * (max - min + 1));
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A short, stable id derived from a key: the same request always gets the same id back. */
const idFrom = (prefix: string, key: string): string => `${prefix}_${createHash('sha256').update(key).digest('hex').slice(0, 10)}`;

/** A small stable number from a string (FNV-1a), for the deterministic faults below. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

// --- inventory ---------------------------------------------------------------

export interface LineItem {
  sku: string;
  qty: number;
  /** Unit price in cents. */
  price: number;
}

export const inventory = {
  async reserve(call: CallContext, orderId: string, items: LineItem[]): Promise<{ reservationId: string }> {
    record({ service: 'inventory', action: 'reserve', orderId, idempotencyKey: call.idempotencyKey, step: call.stepName, attempt: call.attempt, outcome: 'ok', detail: { skus: items.map((i) => i.sku) } });
    await latency(call.signal);
    return { reservationId: idFrom('res', call.idempotencyKey) };
  },

  async release(call: CallContext, orderId: string, reservationId: string): Promise<void> {
    record({ service: 'inventory', action: 'release', orderId, idempotencyKey: call.idempotencyKey, step: call.stepName, attempt: call.attempt, outcome: 'ok', detail: { reservationId } });
    await latency(call.signal);
  },
};

// --- payments ----------------------------------------------------------------

/** The card issuer said no: retrying the same card will not change its mind. */
export class CardDeclinedError extends NonRetryableError {
  readonly code = 'card_declined';
}

/** The payment gateway did not answer in time: worth another try. */
export class GatewayTimeoutError extends Error {
  override readonly name = 'GatewayTimeoutError';
}

/**
 * Test cards, as payment providers have them:
 * - `tok_visa` is charged;
 * - `tok_flaky` meets a gateway timeout on its first one or two attempts
 *   (how many is decided by the order id), then is charged;
 * - `tok_declined` is declined (insufficient funds).
 */
export const TEST_CARDS = { ok: 'tok_visa', flaky: 'tok_flaky', declined: 'tok_declined' } as const;

/** Attempts that time out at the gateway for this order and card: deterministic from the order id. */
export function gatewayFailures(orderId: string, card: string): number {
  return card === TEST_CARDS.flaky ? 1 + (stableHash(orderId) % 2) : 0;
}

export const payments = {
  async charge(call: CallContext, orderId: string, card: string, amount: number): Promise<{ chargeId: string; amount: number }> {
    const base = { service: 'payments', action: 'charge', orderId, idempotencyKey: call.idempotencyKey, step: call.stepName, attempt: call.attempt } as const;
    if (call.attempt <= gatewayFailures(orderId, card)) {
      record({ ...base, outcome: 'gateway timeout' });
      await latency(call.signal);
      throw new GatewayTimeoutError(`payment gateway timed out charging order ${orderId} (attempt ${call.attempt})`);
    }
    if (card === TEST_CARDS.declined) {
      record({ ...base, outcome: 'declined' });
      await latency(call.signal);
      throw new CardDeclinedError(`the card was declined (${card}: insufficient funds)`);
    }
    // A real payment API keeps the idempotency keys it has seen: a repeated request is answered, not charged again.
    const seen = readLedger().some((e) => e.idempotencyKey === call.idempotencyKey && e.action === 'charge' && (e.outcome === 'ok' || e.outcome === 'duplicate'));
    record({ ...base, outcome: seen ? 'duplicate' : 'ok', detail: { amount } });
    await latency(call.signal);
    return { chargeId: idFrom('ch', call.idempotencyKey), amount };
  },

  async refund(call: CallContext, orderId: string, amount: number): Promise<{ refundId: string }> {
    record({ service: 'payments', action: 'refund', orderId, idempotencyKey: call.idempotencyKey, step: call.stepName, attempt: call.attempt, outcome: 'ok', detail: { amount } });
    await latency(call.signal);
    return { refundId: idFrom('re', call.idempotencyKey) };
  },
};

// --- shipping ----------------------------------------------------------------

export const shipping = {
  async pack(call: CallContext, orderId: string, sku: string, qty: number): Promise<void> {
    record({ service: 'shipping', action: 'pack', orderId, idempotencyKey: call.idempotencyKey, step: call.stepName, attempt: call.attempt, outcome: 'ok', detail: { sku, qty } });
    await latency(call.signal, 10, 30);
  },

  async createLabel(call: CallContext, orderId: string, address: string): Promise<{ trackingNumber: string; carrier: string }> {
    record({ service: 'shipping', action: 'create-label', orderId, idempotencyKey: call.idempotencyKey, step: call.stepName, attempt: call.attempt, outcome: 'ok', detail: { address } });
    await latency(call.signal);
    return { trackingNumber: `1Z${idFrom('', call.idempotencyKey).slice(1).toUpperCase()}`, carrier: 'UPS' };
  },
};

// --- email and loyalty ---------------------------------------------------------

export const email = {
  async send(call: CallContext, orderId: string, to: string, template: string): Promise<{ messageId: string }> {
    record({ service: 'email', action: `send:${template}`, orderId, idempotencyKey: call.idempotencyKey, step: call.stepName, attempt: call.attempt, outcome: 'ok', detail: { to } });
    await latency(call.signal);
    return { messageId: idFrom('msg', call.idempotencyKey) };
  },
};

export const loyalty = {
  async award(call: CallContext, orderId: string, customer: string, points: number): Promise<{ balance: number }> {
    record({ service: 'loyalty', action: 'award', orderId, idempotencyKey: call.idempotencyKey, step: call.stepName, attempt: call.attempt, outcome: 'ok', detail: { customer, points } });
    await latency(call.signal);
    return { balance: points };
  },
};
