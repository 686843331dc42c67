import { fileURLToPath } from 'node:url';
import type { ReplayResult } from '../engine/replay.js';
import type { RecordedEvent } from '../history/index.js';
import type { Execution } from '../trace/index.js';
import type { DivergenceView, TracePlace } from './types.js';

/**
 * Divergence in the debugger's words: replaying a history against changed code stops at the first
 * command the code issues that the history did not record. The engine reports it as an error with
 * the event and the stack line; here it becomes two sides (what the history says, what the code does
 * now), each with where it is, and the trace event the cursor starts at.
 */

/** What the engine's NonDeterminismError carries (read by shape: the error may come from another module copy). */
interface Details {
  eventId?: number;
  expected?: string;
  actual?: string;
  location?: string;
}

/** Both sides of the replay's divergence, or undefined when the code follows the history. */
export function divergenceView(replay: ReplayResult, history: readonly RecordedEvent[], execution: Execution): DivergenceView | undefined {
  const d = replay.divergence;
  if (!d) return undefined;
  const details: Details = 'details' in d ? (d.details as Details) : {};
  const event = details.eventId === undefined ? undefined : history.find((e) => e.id === details.eventId);
  const actual = details.actual ?? d.message;
  return {
    message: d.message,
    ...(event ? { recorded: recordedSide(event, details.expected) } : {}),
    code: { ...issuingPlace(execution, details.location ?? locationIn(d.message)), ...command(actual), description: actual },
  };
}

/** A command the code issues beyond the end of the history (a step, a timer, a child): the replay ends at its line. */
export function commandBeyondHistory(command: 'step' | 'timer' | 'child', description: string, execution: Execution, step?: string): DivergenceView {
  return {
    message: `the code issues ${description}, which the history does not have; the replay ends there`,
    code: { ...issuingPlace(execution, undefined), command, ...(step !== undefined ? { step } : {}), description },
  };
}

/** The trace event at `index`, as a place to show. */
export function placeAt(execution: Execution, index: number): TracePlace {
  const site = execution.length === 0 ? undefined : execution.siteOf(index);
  const place = execution.length === 0 ? undefined : execution.placeOf(index);
  return { index, file: place?.file ?? null, line: place?.line ?? null, function: site?.functionName ?? null };
}

function recordedSide(event: RecordedEvent, expected: string | undefined): NonNullable<DivergenceView['recorded']> {
  const step = 'name' in event && event.type.startsWith('Step') ? event.name : undefined;
  const args = event.type === 'StepCompleted' || event.type === 'StepFailed' ? event.args : undefined;
  return {
    eventId: event.id,
    type: event.type,
    ...(step !== undefined ? { step } : {}),
    ...(args !== undefined ? { args } : {}),
    description: expected ?? event.type,
  };
}

/** The engine's words for the code's side (`step 'audit'`, `timer`, ...) as a command kind and step name. */
function command(actual: string): { command: string; step?: string } {
  const step = /^step '(.*)'$/.exec(actual);
  if (step) return { command: 'step', step: step[1]! };
  if (/^child workflow '/.test(actual)) return { command: 'child' };
  if (actual === 'timer') return { command: 'timer' };
  if (/^patch '/.test(actual)) return { command: 'patch' };
  if (/^the code ended with /.test(actual)) return { command: 'end' };
  if (/^no command/.test(actual)) return { command: 'none' };
  return { command: 'other' };
}

/**
 * The trace event where the code issued the command: the last event on the line the engine's report
 * names. Without a usable line (no source maps, a line the trace does not have), the last statement:
 * the command is issued by a statement, and what runs after it is the error unwinding.
 */
function issuingPlace(execution: Execution, location: string | undefined): TracePlace {
  const at = parseLocation(location);
  let fallback = Math.max(0, execution.length - 1);
  let statementSeen = false;
  for (let i = execution.length - 1; i >= 0; i--) {
    const site = execution.siteOf(i);
    if (!site) continue;
    if (at && site.file === at.file && site.line === at.line) return placeAt(execution, i);
    if (!statementSeen && site.kind === 'statement') {
      statementSeen = true;
      fallback = i;
    }
  }
  return placeAt(execution, fallback);
}

/** `fn (/abs/file.ts:30:13)`, `/abs/file.ts:30:13` or a file URL -> file and line. */
function parseLocation(location: string | undefined): { file: string; line: number } | undefined {
  const m = location === undefined ? null : /(?:\(|^)([^()]+?):(\d+):\d+\)?$/.exec(location.trim());
  if (!m) return undefined;
  const file = m[1]!.startsWith('file:') ? fileURLToPath(m[1]!) : m[1]!;
  return { file, line: Number(m[2]) };
}

/** A determinism violation says where only in its message (`... at <location>: it cannot be replayed`). */
function locationIn(message: string): string | undefined {
  return / at (.+?): it cannot be replayed/.exec(message)?.[1];
}
