/**
 * The checkout's steps: everything that talks to the outside world. A step
 * runs outside the deterministic workflow sandbox (real clock, real I/O), is
 * retried by its policy, and its result is recorded once: after a crash the
 * workflow gets the recorded result back instead of calling the service again.
 *
 * Each step passes its `idempotencyKey` on to the service. The key is the
 * same for every attempt and every re-execution of one step call, so a
 * request repeated after a crash (at-least-once) is recognised by the service.
 */
import { step } from 'hindsight/workflow';
import { email, inventory, loyalty, payments, readLedger, shipping, type LineItem } from './services.js';

export const reserveInventory = step(
  'reserveInventory',
  (ctx, orderId: string, items: LineItem[]) => inventory.reserve(ctx, orderId, items),
  { startToCloseTimeout: '10s', retry: { maxAttempts: 5, initialInterval: '200ms' } },
);

/** Compensation for `reserveInventory`. */
export const releaseInventory = step(
  'releaseInventory',
  (ctx, orderId: string, reservationId: string) => inventory.release(ctx, orderId, reservationId),
  { startToCloseTimeout: '10s' },
);

/**
 * Charges the card. Gateway timeouts are retried with exponential backoff
 * (200ms, 400ms, 800ms, ...); a declined card is a `NonRetryableError` and
 * ends the step at the first attempt.
 */
export const chargeCard = step(
  'chargeCard',
  (ctx, orderId: string, card: string, amount: number) => payments.charge(ctx, orderId, card, amount),
  {
    startToCloseTimeout: '5s',
    scheduleToCloseTimeout: '2 minutes',
    retry: { maxAttempts: 6, initialInterval: '200ms', backoffCoefficient: 2, maxInterval: '5s', nonRetryableErrors: ['CardDeclinedError'] },
  },
);

/** Compensation for `chargeCard`: refunds whatever was charged for the order. */
export const refundPayment = step(
  'refundPayment',
  (ctx, orderId: string, amount: number) => payments.refund(ctx, orderId, amount),
  { startToCloseTimeout: '10s', retry: { maxAttempts: 20, initialInterval: '500ms', maxInterval: '1 minute' } },
);

/**
 * Packs the items one by one, reporting progress with a heartbeat. An attempt
 * that stops heartbeating for a second is treated as failed and retried; the
 * retry resumes after the last item the previous attempt reported.
 */
export const packItems = step(
  'packItems',
  async (ctx, orderId: string, items: LineItem[]) => {
    const done = typeof ctx.lastHeartbeat === 'number' ? ctx.lastHeartbeat : 0;
    for (let i = done; i < items.length; i++) {
      await shipping.pack(ctx, orderId, items[i]!.sku, items[i]!.qty);
      ctx.heartbeat(i + 1);
    }
    return { packages: 1, items: items.length };
  },
  { heartbeatTimeout: '1s', startToCloseTimeout: '30s' },
);

export const createShippingLabel = step(
  'createShippingLabel',
  (ctx, orderId: string, address: string) => shipping.createLabel(ctx, orderId, address),
  { startToCloseTimeout: '10s' },
);

export const sendEmail = step(
  'sendEmail',
  (ctx, orderId: string, to: string, template: 'confirmation' | 'shipped' | 'follow-up' | 'declined' | 'cancelled') =>
    email.send(ctx, orderId, to, template),
  { startToCloseTimeout: '10s', retry: { maxAttempts: 10, initialInterval: '1s' } },
);

/** Added in version 2 of the checkout: runs only in runs that took the `loyalty-points` patch. */
export const awardLoyaltyPoints = step(
  'awardLoyaltyPoints',
  (ctx, orderId: string, customer: string, points: number) => loyalty.award(ctx, orderId, customer, points),
  { startToCloseTimeout: '10s' },
);

/** Compares a day's charges and refunds in the ledger (read-only: nothing to undo, safe to repeat). */
export const reconcileDay = step(
  'reconcileDay',
  (_ctx, day: number) => {
    const entries = readLedger();
    const charges = entries.filter((e) => e.action === 'charge' && e.outcome === 'ok').length;
    const refunds = entries.filter((e) => e.action === 'refund').length;
    return { day, charges, refunds };
  },
  { startToCloseTimeout: '1 minute' },
);
