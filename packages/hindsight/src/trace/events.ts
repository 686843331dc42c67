/**
 * The kinds of event a trace holds, stored as one byte each.
 * - Enter: a function activation starts (its first event; the event belongs to the new frame).
 * - Exit: it returns normally (its last event; belongs to the exiting frame).
 * - Throw: it exits by an exception (its last event; belongs to the exiting frame). An exception
 *   unwinding through several frames gives one Throw per frame.
 * - Statement: a statement is about to run.
 * - Suspend: `await` suspends the current async activation (belongs to the suspending frame).
 * - Resume: the activation continues after `await` (belongs to the same frame as its Suspend).
 * - Branch: a branch was taken (the site says which).
 */
export const EventKind = {
  Enter: 0,
  Exit: 1,
  Throw: 2,
  Statement: 3,
  Suspend: 4,
  Resume: 5,
  Branch: 6,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

const names = ['enter', 'exit', 'throw', 'statement', 'suspend', 'resume', 'branch'] as const;
export type EventKindName = (typeof names)[number];

export function eventKindName(kind: number): EventKindName | 'unknown' {
  return names[kind] ?? 'unknown';
}
