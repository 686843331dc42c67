import path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import type { LoadedWorkflows, Worker } from '../../engine/index.js';
import { defaultStorePath, type Store } from '../../store/index.js';
import { storePath } from '../store.js';
import { runWorker, workerOptions, type WorkerFlags } from './worker.js';

export function register(program: Command): void {
  workerOptions(program.command('dev'))
    .description('a worker for development: readable logs and a banner with the commands to try next')
    .action((flags: WorkerFlags, cmd: Command) => runWorker(cmd, { ...flags, log: 'pretty' }, (loaded, store, worker) => printBanner(cmd, loaded, store, worker)));
}

function printBanner(cmd: Command, loaded: LoadedWorkflows, store: Store, worker: Worker): void {
  const where = storePath(cmd);
  // Only a store the other commands would not find by themselves has to be named in the examples.
  const storeArg = path.resolve(where) === path.resolve(process.env.HINDSIGHT_STORE || defaultStorePath()) ? '' : ` --store ${quote(where)}`;
  const rel = path.relative(process.cwd(), loaded.modulePath);
  const module = quote(rel.startsWith('..') ? loaded.modulePath : rel);
  const first = loaded.workflows[0]!.name;
  const queue = worker.taskQueue === 'default' ? '' : ` --task-queue ${quote(worker.taskQueue)}`;
  const label = (s: string) => pc.dim(s.padEnd(16));
  const lines = [
    pc.bold('hindsight dev'),
    `${label('workflows')}${loaded.workflows.map((w) => pc.bold(w.name)).join(', ')}`,
    `${label('module')}${loaded.modulePath} ${pc.dim(`(code ${loaded.code.hash})`)}`,
    `${label('store')}${store.location}`,
    `${label('task queue')}${worker.taskQueue}`,
    '',
    pc.dim('try, in another terminal:'),
    `${label('start a run')}hindsight workflow start ${quote(first)} --input '{}'${queue}${storeArg} --wait`,
    `${label('list runs')}hindsight workflow list${storeArg}`,
    `${label('inspect a run')}hindsight workflow show <workflow id>${storeArg}`,
    `${label('export')}hindsight workflow export <workflow id> -o run.json${storeArg}`,
    `${label('replay in CI')}hindsight replay run.json --workflows ${module}`,
    '',
    pc.dim('Ctrl-C stops the worker; its runs resume on the next worker.'),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Quotes for a POSIX shell when needed, so the examples can be pasted. */
function quote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
