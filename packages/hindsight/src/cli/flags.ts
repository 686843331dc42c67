import ms from 'ms';
import { toMillis } from '../common/duration.js';
import { InvalidInputError } from '../common/errors.js';
import { RUN_STATUSES, type RunStatus } from '../store/index.js';
import { truncate } from './output/values.js';

/**
 * Parses a flag that takes JSON. The usual mistakes are shell quoting (the
 * shell ate the double quotes) and a bare word meant as a string, so the
 * message shows both fixes.
 */
export function jsonFlag(flag: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    const reason = (err as Error).message;
    throw new InvalidInputError(
      `${flag} is not valid JSON (${reason}): ${truncate(text, 40)}; wrap the JSON in single quotes for the shell, ` +
        `e.g. ${flag} '{"orderId": 42}', and quote strings twice, e.g. ${flag} '"text"'`,
    );
  }
}

export function jsonArrayFlag(flag: string, text: string | undefined): unknown[] {
  const value = jsonFlag(flag, text);
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new InvalidInputError(`${flag} must be a JSON array of arguments, e.g. ${flag} '["eu", 3]'`);
  }
  return value;
}

export function durationFlag(flag: string, text: string): number {
  return toMillis(text, flag);
}

export function intFlag(flag: string, text: string, min = 1): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new InvalidInputError(`${flag} must be a whole number of at least ${min}, not ${JSON.stringify(text)}`);
  }
  return n;
}

/** `RUNNING,failed` -> ['RUNNING', 'FAILED']; case does not matter. */
export function statusesFlag(flag: string, text: string): RunStatus[] {
  return text
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '')
    .map((s) => {
      if (!(RUN_STATUSES as readonly string[]).includes(s)) {
        throw new InvalidInputError(`${flag} ${JSON.stringify(s)} is not a run status; use one or more of ${RUN_STATUSES.join(', ')}`);
      }
      return s as RunStatus;
    });
}

/** An ISO date (`2026-01-31`, `2026-01-31T12:00Z`) or a duration back from now (`1h`, `30 minutes`). */
export function sinceFlag(flag: string, text: string, now: number): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return at;
  } else {
    const back = ms(text as ms.StringValue);
    if (typeof back === 'number' && Number.isFinite(back) && back >= 0) return now - back;
  }
  throw new InvalidInputError(`${flag} ${JSON.stringify(text)} is neither an ISO date (2026-01-31T12:00Z) nor a duration (1h, 30m, 2 days)`);
}

export function choiceFlag<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) {
    throw new InvalidInputError(`${flag} must be one of ${choices.join(', ')}, not ${JSON.stringify(text)}`);
  }
  return text as T;
}
