import { formatDuration } from '../../common/duration.js';

const two = (n: number) => String(n).padStart(2, '0');

/** Local wall-clock time, to the second: what a person compares with their own clock. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Time of day with milliseconds, for log lines. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Time since the start of a run, e.g. `+1.2s`. */
export function offset(ms: number): string {
  return ms < 1 ? '+0ms' : `+${formatDuration(ms)}`;
}

export { formatDuration };
