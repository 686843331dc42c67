import cliProgress from 'cli-progress';

/** Ring events past which a decode takes a second or more: worth a bar. */
const BAR_EVENTS = 4_000_000;

/**
 * Runs `decode` of a recording of `events` ring events with a bar on stderr that shows how far it
 * is, when stderr is a terminal and the decode is long enough to wait for; without one otherwise
 * (a script reading the output, a small ring). The decode runs without yielding: the bar redraws
 * as it is told (cli-progress's synchronous update), not on a timer.
 */
export function withDecodingBar<T>(events: number, decode: (progress?: (fraction: number) => void) => T): T {
  if (!process.stderr.isTTY || events < BAR_EVENTS) return decode();
  const bar = new cliProgress.SingleBar(
    { format: `decoding {bar} {percentage}% of ${events.toLocaleString('en')} events recorded`, stream: process.stderr, clearOnComplete: true, hideCursor: true, synchronousUpdate: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0);
  try {
    return decode((fraction) => bar.update(Math.round(fraction * 100)));
  } finally {
    bar.stop();
  }
}
