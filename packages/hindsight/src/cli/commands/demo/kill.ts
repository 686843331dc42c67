/** Section 2: worker 1 takes the runs and is killed with SIGKILL while steps are in flight. */
import pc from 'picocolors';
import type { Client } from '../../../client/index.js';
import { findInFlight, loadHistories, type InFlight } from './histories.js';
import { readLedger } from './ledger.js';
import { orderIds, queryStatus, type Order } from './orders.js';
import { out, progressBar } from './output.js';
import { sleep } from './wait.js';
import { commandLine, startWorker, type WorkerProcess } from './workers.js';

/** Returns worker 1, dead. */
export async function runUntilKilled(client: Client, orders: Order[], args: string[], ledger: string): Promise<WorkerProcess> {
  out(`  ${pc.dim('$')} ${pc.dim(commandLine(args))}\n`);
  const w1 = await startWorker('worker 1', args, ledger);
  out(`  ${pc.green('●')} worker 1 is ready ${pc.dim(`(pid ${w1.pid})`)}\n`);

  // Kill once a good part of the work is done, while steps are in flight. The status
  // queries go first, half-way there, so that they do not hold the kill up.
  const ids = orderIds(orders);
  const killAfter = Math.max(3, Math.round(orders.length * 2.5));
  const asked = await waitForRequests(w1, ledger, ids, Math.ceil(killAfter / 2), 'service requests');
  await printStatuses(orders, asked);
  await waitForRequests(w1, ledger, ids, killAfter, 'service requests before the kill');

  await w1.kill();
  const atKill = readLedger(ledger, ids);
  out(`  ${pc.red(pc.bold('✖ SIGKILL'))} worker 1 ${pc.dim(`(pid ${w1.pid})`)} after ${atKill.length} service requests, ${w1.steps} step results recorded. No shutdown, no cleanup.\n`);
  printInFlight(findInFlight(atKill, await loadHistories(client, orders), w1.pid));
  return w1;
}

/** Until the services received `n` requests for these orders, or 15 seconds passed; returns how many they received. */
async function waitForRequests(w1: WorkerProcess, ledger: string, ids: Set<string>, n: number, label: string): Promise<number> {
  const bar = progressBar(`  {bar} {value}/{total} ${label} | {steps} step results recorded, {retries} retries`);
  bar?.start(n, 0, { steps: 0, retries: 0 });
  const deadline = Date.now() + 15_000;
  let requests = 0;
  while (requests < n && Date.now() < deadline) {
    w1.assertAlive();
    await sleep(10);
    requests = readLedger(ledger, ids).length;
    bar?.update(Math.min(requests, n), { steps: w1.steps, retries: w1.retries });
  }
  bar?.stop();
  return requests;
}

async function printStatuses(orders: Order[], requests: number): Promise<void> {
  out(`\n  After ${requests} service requests, asking each order where it is ${pc.dim("(ctx.onQuery('status'), answered by worker 1 from the run's state)")}\n`);
  const statuses = await Promise.all(orders.map((o) => queryStatus(o)));
  for (const [i, o] of orders.entries()) out(`    ${pc.cyan(o.id)}  ${statuses[i]}\n`);
  out('\n');
}

function printInFlight(inFlight: InFlight[]): void {
  if (inFlight.length === 0) {
    out(`  ${pc.dim('No step was in flight at that instant: every request sent had its result recorded.')}\n`);
    return;
  }
  out(`  Steps in flight when it died (the request reached the service, the result was never recorded):\n`);
  for (const f of inFlight) out(`    ${pc.yellow('↯')} ${pc.cyan(f.orderId)} ${f.step} ${pc.dim(`attempt ${f.attempt}, idempotency key …/${shortKey(f.key)}`)}\n`);
}

/** The end of `<workflowId>/<runId>/<seq>`: enough to find it in the ledger. */
function shortKey(key: string): string {
  return key.split('/').slice(-2).join('/').slice(-14);
}
