#!/usr/bin/env node
import { Command } from 'commander';
import { commandsFor } from './commands/index.js';
import { runMain } from './run.js';

const program = new Command('hindsight')
  .description('Record production TypeScript as it runs; debug it backwards, later, on another machine.')
  .version('0.1.0')
  // Global so that it may stand anywhere on the line: `hindsight --store x workflow list` or `... list --store x`.
  .option('--store <path>', 'store file (default: $HINDSIGHT_STORE, else .hindsight/hindsight.db)')
  .option(
    '--durability <full|normal>',
    "full: every commit is on disk before it is acknowledged (default); normal: survives a killed process but not a power loss, several times faster per step",
    'full',
  );

for (const register of await commandsFor(program, process.argv)) register(program);

await runMain(program, process.argv);
