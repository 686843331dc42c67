/** How the demo writes to the terminal. */
import path from 'node:path';
import cliProgress from 'cli-progress';
import pc from 'picocolors';

export function out(text: string): void {
  process.stdout.write(text);
}

/** The numbered sections of the tour. */
export function heading(n: number, text: string): void {
  out(`\n${pc.bold(pc.magenta(`${n}.`))} ${pc.bold(text)}\n`);
}

/** None when stdout is not a terminal: piped output keeps only the lines that stay. */
export function progressBar(format: string): cliProgress.SingleBar | null {
  if (!process.stdout.isTTY) return null;
  return new cliProgress.SingleBar(
    { format, stream: process.stdout, barsize: 24, hideCursor: true, clearOnComplete: true, fps: 20 },
    cliProgress.Presets.shades_classic,
  );
}

export function statusColour(status: string): string {
  switch (status) {
    case 'COMPLETED':
      return pc.green(status);
    case 'FAILED':
      return pc.red(status);
    case 'CANCELLED':
      return pc.yellow(status);
    default:
      return pc.magenta(status);
  }
}

/** The stages the checkout's 'status' query answers with. */
export function stageColour(stage: string): string {
  if (stage === 'completed') return pc.green(stage);
  if (stage === 'declined' || stage === 'compensating') return pc.red(stage);
  if (stage === 'awaiting approval' || stage === 'waiting for follow-up') return pc.yellow(stage);
  return pc.blue(stage);
}

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

export function money(cents: number): string {
  return usd.format(cents / 100);
}

export { truncate } from '../../output/values.js';

/** Relative to the current folder when inside it, absolute otherwise: the shorter one to copy. */
export function shortPath(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r === '' || r.startsWith('..') ? p : r;
}
