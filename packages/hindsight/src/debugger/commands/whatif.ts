import { HindsightError } from '../../common/errors.js';
import type { ReplayResult } from '../../engine/replay.js';
import type { RecordedEvent } from '../../history/index.js';
import { recordExecution, ReplayValues, type RecordedExecution } from '../../replay/index.js';
import type { Execution } from '../../trace/index.js';
import type { DebugSession } from '../session.js';
import { DebugError, type Outcome, type WhatIfView } from '../types.js';
import { candidates, firstDifference, overridableNames, recordedOutcome, whatIfHistory, whatIfOutcome, type Override } from '../whatif.js';
import { HistoryTimeline } from './history.js';
import type { CommandSpec, InfoTopic } from './spec.js';

/**
 * `set step <name>[#k].result = <JSON>`, `set signal <name>[#k].payload = <JSON>`: the run again with
 * that recorded value changed, side by side with the recorded one; `set whatif off` goes back.
 * Overrides add up (a second `set` keeps the first); the what-if is always rebuilt from the recorded
 * history, so nothing drifts.
 */

const FORMS = 'set step <name>[#k].result = <JSON> | set signal <name>[#k].payload = <JSON> | set whatif off';

/** A session's what-if, while one is in force. Kept here, not in the session: the session only swaps Executions. */
interface WhatIf {
  readonly recorded: Execution;
  /** Where the recorded execution's history events are, to go back to. */
  readonly recordedTimeline: HistoryTimeline;
  readonly overrides: Override[];
  execution: Execution;
  replay: ReplayResult;
  history: RecordedEvent[];
}

const whatIfs = new WeakMap<DebugSession, WhatIf>();

export const whatIfCommands: readonly CommandSpec[] = [
  {
    name: 'set',
    aliases: [],
    usage: 'set step <name>[#k].result = <JSON>',
    help: 'what-if: the run with the k-th result of a step changed (`set signal <name>[#k].payload = <JSON>` for a signal); `set whatif off` goes back',
    trace: true,
    run: (s, args) => set(s, args),
  },
];

export const whatIfTopics: readonly InfoTopic[] = [
  { names: ['whatif', 'what-if'], help: 'the what-if next to the recorded run', run: (s) => ({ result: { kind: 'whatif', whatif: view(s, current(s)) } }) },
];

async function set(s: DebugSession, args: string): Promise<Outcome> {
  if (/^what-?if\s+off$/.test(args)) return off(s);
  const override = parseOverride(s, args);
  const before = whatIfs.get(s);
  const recorded = before?.recorded ?? s.cursor.execution;
  const recordedTimeline = before?.recordedTimeline ?? s.timeline;
  const overrides = [...(before?.overrides ?? []).filter((o) => o.eventId !== override.eventId), override];
  const history = whatIfHistory(s.history!, overrides);
  const { execution, replay, timeline } = await rerecord(history, s.workflowsModulePath!);
  const w: WhatIf = { recorded, recordedTimeline, overrides, execution, replay, history };
  whatIfs.set(s, w);
  // The cursor goes to where the runs part; with no difference in control flow it stays where it was.
  const diff = firstDifference(recorded, execution);
  await swap(s, execution, diff?.whatIf?.index ?? diff?.recorded?.index ?? s.cursor.index, history, new HistoryTimeline(history, timeline));
  return { result: { kind: 'whatif', whatif: view(s, w) } };
}

async function off(s: DebugSession): Promise<Outcome> {
  const w = current(s);
  whatIfs.delete(s);
  const index = firstDifference(w.recorded, w.execution)?.recorded?.index ?? s.cursor.index;
  await swap(s, w.recorded, index, s.history!, w.recordedTimeline);
  return { stop: { ...s.view(s.cursor.goto(s.cursor.index)), message: 'what-if off: back in the recorded execution' } };
}

/** The session goes over to another execution of the run, with values re-executed from its own history. */
async function swap(s: DebugSession, execution: Execution, index: number, history: readonly RecordedEvent[], timeline: HistoryTimeline): Promise<void> {
  const previous = s.values;
  s.replaceExecution(execution, index, { values: new ReplayValues(execution, [...history], s.workflowsModulePath!).warm(), timeline });
  await previous.close();
}

/**
 * The history the session's Execution replays: the what-if copy while one is in force. Whatever
 * replays the run again (values at an event) must replay this one, or it would see the recorded run.
 */
export function activeHistory(s: DebugSession): readonly RecordedEvent[] | undefined {
  return whatIfs.get(s)?.history ?? s.history;
}

function current(s: DebugSession): WhatIf {
  const w = whatIfs.get(s);
  if (!w) throw new DebugError('HS_E_DEBUG_NO_WHATIF', 'no what-if in force; start one with `set step <name>.result = <JSON>` or `set signal <name>.payload = <JSON>`');
  return w;
}

function view(s: DebugSession, w: WhatIf): WhatIfView {
  return {
    overrides: w.overrides.map((o) => ({ target: `${o.kind} ${o.name}#${o.nth}.${o.kind === 'step' ? 'result' : 'payload'}`, eventId: o.eventId, value: o.value })),
    firstDifference: firstDifference(w.recorded, w.execution),
    recorded: recordedOutcome(s.history!, w.recorded),
    whatIf: whatIfOutcome(w.replay, w.history, w.execution),
    cursor: s.position(),
  };
}

/** `step score#2.result = {...}` -> the override, checked against the history: one line that says what to do when it is wrong. */
function parseOverride(s: DebugSession, args: string): Override {
  const m = /^(step|signal)\s+(.+?)(?:#(\d+))?\.(result|payload)\s*=\s*([\s\S]*)$/.exec(args);
  if (!m) throw new DebugError('HS_E_DEBUG_USAGE', `set takes: ${FORMS}; got 'set ${args}'`);
  const [, kind, name, k, field, json] = m as unknown as [string, 'step' | 'signal', string, string | undefined, string, string];
  const wanted = kind === 'step' ? 'result' : 'payload';
  if (field !== wanted) throw new DebugError('HS_E_DEBUG_USAGE', `a ${kind}'s recorded value is .${wanted}: set ${kind} ${name}.${wanted} = <JSON>`);
  if (!s.history || !s.workflowsModulePath) {
    throw new DebugError('HS_E_DEBUG_NO_HISTORY', 'what-if needs the run\'s history and workflows module; open the run with `hindsight debug <run> --workflows <module.js>`');
  }
  const events = candidates(s.history, kind, name);
  if (events.length === 0) {
    const known = overridableNames(s.history, kind);
    throw new DebugError(
      'HS_E_DEBUG_WHATIF_UNKNOWN',
      `no ${kind} '${name}' ${kind === 'step' ? 'finished' : 'was received'} in this run; ${kind}s with recorded values: ${known.join(', ') || 'none'}`,
    );
  }
  const nth = k === undefined ? 1 : Number(k);
  if (nth < 1 || nth > events.length) {
    const times = `${events.length} time${events.length === 1 ? '' : 's'}`;
    throw new DebugError('HS_E_DEBUG_WHATIF_RANGE', `${kind} '${name}' ${kind === 'step' ? 'finished' : 'was received'} ${times} in this run; give #1 to #${events.length}, not #${k}`);
  }
  return { kind, name, nth, value: parseValue(json), eventId: events[nth - 1]!.id };
}

function parseValue(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch (err) {
    throw new DebugError(
      'HS_E_DEBUG_WHATIF_JSON',
      `'${json}' is not JSON (${(err as Error).message}); give the value as JSON, strings in double quotes: set step <name>.result = {"ok": true}`,
    );
  }
}

/** The module loaded when the session started, so a failure here is rare; it still answers as an error, not a crash. */
async function rerecord(history: RecordedEvent[], modulePath: string): Promise<RecordedExecution> {
  try {
    return await recordExecution(history, modulePath);
  } catch (err) {
    if (HindsightError.is(err)) throw new DebugError(err.code, `the what-if replay failed: ${err.message}`);
    throw err;
  }
}
