import type { Command } from 'commander';
import { register as start } from './start.js';
import { register as list } from './list.js';
import { register as show } from './show.js';
import { register as history } from './history.js';
import { register as transfer } from './transfer.js';
import { register as control } from './control.js';
import { register as fork } from './fork.js';

const subcommands: ((group: Command) => void)[] = [
  start,
  list,
  show,
  history,
  transfer,
  control,
  fork,
];

export function register(program: Command): void {
  const group = program.command('workflow').description('start, inspect and control workflow runs');
  for (const add of subcommands) add(group);
}
