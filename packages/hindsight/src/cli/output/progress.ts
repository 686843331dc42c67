import cliProgress from 'cli-progress';

/** Ring events past which a decode takes a second or more: worth a bar. */
const BAR_EVENTS = 4_000_000;

/**
 * A bar on stderr that shows how far the decode of a recording of `events` ring events is, when
 * stderr is a terminal and the decode is long enough to wait for; undefined otherwise (a script
 * reading the output, a small ring). The decode runs without yielding: the bar redraws as it is
 * told (cli-progress's synchronous update), not on a timer.
 */
export function decodingBar(events: number): { progress: (fraction: number) => void; stop(): void } | undefined {
  if (!process.stderr.isTTY || events < BAR_EVENTS) return undefined;
  const bar = new cliProgress.SingleBar(
    { format: `decoding {bar} {percentage}% of ${events.toLocaleString('en')} events recorded`, stream: process.stderr, clearOnComplete: true, hideCursor: true, synchronousUpdate: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0);
  return { progress: (fraction) => bar.update(Math.round(fraction * 100)), stop: () => bar.stop() };
}
