import type { Command } from 'commander';
import pc from 'picocolors';
import { HindsightError } from '../common/errors.js';

/**
 * Runs the CLI: a known error is one red line with its code and what to do,
 * and exit code 1; anything else is a bug and shows its stack.
 */
export async function runMain(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (HindsightError.is(err)) {
      process.stderr.write(`${pc.red('error')} ${err.message} ${pc.dim(`[${err.code}]`)}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
