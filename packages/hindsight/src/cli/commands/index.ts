import type { Command } from 'commander';
import { register as worker } from './worker.js';
import { register as dev } from './dev.js';
import { register as workflow } from './workflow/index.js';
import { register as replay } from './replay.js';
import { register as demo } from './demo/index.js';
import { register as debug } from './debug/index.js';
import { register as record } from './record.js';
import { register as trace } from './trace/index.js';
import { register as dap } from './dap.js';

/** Each command file exports one function that adds its command(s) to the program. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  worker,
  dev,
  workflow,
  replay,
  demo,
  debug,
  record,
  trace,
  dap,
];
