/**
 * An order checkout as durable workflows. Run them with
 *
 *     hindsight worker --workflows examples/checkout/dist/workflows.js
 *
 * or watch `hindsight demo` kill a worker in the middle of them.
 *
 * Workflow code is deterministic: it talks to the world only through `ctx`
 * (steps, timers, signals, children), so after a crash another worker can
 * replay the recorded history and continue exactly where the run stopped.
 */
import {
  CancelledError,
  StepFailedError,
  workflow,
  type Duration,
  type WorkflowContext,
} from 'hindsight/workflow';
import type { LineItem } from './services.js';
import {
  awardLoyaltyPoints,
  chargeCard,
  createShippingLabel,
  packItems,
  reconcileDay,
  refundPayment,
  releaseInventory,
  reserveInventory,
  sendEmail,
} from './steps.js';

export type { LineItem } from './services.js';

/** Orders above this amount (in cents) wait for a person to approve them. */
export const APPROVAL_THRESHOLD = 100_000;

export interface CheckoutInput {
  orderId: string;
  customer: { id: string; email: string };
  items: LineItem[];
  /** A card token, e.g. `tok_visa` (see TEST_CARDS in services.ts). */
  card: string;
  shippingAddress: string;
  /** How long an order above APPROVAL_THRESHOLD waits for its 'approval' signal. Default '2 days'. */
  approvalTimeout?: Duration;
  /** When the follow-up email goes out after shipping. Default '30 days'. */
  followUpAfter?: Duration;
}

/** The payload of the 'approval' signal. */
export interface Approval {
  approved: boolean;
  by: string;
  note?: string;
}

export type CheckoutResult =
  | {
      orderId: string;
      outcome: 'completed';
      confirmation: string;
      chargeId: string;
      trackingNumber: string;
      /** null for runs recorded before the `loyalty-points` patch. */
      loyaltyPoints: number | null;
      approvedBy: string | null;
    }
  | { orderId: string; outcome: 'rejected'; reason: string };

export type Stage =
  | 'reserving inventory'
  | 'charging card'
  | 'awaiting approval'
  | 'shipping'
  | 'emailing'
  | 'awarding points'
  | 'waiting for follow-up'
  | 'completed'
  | 'compensating'
  | 'declined'
  | 'rejected'
  | 'failed'
  | 'cancelled';

/** What the 'status' query answers. */
export interface CheckoutStatus {
  orderId: string;
  stage: Stage;
  /** Workflow time the stage began. */
  since: number;
  amount: number;
  needsApproval: boolean;
}

/** The card was declined: the order is not placed. The workflow fails with this error. */
export class PaymentDeclinedError extends Error {
  readonly code = 'PAYMENT_DECLINED';
  constructor(orderId: string, reason: string, compensated: string[]) {
    super(`order ${orderId} was not placed: ${reason}${compensated.length ? `; ${compensated.join(', ')}` : ''}`);
    this.name = 'PaymentDeclinedError';
  }
}

export const orderAmount = (items: LineItem[]): number => items.reduce((sum, i) => sum + i.qty * i.price, 0);

export interface ShipOrderInput {
  orderId: string;
  items: LineItem[];
  address: string;
  email: string;
}

/** Child workflow: packs the order, buys a label and tells the customer. */
export const shipOrder = workflow('shipOrder', async (ctx, input: ShipOrderInput) => {
  await ctx.step(packItems, input.orderId, input.items);
  const label = await ctx.step(createShippingLabel, input.orderId, input.address);
  await ctx.step(sendEmail, input.orderId, input.email, 'shipped');
  return label;
});

export const checkout = workflow('checkout', async (ctx: WorkflowContext, order: CheckoutInput): Promise<CheckoutResult> => {
  const amount = orderAmount(order.items);
  const needsApproval = amount > APPROVAL_THRESHOLD;
  const status: CheckoutStatus = { orderId: order.orderId, stage: 'reserving inventory', since: ctx.now(), amount, needsApproval };
  const enter = (stage: Stage) => {
    status.stage = stage;
    status.since = ctx.now();
  };
  ctx.onQuery('status', () => status);

  // A saga: each step that changes the world registers how to undo it,
  // before it runs (an aborted charge may still have reached the gateway).
  const compensations: { what: string; undo: () => Promise<unknown> }[] = [];
  const compensate = async (): Promise<string[]> => {
    enter('compensating');
    const done: string[] = [];
    for (const c of compensations.reverse()) {
      await c.undo();
      done.push(c.what);
    }
    compensations.length = 0;
    return done;
  };

  try {
    const { reservationId } = await ctx.step(reserveInventory, order.orderId, order.items);
    compensations.push({ what: 'inventory released', undo: () => ctx.step(releaseInventory, order.orderId, reservationId) });

    enter('charging card');
    compensations.push({ what: 'payment refunded', undo: () => ctx.step(refundPayment, order.orderId, amount) });
    let chargeId: string;
    try {
      ({ chargeId } = await ctx.step(chargeCard, order.orderId, order.card, amount));
    } catch (err) {
      if (!(err instanceof StepFailedError)) throw err;
      compensations.pop(); // nothing was charged
      const undone = await compensate();
      enter('declined');
      await ctx.step(sendEmail, order.orderId, order.customer.email, 'declined');
      const reason = err.failure.name === 'CardDeclinedError' ? err.failure.message : `the payment failed after ${err.attempts} attempts: ${err.failure.message}`;
      throw new PaymentDeclinedError(order.orderId, reason, undone);
    }

    let approvedBy: string | null = null;
    if (needsApproval) {
      enter('awaiting approval');
      const timeout = order.approvalTimeout ?? '2 days';
      const approval = await ctx.waitForSignal<Approval>('approval', { timeout });
      if (!approval?.approved) {
        const reason = approval ? `rejected by ${approval.by}${approval.note ? `: ${approval.note}` : ''}` : `not approved within ${timeout}`;
        const undone = await compensate();
        await ctx.step(sendEmail, order.orderId, order.customer.email, 'cancelled');
        enter('rejected');
        return { orderId: order.orderId, outcome: 'rejected', reason: `${reason}; ${undone.join(', ')}` };
      }
      approvedBy = approval.by;
    }

    enter('shipping');
    const label = await ctx.child(shipOrder, {
      orderId: order.orderId,
      items: order.items,
      address: order.shippingAddress,
      email: order.customer.email,
    }, { workflowId: `${ctx.workflowId}/shipment` });
    compensations.length = 0; // shipped: from here on a return is a new process, not an undo

    enter('emailing');
    await ctx.step(sendEmail, order.orderId, order.customer.email, 'confirmation');

    // Version 2 added loyalty points. Runs recorded by version 1 replay without
    // them; runs started since take the new path. See docs/workflows.md.
    let loyaltyPoints: number | null = null;
    if (ctx.patched('loyalty-points')) {
      enter('awarding points');
      loyaltyPoints = Math.floor(amount / 100);
      await ctx.step(awardLoyaltyPoints, order.orderId, order.customer.id, loyaltyPoints);
    }

    enter('waiting for follow-up');
    await ctx.sleep(order.followUpAfter ?? '30 days');
    await ctx.step(sendEmail, order.orderId, order.customer.email, 'follow-up');

    enter('completed');
    return {
      orderId: order.orderId,
      outcome: 'completed',
      // Deterministic: the same code on every replay.
      confirmation: ctx.uuid().slice(0, 8).toUpperCase(),
      chargeId,
      trackingNumber: label.trackingNumber,
      loyaltyPoints,
      approvedBy,
    };
  } catch (err) {
    // Whatever ended the order early (a cancellation, a shipment that failed), undo
    // what is not undone yet and tell the customer. Steps still run after a
    // cancellation; rethrowing the CancelledError then ends the run CANCELLED.
    if (compensations.length > 0) {
      await compensate();
      await ctx.step(sendEmail, order.orderId, order.customer.email, 'cancelled');
    }
    if (err instanceof CancelledError) enter('cancelled');
    else if (status.stage !== 'declined') enter('failed');
    throw err;
  }
});

export interface ReconciliationInput {
  /** Days reconciled so far, over all runs of the chain. */
  day: number;
  /** Stop after this many days (absent: run forever). */
  untilDay?: number;
  /** Time between two reconciliations. Default '1 day'. */
  every?: Duration;
  /** Days per run before continuing as new. Default 30. */
  daysPerRun?: number;
}

/**
 * A long-lived periodic job. Each iteration adds events to the history, so
 * every `daysPerRun` days it continues as new: same workflow id, fresh history.
 */
export const dailyReconciliation = workflow('dailyReconciliation', async (ctx, input: ReconciliationInput) => {
  const daysPerRun = input.daysPerRun ?? 30;
  let day = input.day;
  ctx.onQuery('day', () => day);
  for (let i = 0; i < daysPerRun; i++) {
    if (input.untilDay !== undefined && day >= input.untilDay) return { reconciledDays: day };
    await ctx.sleep(input.every ?? '1 day');
    await ctx.step(reconcileDay, day);
    day++;
  }
  return ctx.continueAsNew({ ...input, day });
});
