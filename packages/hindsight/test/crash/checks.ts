/**
 * The invariants a crash must not break, checked against what the store and the
 * step ledger hold after the fact. Every check collects all its violations
 * (with history excerpts) instead of stopping at the first, so that one failing
 * seed tells the whole story.
 */
import { CLOSING_EVENTS, type RecordedEvent } from '../../src/history/index.js';
import { isClosed, type RunRecord, type Store } from '../../src/store/index.js';
import type { LedgerLine, Work } from './fixtures/workflows.js';

export interface RunWithHistory {
  run: RunRecord;
  history: RecordedEvent[];
}

export async function allRuns(store: Store): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listRuns({}, { limit: 1000, ...(cursor ? { cursor } : {}) });
    runs.push(...page.runs);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return runs;
}

export async function loadAll(store: Store): Promise<RunWithHistory[]> {
  const out: RunWithHistory[] = [];
  for (const run of await allRuns(store)) out.push({ run, history: await store.readHistory(run.runId) });
  return out;
}

/** A history in a line per event, for failure messages. */
export function excerpt(history: RecordedEvent[], around?: number, radius = 4): string {
  const from = around === undefined ? 0 : Math.max(0, around - 1 - radius);
  const to = around === undefined ? history.length : Math.min(history.length, around + radius);
  return history
    .slice(from, to)
    .map((e) => {
      const { id, ts, type, ...rest } = e as RecordedEvent & Record<string, unknown>;
      const brief = { ...rest } as Record<string, unknown>;
      delete brief.code;
      delete brief.input;
      return `    #${id} ${type} ${JSON.stringify(brief)} @${ts}`;
    })
    .join('\n');
}

const seqOf = (e: RecordedEvent): number | undefined => ('seq' in e ? (e as { seq: number }).seq : undefined);

/**
 * Shape of every history: ids 1..n with no gap or duplicate, n equal to the
 * run's event count, WorkflowStarted first, exactly one closing event in a
 * closed run (none in an open one) and it is last, at most one event of each result kind per command seq, every started
 * timer fired once (not before its time), every child completed once.
 */
export function checkHistoryShape({ run, history }: RunWithHistory): string[] {
  const problems: string[] = [];
  const say = (what: string, at?: number) => problems.push(`run ${run.workflowId} (${run.runId}): ${what}\n${excerpt(history, at)}`);
  history.forEach((e, i) => {
    if (e.id !== i + 1) say(`event at position ${i + 1} has id ${e.id}: the history has a gap or a duplicate`, e.id);
  });
  if (history.length !== run.eventCount) say(`the run says it has ${run.eventCount} events, the history holds ${history.length}`);
  if (history[0]?.type !== 'WorkflowStarted') say('the history does not begin with WorkflowStarted', 1);
  if (history.slice(1).some((e) => e.type === 'WorkflowStarted')) say('WorkflowStarted appears twice');
  const closings = history.filter((e) => CLOSING_EVENTS.has(e.type));
  const closed = isClosed(run.status);
  if (closings.length !== (closed ? 1 : 0)) {
    say(`${closings.length} closing events (${closings.map((e) => `#${e.id} ${e.type}`).join(', ')}) in a ${run.status} run; expected ${closed ? 'exactly one' : 'none'}`);
  } else if (closings[0] && closings[0] !== history[history.length - 1]) {
    say(`events were recorded after ${closings[0].type} #${closings[0].id}`, closings[0].id);
  }

  const bySeq = new Map<number, RecordedEvent[]>();
  for (const e of history) {
    const seq = seqOf(e);
    if (seq === undefined) continue;
    bySeq.set(seq, [...(bySeq.get(seq) ?? []), e]);
  }
  const ONCE = ['StepCompleted', 'StepFailed', 'TimerStarted', 'TimerFired', 'TimerCancelled', 'ChildStarted', 'ChildCompleted', 'ChildFailed'];
  for (const [seq, events] of bySeq) {
    for (const type of ONCE) {
      const same = events.filter((e) => e.type === type);
      if (same.length > 1) say(`seq ${seq} has ${same.length} ${type} events (${same.map((e) => `#${e.id}`).join(', ')}): recorded more than once`, same[1]!.id);
    }
    const started = events.find((e) => e.type === 'TimerStarted');
    const fired = events.find((e) => e.type === 'TimerFired');
    if (started && !fired && closed) say(`timer seq ${seq} (TimerStarted #${started.id}) never fired`, started.id);
    if (fired && !started) say(`TimerFired #${fired.id} for seq ${seq} without TimerStarted`, fired.id);
    if (started?.type === 'TimerStarted' && fired && fired.ts < started.fireAt) {
      say(`timer seq ${seq} fired at ${fired.ts}, ${started.fireAt - fired.ts}ms before its time ${started.fireAt}`, fired.id);
    }
    const child = events.find((e) => e.type === 'ChildStarted');
    if (child && !events.some((e) => e.type === 'ChildCompleted') && closed) say(`child seq ${seq} (ChildStarted #${child.id}) never completed`, child.id);
    const kinds = new Set(events.map((e) => e.type.replace(/(Started|Completed|Fired|Failed|Retrying|Cancelled)$/, '')));
    if (kinds.size > 1) say(`seq ${seq} has events of different commands: ${[...kinds].join(', ')}`, events[0]!.id);
  }
  for (const e of history) {
    if (e.type === 'StepFailed' || e.type === 'ChildFailed' || e.type === 'WorkflowFailed') say(`unexpected ${e.type} #${e.id}`, e.id);
  }
  return problems;
}

export interface LedgerIndex {
  /** By idempotency key: begin and end lines of every execution. */
  byKey: Map<string, LedgerLine[]>;
}

export function indexLedger(lines: LedgerLine[]): LedgerIndex {
  const byKey = new Map<string, LedgerLine[]>();
  for (const l of lines) byKey.set(l.key, [...(byKey.get(l.key) ?? []), l]);
  return { byKey };
}

export interface StepAudit {
  problems: string[];
  /** Executions that did not produce the recorded result, each explained by a kill. */
  reexecutions: { key: string; label: string; pid: number; reason: string }[];
  steps: number;
}

/** Why a worker process may have run a step whose result another execution produced. */
export interface ExtraExecutionReason {
  /** The test SIGKILLed the process: the step was in flight at the crash. */
  killed?: string;
  /** The process reported losing the run's lease while alive: a stale holder. */
  leaseLost?: string;
}

/**
 * Steps against the ledger: every StepCompleted's result is the value of a real
 * execution, with that execution's token; no execution of a step began after
 * its result was recorded (a recorded step is replayed, never run again) unless
 * by a stale holder that was told it lost the run; and every execution that did
 * not produce the recorded result ran on a worker the test killed (it was in
 * flight at the crash), or on one that reported losing that run's lease.
 */
export function auditSteps(
  runs: RunWithHistory[],
  ledger: LedgerIndex,
  explain: (pid: number, runId: string) => ExtraExecutionReason,
): StepAudit {
  const problems: string[] = [];
  const reexecutions: StepAudit['reexecutions'] = [];
  const recordedKeys = new Set<string>();
  let steps = 0;
  for (const { run, history } of runs) {
    for (const e of history) {
      if (e.type !== 'StepCompleted') continue;
      steps++;
      const key = `${run.workflowId}/${run.runId}/${e.seq}`;
      recordedKeys.add(key);
      const result = e.result as Work;
      const lines = ledger.byKey.get(key) ?? [];
      const say = (what: string) =>
        problems.push(`run ${run.workflowId} step seq ${e.seq} '${String(e.args[0])}' (StepCompleted #${e.id} @${e.ts}): ${what}\n` +
          `    ledger: ${lines.map((l) => `${l.kind} pid ${l.pid} exec ${l.exec} attempt ${l.attempt} @${l.t}${l.v === undefined ? '' : ` v=${l.v}`}`).join('; ') || 'nothing'}`);
      const producer = lines.find((l) => l.kind === 'end' && l.exec === result.exec);
      if (!producer) say(`the recorded result ${JSON.stringify(result)} was produced by no execution in the ledger`);
      else if (producer.v !== result.v) say(`recorded value ${result.v} differs from the ledger's ${producer.v}`);
      const begins = lines.filter((l) => l.kind === 'begin');
      for (const b of begins) {
        if (b.exec === result.exec) continue;
        const why = explain(b.pid, run.runId);
        if (b.t > e.ts && !why.leaseLost) {
          say(`an execution began at ${b.t} (pid ${b.pid}), ${b.t - e.ts}ms after the result was recorded: the recorded step ran again`);
        } else if (!why.killed && !why.leaseLost) {
          say(`an extra execution (pid ${b.pid}, exec ${b.exec}) ran on a worker that was neither killed nor told it lost the run`);
        } else {
          reexecutions.push({ key, label: b.label, pid: b.pid, reason: (why.killed ?? why.leaseLost)! });
        }
      }
    }
  }
  for (const [key, lines] of ledger.byKey) {
    if (!recordedKeys.has(key)) {
      problems.push(`step ${key} ('${lines[0]!.label}') was executed ${lines.filter((l) => l.kind === 'begin').length} time(s) but no StepCompleted for it is in any history`);
    }
  }
  return { problems, reexecutions, steps };
}

/** Workers that attached to a run, in history order, with consecutive repeats collapsed. */
export function attachments(history: RecordedEvent[]): string[] {
  const ids: string[] = [];
  for (const e of history) if (e.type === 'WorkerAttached' && ids[ids.length - 1] !== e.workerId) ids.push(e.workerId);
  return ids;
}
