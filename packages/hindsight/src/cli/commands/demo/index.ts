/**
 * `hindsight demo`: checkout workflows, a worker killed with SIGKILL in the
 * middle of them, and a second worker that resumes every run by replaying its
 * history. Everything is real: a SQLite store file, two worker processes
 * (`hindsight worker`), a real signal. The example's fake services write every
 * request they receive to a ledger file with the sender's pid, which is how
 * the summary proves what executed where.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { Client } from '../../../client/index.js';
import { HindsightError, InvalidInputError } from '../../../common/errors.js';
import { openStore, type Store } from '../../../store/index.js';
import { intFlag } from '../../flags.js';
import { plural } from '../../output/values.js';
import { storeFile, storePath } from '../../store.js';
import type { RegisterCommand } from '../index.js';
import { printIntro, printNext, printOrders } from './guide.js';
import { loadHistories } from './histories.js';
import { runUntilKilled } from './kill.js';
import { freshLedger, readLedger } from './ledger.js';
import { orderIds, sendMessages, startOrders } from './orders.js';
import { heading, out } from './output.js';
import { printSummary } from './report.js';
import { resumeByReplay } from './resume.js';
import { CLI_MAIN, EXAMPLE_WORKFLOWS, MAX_ORDERS } from './settings.js';
import { problemCount, summarize } from './summary.js';
import { killWorkersOnExit, stopWorkers, workerArgs } from './workers.js';

export const register: RegisterCommand = (program) => {
  const cmd = program
    .command('demo')
    .description('run checkout workflows, SIGKILL their worker mid-run, and watch a second worker resume them by replay')
    .option('--orders <n>', 'how many checkout orders to start', '8');
  // The store flag is global when main.ts declares it; declare it here otherwise.
  if (!program.options.some((o) => o.long === '--store')) cmd.option('--store <path>', 'store file (default .hindsight/hindsight.db)');
  cmd.action(async (opts: { orders: string }, command: Command) => {
    const orders = intFlag('--orders', opts.orders, 1);
    if (orders > MAX_ORDERS) {
      throw new InvalidInputError(`--orders must be at most ${MAX_ORDERS}: the demo is a tour, not a load test (for that, see \`npm run bench\`)`);
    }
    await runDemo(storePath(command), orders);
  });
};

async function runDemo(storeOption: string, count: number): Promise<void> {
  const t0 = Date.now();
  assertExampleBuilt();
  killWorkersOnExit();
  const storeArg = /^sqlite:/i.test(storeOption) ? storeOption : path.resolve(storeOption);
  const ledger = freshLedger(storeFile(storeOption));
  const store = await openStore({ path: storeOption });
  try {
    await tour(store, storeArg, ledger, count);
  } finally {
    await stopWorkers();
    await store.close();
  }
  out(`\n${pc.dim(`demo finished in ${((Date.now() - t0) / 1000).toFixed(1)}s`)}\n`);
}

function assertExampleBuilt(): void {
  if (existsSync(EXAMPLE_WORKFLOWS) && existsSync(CLI_MAIN)) return;
  throw new HindsightError(
    'HS_E_DEMO_NOT_BUILT',
    `the demo needs the compiled checkout example at ${path.relative(process.cwd(), EXAMPLE_WORKFLOWS) || EXAMPLE_WORKFLOWS}; run \`npm run build\` at the repository root first`,
  );
}

async function tour(store: Store, storeArg: string, ledger: string, count: number): Promise<void> {
  const client = new Client({ store, pollInterval: 50 });
  const args = workerArgs(storeArg);
  printIntro(store.location, ledger);

  heading(1, `Starting ${count} checkout runs`);
  const orders = await startOrders(client, count);
  printOrders(orders);

  heading(2, 'Worker 1 takes the runs');
  const w1 = await runUntilKilled(client, orders, args, ledger);

  heading(3, 'No worker is running; the store takes messages anyway');
  await sendMessages(orders);

  heading(4, 'Worker 2 resumes every run by replay');
  const { w2, outcomes } = await resumeByReplay(orders, args, ledger);

  heading(5, 'Summary');
  const histories = await loadHistories(client, orders);
  const summary = summarize(orders, outcomes, histories, readLedger(ledger, orderIds(orders)), w1, w2);
  printSummary(summary, w1, w2);

  heading(6, 'Next');
  printNext(orders, storeArg, ledger);

  const problems = problemCount(summary);
  if (problems > 0) {
    throw new HindsightError(
      'HS_E_DEMO_UNEXPECTED',
      `the demo saw ${plural(problems, 'thing')} it should not have (marked ✖ above); please report them with the output of \`hindsight workflow show\` for the orders named`,
    );
  }
}
