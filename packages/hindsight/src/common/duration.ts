import ms from 'ms';
import { InvalidInputError } from './errors.js';

/** A duration as users write it: milliseconds, or text such as `'30 days'`, `'2h'`, `'500ms'`. */
export type Duration = number | string;

export function toMillis(d: Duration, what = 'duration'): number {
  const value = typeof d === 'number' ? d : ms(d as ms.StringValue);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidInputError(
      `${what} ${JSON.stringify(d)} is not a duration; use milliseconds or text like '30s', '5 minutes', '30 days'`,
      'HS_E_BAD_DURATION',
    );
  }
  return value;
}

export function formatDuration(millis: number): string {
  if (millis < 1) return `${millis.toFixed(2)}ms`;
  if (millis < 1000) return `${Math.round(millis)}ms`;
  return ms(Math.round(millis), { long: false });
}
