import type { Command } from 'commander';
import { Worker, loadWorkflows, type LoadedWorkflows } from '../../engine/index.js';
import type { Store } from '../../store/index.js';
import { choiceFlag, durationFlag, intFlag } from '../flags.js';
import { LOG_MODES, readyLine, stoppedLine, workerEventLine, type LogMode } from '../output/worker-log.js';
import { withStore } from '../store.js';

export interface WorkerFlags {
  workflows: string;
  taskQueue?: string;
  leaseTimeout?: string;
  pollInterval?: string;
  concurrency?: string;
  log?: string;
}

export function register(program: Command): void {
  workerOptions(program.command('worker'))
    .description('run workflows from a module: claim runs from the store, replay them and carry them on')
    .option('--log <format>', `log format: ${LOG_MODES.join(' or ')}`, 'pretty')
    .action((flags: WorkerFlags, cmd: Command) => runWorker(cmd, flags));
}

/** Options `worker` and `dev` share. */
export function workerOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--workflows <module.js>', 'compiled module that exports your workflows')
    .option('--task-queue <queue>', 'task queue to take runs from', 'default')
    .option('--lease-timeout <duration>', 'a dead worker\'s runs are taken over after this', '5s')
    .option('--poll-interval <duration>', 'how often the store is asked for work', '50ms')
    .option('--concurrency <n>', 'runs held in memory at once', '2000');
}

/**
 * Runs a worker until SIGINT or SIGTERM, then gives its leases back, closes
 * the store and exits 0. `banner` prints before the ready line (for `dev`).
 */
export async function runWorker(
  cmd: Command,
  flags: WorkerFlags,
  banner?: (loaded: LoadedWorkflows, store: Store, worker: Worker) => void,
): Promise<void> {
  // Every flag is checked before the store is opened: a typo must not create a store file.
  const log: LogMode = choiceFlag('--log', flags.log ?? 'pretty', LOG_MODES);
  const leaseTimeout = durationFlag('--lease-timeout', flags.leaseTimeout ?? '5s');
  const pollInterval = durationFlag('--poll-interval', flags.pollInterval ?? '50ms');
  const maxConcurrentRuns = intFlag('--concurrency', flags.concurrency ?? '2000');
  const loaded = await loadWorkflows(flags.workflows);

  await withStore(cmd, async (store) => {
    const worker = new Worker({
      store,
      workflows: loaded.workflows,
      code: loaded.code,
      taskQueue: flags.taskQueue ?? 'default',
      leaseTimeout,
      pollInterval,
      maxConcurrentRuns,
      onEvent: (event) => process.stdout.write(`${workerEventLine(event, Date.now(), log)}\n`),
    });
    // Listening before the ready line: whoever waits for it may signal at once.
    const stopRequested = stopSignal();
    banner?.(loaded, store, worker);
    worker.start();
    const info = { workerId: worker.workerId, workflows: loaded.workflows.map((w) => w.name), taskQueue: worker.taskQueue, store: store.location };
    process.stdout.write(`${readyLine(info, log)}\n`);
    await stopRequested;
    await worker.stop();
    process.stdout.write(`${stoppedLine(worker.workerId, worker.stats, log)}\n`);
  });
  // Steps still in flight (a slow HTTP call) would keep the process alive; their runs
  // were released and another worker will retry them.
  process.exit(0);
}

/** Resolves on the first SIGINT or SIGTERM; a second one ends the process at once. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`${sig} again: exiting without waiting for the worker to stop\n`);
        process.exit(1);
      }
      stopping = true;
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
