/** What the demo does to its checkout orders through the client: start, ask, signal, cancel, await. */
import pc from 'picocolors';
import { WorkflowBlockedError, WorkflowFailedError, type Client, type WorkflowHandle } from '../../../client/index.js';
import { HindsightError } from '../../../common/errors.js';
import type { RunRecord } from '../../../store/index.js';
import { failureLine } from '../../output/values.js';
import { out, stageColour, statusColour } from './output.js';
import { amountOf, SCENARIOS, type Scenario } from './scenarios.js';
import { ANSWERED_APPROVAL_TIMEOUT, APPROVAL_TIMEOUT, FOLLOW_UP_AFTER, RESULT_TIMEOUT_MS, TASK_QUEUE } from './settings.js';
import { within } from './wait.js';

export interface Order {
  id: string;
  scenario: Scenario;
  /** In cents. */
  amount: number;
  handle: WorkflowHandle;
}

/** How an order ended, as its result or failure says; no status if it did not end. */
export interface Outcome {
  status?: RunRecord['status'];
  result?: { outcome?: string; reason?: string; trackingNumber?: string; loyaltyPoints?: number | null; approvedBy?: string | null };
  error?: string;
}

/** Starts `count` checkout runs, taking the scenarios in turn. */
export async function startOrders(client: Client, count: number): Promise<Order[]> {
  // A tag per demo: a second demo on the same store must not reuse the first one's workflow ids.
  const tag = Date.now().toString(36).slice(-5);
  const digits = Math.max(2, String(count).length);
  const orders: Order[] = [];
  for (let i = 0; i < count; i++) {
    const scenario = SCENARIOS[i % SCENARIOS.length]!;
    const id = `ord-${tag}-${String(i + 1).padStart(digits, '0')}`;
    const handle = await client.start('checkout', checkoutInput(id, i, scenario), { workflowId: id, taskQueue: TASK_QUEUE });
    orders.push({ id, scenario, amount: amountOf(scenario), handle });
  }
  return orders;
}

/** The workflow's input; five customers take turns. */
function checkoutInput(orderId: string, i: number, scenario: Scenario) {
  const customer = (i % 5) + 1;
  return {
    orderId,
    customer: { id: `cust-${customer}`, email: `customer${customer}@example.com` },
    items: scenario.items,
    card: scenario.card,
    shippingAddress: `${10 + i} Market Street, San Francisco`,
    approvalTimeout: scenario.action ? ANSWERED_APPROVAL_TIMEOUT : APPROVAL_TIMEOUT,
    followUpAfter: FOLLOW_UP_AFTER,
  };
}

export function orderIds(orders: Order[]): Set<string> {
  return new Set(orders.map((o) => o.id));
}

/** The order's stage from its 'status' query; at most a second, so that the kill is not held up. */
export async function queryStatus(o: Order): Promise<string> {
  const closed = async (note: string): Promise<string | null> => {
    const run = await o.handle.describe();
    return run.status === 'RUNNING' ? null : `${statusColour(run.status)} ${pc.dim(note)}`;
  };
  try {
    const s = await within(o.handle.query<{ stage: string }>('status'), 1000, () => null);
    if (s) return stageColour(s.stage);
    return (await closed('(closed while the query waited)')) ?? pc.dim('(no answer within 1s)');
  } catch (err) {
    if (HindsightError.is(err, 'HS_E_RUN_CLOSED')) return (await closed('(closed already: nothing left to ask)')) ?? '';
    return pc.dim(`(${(err as Error).message})`);
  }
}

/** Signals and cancels wait in the store's run inbox until a worker takes the run. */
export async function sendMessages(orders: Order[]): Promise<void> {
  for (const o of orders) {
    if (o.scenario.action === 'approve') {
      await o.handle.signal('approval', { approved: true, by: 'ops@shop.example', note: 'looks fine' });
      out(`  ${pc.green('→')} signal 'approval' to ${pc.cyan(o.id)} ${pc.dim('(waits in the run inbox)')}\n`);
    } else if (o.scenario.action === 'cancel') {
      await o.handle.cancel('the customer cancelled the order');
      out(`  ${pc.red('→')} cancel ${pc.cyan(o.id)} ${pc.dim('(the workflow will undo what it did, then end CANCELLED)')}\n`);
    }
  }
  if (!orders.some((o) => o.scenario.action)) out(`  ${pc.dim('(no order here needs a signal)')}\n`);
}

/** Waits for the order's result; a failure is an outcome too, not an error. */
export async function settle(o: Order): Promise<Outcome> {
  try {
    const result = (await o.handle.result({ timeout: RESULT_TIMEOUT_MS })) as Outcome['result'];
    return { status: 'COMPLETED', result };
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      return { status: err.status as RunRecord['status'], ...(err.failure ? { error: failureLine(err.failure) } : {}) };
    }
    if (err instanceof WorkflowBlockedError) return { status: 'BLOCKED', error: err.message };
    return { error: (err as Error).message };
  }
}
