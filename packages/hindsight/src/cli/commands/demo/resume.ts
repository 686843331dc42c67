/** Section 4: worker 2 takes over every run and replays its history; the demo waits for every order to end. */
import pc from 'picocolors';
import { settle, type Order, type Outcome } from './orders.js';
import { out, progressBar } from './output.js';
import { LEASE_TIMEOUT } from './settings.js';
import { startWorker, type WorkerProcess } from './workers.js';

export async function resumeByReplay(orders: Order[], args: string[], ledger: string): Promise<{ w2: WorkerProcess; outcomes: Outcome[] }> {
  const w2 = await startWorker('worker 2', args, ledger);
  out(`  ${pc.green('●')} worker 2 is ready ${pc.dim(`(pid ${w2.pid})`)}. It claims each run once worker 1's lease on it expires (--lease-timeout ${LEASE_TIMEOUT}),\n`);
  out(`    replays the history (recorded step results are returned, not executed) and goes on from there.\n`);
  const outcomes = await awaitOutcomes(orders, w2);
  const ended = outcomes.filter((o) => o.status === 'COMPLETED' || o.status === 'FAILED' || o.status === 'CANCELLED').length;
  const mark = ended === orders.length ? pc.green('●') : pc.red('●');
  out(`  ${mark} ${ended} of ${orders.length} orders ended; worker 2 claimed ${w2.claimed} runs (orders and their shipments) and replayed ${w2.replayed} recorded events\n`);
  return { w2, outcomes };
}

/** One outcome per order, in order; should worker 2 die, the orders still open end with its error. */
async function awaitOutcomes(orders: Order[], w2: WorkerProcess): Promise<Outcome[]> {
  const bar = progressBar(`  {bar} {value}/{total} orders finished | worker 2: {claimed} runs taken over, {replayed} events replayed, {steps} steps executed`);
  bar?.start(orders.length, 0, { claimed: 0, replayed: 0, steps: 0 });
  let finished = 0;
  const tick = () => bar?.update(finished, { claimed: w2.claimed, replayed: w2.replayed, steps: w2.steps });
  w2.onEvent = tick;
  const outcomes = await Promise.all(
    orders.map(async (o) => {
      const outcome = await Promise.race([settle(o), w2.died().then((error): Outcome => ({ error }))]);
      finished++;
      tick();
      return outcome;
    }),
  );
  bar?.stop();
  return outcomes;
}
