/** The lines that tell the reader what they are looking at, and where to look next. */
import path from 'node:path';
import pc from 'picocolors';
import type { Order } from './orders.js';
import { money, out, shortPath } from './output.js';
import type { Kind } from './scenarios.js';
import { APPROVAL_TIMEOUT, EXAMPLE_SOURCE, FOLLOW_UP_AFTER } from './settings.js';

export function printIntro(storeLocation: string, ledger: string): void {
  out(`\n${pc.bold('Hindsight demo')}: durable checkout workflows outlive a worker killed with SIGKILL\n\n`);
  out(`  ${pc.dim('store ')}  ${storeLocation}\n`);
  out(`  ${pc.dim('code  ')}  ${shortPath(EXAMPLE_SOURCE)}\n`);
  out(`  ${pc.dim('ledger')}  ${shortPath(ledger)}  ${pc.dim('(every request the fake services receive, with the pid of the worker that sent it)')}\n`);
}

/** One line per order; a kind's note only on its first order. */
export function printOrders(orders: Order[]): void {
  const seen = new Set<Kind>();
  for (const o of orders) {
    const first = !seen.has(o.scenario.kind);
    seen.add(o.scenario.kind);
    const note = first ? (o.scenario.note ?? '') : '';
    out(`  ${pc.cyan(o.id)}  ${o.scenario.label.padEnd(19)} ${money(o.amount).padStart(10)}  ${pc.dim(note)}\n`);
  }
  out(
    `\n  ${pc.dim(`Timers are short so that the demo ends soon: the follow-up email waits ${FOLLOW_UP_AFTER} and approval times out after ${APPROVAL_TIMEOUT}.`)}\n` +
      `  ${pc.dim(`In production the same code says ctx.sleep('30 days') and waitForSignal('approval', { timeout: '2 days' }): a timer is a row in the store, not a sleeping process.`)}\n`,
  );
}

/** Commands to look at the runs the demo left in the store. */
export function printNext(orders: Order[], storeArg: string, ledger: string): void {
  const example = orders.find((o) => o.scenario.kind === 'flaky') ?? orders[0]!;
  const storeFlag = storeArg === path.resolve('.hindsight/hindsight.db') ? '' : ` --store ${shortPath(storeArg)}`;
  out(`  hindsight workflow list${storeFlag}\n`);
  out(`  hindsight workflow show ${example.id}${storeFlag}\n`);
  out(`  hindsight workflow history ${example.id}${storeFlag}\n`);
  out(`  ${pc.dim(`the ledger of side effects: ${shortPath(ledger)}; how the checkout is written: docs/workflows.md`)}\n`);
}
