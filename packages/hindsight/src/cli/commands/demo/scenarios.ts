/** The kinds of checkout order the demo starts, and how each must end. */
import type { RunRecord } from '../../../store/index.js';
import { APPROVAL_TIMEOUT } from './settings.js';

export type Kind = 'normal' | 'flaky' | 'declined' | 'approved' | 'unapproved' | 'cancelled';

interface Item {
  sku: string;
  qty: number;
  /** In cents. */
  price: number;
}

export interface Scenario {
  kind: Kind;
  label: string;
  /** The example's payment service decides by card token: `tok_flaky` times out, `tok_declined` is declined. */
  card: string;
  items: Item[];
  /** What the demo does to the order while no worker runs. */
  action?: 'approve' | 'cancel';
  expect: { status: RunRecord['status']; outcome?: 'completed' | 'rejected' };
  /** Shown next to the first order of its kind only. */
  note?: string;
}

const MUGS = [{ sku: 'mug-blue', qty: 2, price: 1_450 }, { sku: 'beans-1kg', qty: 1, price: 2_900 }];
const BOOKS = [{ sku: 'book-ddia', qty: 1, price: 4_200 }];
const LAPTOP = [{ sku: 'laptop-14', qty: 1, price: 239_900 }];
const BIKE = [{ sku: 'e-bike', qty: 1, price: 310_000 }, { sku: 'helmet', qty: 1, price: 8_900 }];

/** Orders take these in turn; the first eight show every kind. */
export const SCENARIOS: Scenario[] = [
  { kind: 'normal', label: 'normal', card: 'tok_visa', items: MUGS, expect: { status: 'COMPLETED', outcome: 'completed' }, note: 'reserve, charge, ship (child workflow), emails, loyalty points, follow-up timer' },
  { kind: 'flaky', label: 'flaky gateway', card: 'tok_flaky', items: BOOKS, expect: { status: 'COMPLETED', outcome: 'completed' }, note: 'the payment gateway times out on the first attempt(s); retried with backoff' },
  { kind: 'declined', label: 'declined card', card: 'tok_declined', items: MUGS, expect: { status: 'FAILED' }, note: 'NonRetryableError: no retries; inventory released, the run fails' },
  { kind: 'approved', label: 'needs approval', card: 'tok_visa', items: LAPTOP, action: 'approve', expect: { status: 'COMPLETED', outcome: 'completed' }, note: "above $1,000: waits for an 'approval' signal; the demo approves it" },
  { kind: 'normal', label: 'normal', card: 'tok_visa', items: BOOKS, expect: { status: 'COMPLETED', outcome: 'completed' } },
  { kind: 'unapproved', label: 'approval times out', card: 'tok_visa', items: BIKE, expect: { status: 'COMPLETED', outcome: 'rejected' }, note: `nobody approves it: after ${APPROVAL_TIMEOUT} the payment is refunded, inventory released` },
  { kind: 'flaky', label: 'flaky gateway', card: 'tok_flaky', items: MUGS, expect: { status: 'COMPLETED', outcome: 'completed' } },
  { kind: 'cancelled', label: 'cancelled', card: 'tok_visa', items: LAPTOP, action: 'cancel', expect: { status: 'CANCELLED' }, note: 'the customer cancels while it waits for approval: refund, release, CANCELLED' },
];

/** In cents. */
export function amountOf(scenario: Scenario): number {
  return scenario.items.reduce((s, it) => s + it.qty * it.price, 0);
}
