/** Section 5, printed: a table of runs, a table of step executions, and the checks. */
import Table from 'cli-table3';
import pc from 'picocolors';
import { out, statusColour, truncate } from './output.js';
import { APPROVAL_TIMEOUT } from './settings.js';
import type { OrderSummary, StepCall, Summary } from './summary.js';
import type { WorkerProcess } from './workers.js';

export function printSummary(s: Summary, w1: WorkerProcess, w2: WorkerProcess): void {
  printRuns(s);
  printStepExecutions(s, w1, w2);
  printChecks(s);
}

/** No rule between rows: one line per order. */
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

function printRuns(s: Summary): void {
  const table = new Table({
    head: ['order', 'scenario', 'status', 'result', 'events', 'w2 replayed', 'w2 recorded'].map((h) => pc.bold(h)),
    colAligns: ['left', 'left', 'left', 'left', 'right', 'right', 'right'],
    chars: COMPACT,
    style: { head: [], border: [] },
  });
  for (const row of s.rows) {
    table.push([
      pc.cyan(row.order.id),
      row.order.scenario.label,
      statusColour(row.outcome.status ?? 'UNFINISHED'),
      resultText(row),
      String(row.events),
      row.replayed === null ? pc.dim('closed before') : String(row.replayed),
      row.recorded === null ? pc.dim('—') : String(row.recorded),
    ]);
  }
  out(`${table.toString()}\n`);
  out(`  ${pc.dim('events: the order run plus its shipment child run; replayed = events before worker 2\'s WorkerAttached, recorded = after it')}\n\n`);
}

function resultText({ outcome }: OrderSummary): string {
  const r = outcome.result;
  if (outcome.status === 'COMPLETED' && r?.outcome === 'completed') {
    const parts = [`shipped ${r.trackingNumber ?? ''}`.trim()];
    if (r.approvedBy) parts.push(`approved by ${r.approvedBy.split('@')[0]}`);
    if (typeof r.loyaltyPoints === 'number') parts.push(`${r.loyaltyPoints} points`);
    return parts.join(', ');
  }
  if (outcome.status === 'COMPLETED' && r?.outcome === 'rejected') {
    return pc.yellow(/not approved/.test(r.reason ?? '') ? `not approved in ${APPROVAL_TIMEOUT}: refunded, released` : truncate(`rejected: ${r.reason ?? ''}`, 44));
  }
  if (outcome.status === 'CANCELLED') return pc.yellow('refunded, inventory released');
  if (outcome.error?.startsWith('PaymentDeclinedError')) return pc.red('card declined, inventory released');
  if (outcome.error) return pc.red(truncate(outcome.error.replace(/^workflow \S+ is BLOCKED and waits for fixed code or a fork: /, ''), 44));
  return '';
}

/** The checkout's steps, as the ledger names them, with their column headings. */
const STEP_COLUMNS: [string, string][] = [
  ['reserveInventory', 'reserve'],
  ['chargeCard', 'charge'],
  ['packItems', 'pack'],
  ['createShippingLabel', 'label'],
  ['sendEmail', 'emails'],
  ['awardLoyaltyPoints', 'points'],
  ['releaseInventory', 'release'],
  ['refundPayment', 'refund'],
];

function printStepExecutions(s: Summary, w1: WorkerProcess, w2: WorkerProcess): void {
  const table = new Table({
    head: ['order', ...STEP_COLUMNS.map(([, h]) => h)].map((h) => pc.bold(h)),
    chars: COMPACT,
    style: { head: [], border: [] },
  });
  for (const row of s.rows) table.push([pc.cyan(row.order.id), ...STEP_COLUMNS.map(([step]) => stepCell(row.calls.get(step)))]);
  out(`  Step executions, from the services' ledger ${pc.dim(`(1 = worker 1, pid ${w1.pid}; 2 = worker 2, pid ${w2.pid}; one entry per step call)`)}\n`);
  out(`${table.toString()}\n`);
  out(`  ${pc.dim('1')} worker 1 only   2 worker 2 only   ${pc.cyan('1→2')} retries went on in worker 2   ${pc.yellow('1→2*')} in flight at the kill: ran again in worker 2   ×n attempts\n\n`);
}

function stepCell(calls: StepCall[] | undefined): string {
  return calls ? calls.map(renderCall).join(' ') : pc.dim('·');
}

/** `1`, `1×3` (attempts), `1→2` (continued in worker 2); `*` and yellow when an attempt ran in both workers. */
function renderCall({ workers, ranAgain }: StepCall): string {
  const groups: { w: number; n: number }[] = [];
  for (const w of workers) {
    const last = groups[groups.length - 1];
    if (last && last.w === w) last.n++;
    else groups.push({ w, n: 1 });
  }
  const text = groups.map((g) => `${g.w || '?'}${g.n > 1 ? `×${g.n}` : ''}`).join('→');
  if (ranAgain) return pc.yellow(`${text}*`);
  return groups.length > 1 ? pc.cyan(text) : groups[0]!.w === 2 ? text : pc.dim(text);
}

function printChecks(s: Summary): void {
  if (s.reExecutedCompleted.length === 0) {
    ok(`${s.replayedCalls} step calls that worker 1 had completed were replayed from history by worker 2: none executed again`);
  } else {
    bad(`completed steps executed again by worker 2: ${s.reExecutedCompleted.join(', ')}`);
  }
  if (s.ranAgain.length > 0) {
    ok(`${s.ranAgain.length} step call${s.ranAgain.length === 1 ? ' was' : 's were'} in flight at the kill and ran again in worker 2 with the same idempotency key (at-least-once):`);
    for (const a of s.ranAgain) {
      const dedup = a.outcome === 'duplicate' ? pc.dim(' (the payment service saw the key again: answered, not charged twice)') : '';
      out(`      ${pc.cyan(a.orderId)} ${a.step}, as attempt ${a.attempt}${dedup}\n`);
    }
  } else {
    ok('no step was in flight at the kill, so nothing ran twice');
  }
  if (s.doubleCharges.length === 0) ok('every card was charged at most once');
  else bad(`cards charged twice: ${s.doubleCharges.join(', ')}`);
  for (const p of s.wrongOutcomes) bad(p);
}

function ok(text: string): void {
  out(`  ${pc.green('✔')} ${text}\n`);
}

function bad(text: string): void {
  out(`  ${pc.red('✖')} ${text}\n`);
}
