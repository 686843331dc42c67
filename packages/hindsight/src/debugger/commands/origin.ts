import type { RecordedEvent } from '../../history/index.js';
import type { DebugSession } from '../session.js';
import { DebugError, type Outcome } from '../types.js';
import { valueAnswer } from './values.js';
import type { CommandSpec } from './spec.js';

/**
 * origin <expression>: where a value came from, when it came from outside the workflow code. Values a
 * workflow gets from outside are all in its history (step results, signal payloads, child results,
 * its input); the value at the cursor is looked for there, whole or as a part (`.cents` of a result),
 * and the cursor jumps to where the code received it: the latest such place before the cursor.
 */
export const originCommands: readonly CommandSpec[] = [
  {
    name: 'origin',
    aliases: ['whence'],
    usage: 'origin <expression>',
    help: 'where the value came from: jump to the step result, signal or input the code received it in',
    trace: true,
    run: (s, a) => origin(s, a),
  },
];

interface Source {
  readonly event: RecordedEvent;
  readonly what: string;
  readonly value: unknown;
}

async function origin(s: DebugSession, expression: string): Promise<Outcome> {
  if (expression === '') throw new DebugError('HS_E_DEBUG_USAGE', 'origin needs an expression: origin <expression>, e.g. `origin quote.cents`');
  const r = await valueAnswer(() => s.values.evaluate(s.cursor.frameEvent, expression));
  if (r.error !== undefined) throw new DebugError('HS_E_DEBUG_EVAL', `${expression}: ${r.error}`);
  if (r.json === undefined) throw new DebugError('HS_E_DEBUG_NO_ORIGIN', `${expression} is ${r.value.value}, not data a history records; it was made by the workflow code`);
  const wanted = canonical(JSON.parse(r.json));
  const found = sources(s.timeline.events)
    .flatMap((src) => paths(src.value).filter((p) => canonical(p.value) === wanted).map((p) => ({ src, path: p.path, index: s.timeline.indexOf(src.event.id) })))
    .filter((m): m is typeof m & { index: number } => m.index !== undefined && m.index <= s.cursor.index)
    .sort((a, b) => b.index - a.index || a.path.length - b.path.length);
  const best = found[0];
  if (!best) {
    throw new DebugError(
      'HS_E_DEBUG_NO_ORIGIN',
      `${expression} (${r.value.value}) is in no step result, signal or input received before this point: the workflow code computed it; \`watch ${expression}\` and reverse-continue show where it changed`,
    );
  }
  const part = best.path === '' ? '' : `${best.path} of `;
  const stop = s.view(s.cursor.goto(best.index));
  return { stop: { ...stop, message: `${expression} = ${r.value.value} is ${part}${best.src.what} (history #${best.src.event.id}), received here` } };
}

/** What came into the run from outside, in history order. */
function sources(events: readonly RecordedEvent[]): Source[] {
  const out: Source[] = [];
  for (const e of events) {
    if (e.type === 'StepCompleted') out.push({ event: e, what: `the result of step '${e.name}'`, value: e.result });
    else if (e.type === 'SignalReceived') out.push({ event: e, what: `the payload of signal '${e.name}'`, value: e.payload });
    else if (e.type === 'ChildCompleted') out.push({ event: e, what: 'the result of a child workflow', value: e.result });
    else if (e.type === 'WorkflowStarted') out.push({ event: e, what: 'the workflow input', value: e.input });
  }
  return out;
}

/** The value and every part of it, with its path (`''`, `.cents`, `.lines[2].sku`). */
function paths(value: unknown, path = ''): { path: string; value: unknown }[] {
  const out = [{ path, value }];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, `${path}[${i}]`)));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, `${path}.${k}`));
  return out;
}

/** JSON with sorted keys: the same data compares equal whatever order its keys were written in. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
}
