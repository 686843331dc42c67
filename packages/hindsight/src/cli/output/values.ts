import type { FailureInfo } from '../../history/index.js';

/** A recorded value on one table cell: compact JSON, cut with an ellipsis. */
export function preview(value: unknown, max = 60): string {
  if (value === undefined) return '';
  return truncate(JSON.stringify(value) ?? String(value), max);
}

/** `text`, cut with an ellipsis to at most `max` characters. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A recorded value shown on its own: indented JSON. */
export function pretty(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value, null, 2);
}

export function failureLine(f: FailureInfo): string {
  return `${f.name}: ${f.message}`;
}

export { plural } from '../../common/index.js';
