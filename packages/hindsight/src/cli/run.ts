import { CommanderError, type Command } from 'commander';
import pc from 'picocolors';
import { HindsightError } from '../common/errors.js';

/** Commander's own exits that are not errors: help and version were printed as asked. */
const DISPLAY_CODES = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help']);

/**
 * Runs the CLI: a known error is one red line with its code and what to do,
 * and exit code 1; anything else is a bug and shows its stack.
 */
export async function runMain(program: Command, argv: string[]): Promise<void> {
  quietCommander(program);
  dropOutputNobodyReads();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError && DISPLAY_CODES.has(err.code)) {
      process.exitCode = err.exitCode;
      return;
    }
    const known = err instanceof CommanderError ? usageError(err) : err;
    if (HindsightError.is(known)) {
      printError(known);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

/**
 * A reader that stops early (`hindsight trace list | head -3`) closes the pipe: what is left to
 * print has nowhere to go and is dropped, as by any Unix tool, rather than failing with EPIPE's
 * stack (and `record` goes on supervising its program).
 */
function dropOutputNobodyReads(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}

/** One line on stderr, whatever the message holds: scripts and tests count on it. */
export function printError(err: HindsightError): void {
  const message = err.message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  process.stderr.write(`${pc.red('error')} ${message} ${pc.dim(`[${err.code}]`)}\n`);
}

/**
 * Commander prints its own errors (and a help hint) on several lines and exits
 * the process; turned into thrown errors instead, every command, including ones
 * added later with addCommand, fails the same way as a HindsightError.
 */
function quietCommander(cmd: Command): void {
  cmd.exitOverride();
  cmd.configureOutput({ outputError: () => {} });
  cmd.configureHelp({ showGlobalOptions: true });
  for (const sub of cmd.commands) quietCommander(sub);
}

function usageError(err: CommanderError): HindsightError {
  const message = err.message.replace(/^error:\s*/i, '');
  return new HindsightError('HS_E_USAGE', `${message}; run with --help for usage`);
}
