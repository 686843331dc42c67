import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DebugSession, startSession, type CommandResult, type HistoryLine, type RunInfo } from '../../src/debugger/index.js';
import { loadWorkflows, replayHistory } from '../../src/engine/index.js';
import type { RecordedEvent } from '../../src/history/index.js';
import { recordExecution, type RecordedExecution } from '../../src/replay/index.js';
import { eventKindName, type Execution } from '../../src/trace/index.js';
import { Sandbox } from '../cli/helpers.js';
import { Harness, waitFor } from '../engine/harness.js';
import { orders } from './fixtures/orders.js';
import { waits } from './fixtures/waits.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test/debug -> packages/hindsight: the TypeScript sources the sites name, the golden files. */
const PKG = path.resolve(here, '../../..');
const SOURCES = path.join(PKG, 'test', 'debug');
const ORDERS = path.join(here, 'fixtures', 'orders.js');
const WAITS = path.join(here, 'fixtures', 'waits.js');
const UPDATE = process.env.HINDSIGHT_UPDATE_GOLDEN === '1';

/** The runs' histories get steady times: one event every 100 ms from T0, so times and transcripts do not change from run to run. */
const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
function steady(events: RecordedEvent[]): RecordedEvent[] {
  return events.map((e) => ({ ...e, ts: T0 + 100 * (e.id - 1), ...(e.type === 'WorkerAttached' ? { workerId: 'worker-1' } : {}) }));
}

/** A trace event as `kind function:line`. */
function at(ex: Execution, i: number): string {
  const site = ex.siteOf(i);
  return `${eventKindName(ex.kinds[i]!)} ${site?.functionName}:${site?.line}`;
}

/** History id -> `kind function:line` of the trace event where the code reached it. */
function placed(recorded: RecordedExecution): Record<number, string> {
  return Object.fromEntries(recorded.timeline.map((t) => [t.historyId, at(recorded.execution, t.index)]));
}

function stopOf(r: CommandResult) {
  assert.ok(r.stop, `a stop, not ${JSON.stringify(r)}`);
  return r.stop;
}

function historyOf(r: CommandResult): HistoryLine[] {
  assert.equal(r.result?.kind, 'history', JSON.stringify(r));
  return r.result.kind === 'history' ? r.result.events : [];
}

describe("the run's history on the debugger's timeline", () => {
  let ordersHistory: RecordedEvent[];
  let waitsHistory: RecordedEvent[];
  let ordersRun: RunInfo;
  let ordersExport: Record<string, unknown>;
  let recorded: RecordedExecution;

  before(async () => {
    const h = await Harness.open();
    try {
      h.worker([orders, waits]);
      const run = await h.client.start(orders, [300, 200, 100], { workflowId: 'orders-1' });
      assert.deepEqual(await run.result(), ['first:300', 'second:300']);
      const waiting = await h.client.start(waits, 'order-7', { workflowId: 'waits-1' });
      // The signal comes after the timer fired, so the code is waiting for it when it arrives.
      await waitFor('the timer to fire', async () => (await h.types('waits-1')).includes('TimerFired'));
      await waiting.signal('decision', 'ada');
      assert.equal(await waiting.result({ timeout: 5000 }), 'order-7: approved by ada');
      ordersHistory = steady(await h.history('orders-1'));
      waitsHistory = await h.history('waits-1');
      const exported = await h.client.exportHistory('orders-1');
      ordersExport = { ...exported, events: steady(exported.events) };
      ordersRun = exported.run;
    } finally {
      await h.close();
    }
    recorded = await recordExecution(ordersHistory, ORDERS);
  });

  const open = async (history = ordersHistory) => (await startSession(history, ordersRun, ORDERS)).session;

  describe('recordExecution: where the code reached each history event', () => {
    it('a step result reaches the code where the await that waited for it resumes; WorkflowStarted at the first event, the closing event at the last', () => {
      assert.deepEqual(placed(recorded), {
        1: 'enter orders:24',
        3: 'resume orders:28',
        4: 'resume orders:28',
        5: 'resume orders:28',
        6: 'resume pay:20',
        7: 'resume pay:20',
        8: 'exit orders:24',
      });
      assert.equal(recorded.timeline.at(-1)!.index, recorded.execution.length - 1);
    });

    it('a worker record (WorkerAttached) never reaches the code: it has no place on the timeline', () => {
      const attached = ordersHistory.find((e) => e.type === 'WorkerAttached')!;
      assert.equal(recorded.timeline.find((t) => t.historyId === attached.id), undefined);
    });

    it('the timeline is sorted by trace index, each history event once', () => {
      const ids = recorded.timeline.map((t) => t.historyId);
      assert.equal(new Set(ids).size, ids.length);
      for (let i = 1; i < recorded.timeline.length; i++) assert.ok(recorded.timeline[i - 1]!.index <= recorded.timeline[i]!.index);
    });

    it('a timer, a signal and a step reach the code where its awaits resume; a command record (TimerStarted) where the code issued the command, a cancellation where the code cancelled', async () => {
      const w = await recordExecution(waitsHistory, WAITS);
      const where = placed(w);
      assert.deepEqual(
        waitsHistory.filter((e) => e.type !== 'WorkerAttached').map((e) => `${e.type} ${where[e.id]}`),
        [
          'WorkflowStarted enter waits:8',
          'TimerStarted suspend waits:9',
          'TimerFired resume waits:9',
          'TimerStarted suspend waits:10',
          'SignalReceived resume waits:10',
          'TimerCancelled resume waits:10',
          'StepCompleted resume waits:11',
          'WorkflowCompleted exit waits:8',
        ],
      );
    });

    it('replay with the observer answers exactly as replay without it, and the observer hears of every event but the worker record', async () => {
      const { workflows } = await loadWorkflows(ORDERS);
      const heard: number[] = [];
      const observed = await replayHistory(ordersHistory, workflows, { onReplayed: (e) => heard.push(e.id) });
      const plain = await replayHistory(ordersHistory, workflows);
      assert.deepEqual({ ...observed, divergence: observed.divergence?.message }, { ...plain, divergence: plain.divergence?.message });
      assert.deepEqual(heard.sort((a, b) => a - b), [1, 3, 4, 5, 6, 7, 8]);
    });
  });

  describe('info history', () => {
    it('lists every event in id order with its type, name, a short summary, its time from the start and the trace event where the code got it', async () => {
      const s = await open();
      const lines = historyOf(await s.execute('info history'));
      assert.deepEqual(
        lines.map((l) => [l.id, l.type, l.name ?? null, l.offset, l.index]),
        [
          [1, 'WorkflowStarted', 'orders', 0, 0],
          [2, 'WorkerAttached', null, 100, null],
          [3, 'StepCompleted', 'reserve', 200, recorded.timeline[1]!.index],
          [4, 'StepCompleted', 'reserve', 300, recorded.timeline[2]!.index],
          [5, 'StepCompleted', 'reserve', 400, recorded.timeline[3]!.index],
          [6, 'StepCompleted', 'charge', 500, recorded.timeline[4]!.index],
          [7, 'StepCompleted', 'charge', 600, recorded.timeline[5]!.index],
          [8, 'WorkflowCompleted', null, 700, recorded.execution.length - 1],
        ],
      );
      assert.equal(lines[0]!.summary, 'input [300,200,100]');
      assert.equal(lines[5]!.summary, '["first",300] -> {"part":"first","cents":300}');
      assert.equal(lines[7]!.summary, '-> ["first:300","second:300"]');
    });

    it('marks where the cursor is: events the code got before it, at it, after it, and those it never gets', async () => {
      const s = await open();
      await s.execute('goto #4');
      const r = await s.execute('info history');
      assert.equal(r.result?.kind === 'history' && r.result.cursor, s.cursor.index);
      assert.deepEqual(
        historyOf(r).map((l) => `#${l.id} ${l.at}`),
        ['#1 before', '#2 unreached', '#3 before', '#4 cursor', '#5 after', '#6 after', '#7 after', '#8 after'],
      );
    });

    it('`info hist` is the same topic; a session without a history lists nothing', async () => {
      const s = await open();
      assert.equal(historyOf(await s.execute('info hist')).length, 8);
      assert.deepEqual(historyOf(await new DebugSession(recorded.execution).execute('info history')), []);
    });
  });

  describe('goto on the history', () => {
    it('goto #N lands where the code got history event N: the resume of the await that waited for it', async () => {
      const s = await open();
      const stop = stopOf(await s.execute('goto #4'));
      assert.equal(stop.index, recorded.timeline.find((t) => t.historyId === 4)!.index);
      assert.deepEqual([stop.kind, stop.function, stop.line, stop.reason], ['resume', 'orders', 28, 'goto']);
    });

    it("goto step <name> lands where the step's first result reached the code; goto step <name> <n> its n-th", async () => {
      const s = await open();
      const first = stopOf(await s.execute('goto step charge'));
      assert.equal(first.index, recorded.timeline.find((t) => t.historyId === 6)!.index);
      assert.deepEqual([first.kind, first.function, first.line], ['resume', 'pay', 20]);
      assert.equal(stopOf(await s.execute('goto step charge 2')).index, recorded.timeline.find((t) => t.historyId === 7)!.index);
      assert.equal(stopOf(await s.execute('goto step reserve 3')).index, recorded.timeline.find((t) => t.historyId === 5)!.index);
    });

    it('goto time lands where the code got the first history event at or after the time: +<duration> from the start or an ISO time', async () => {
      const s = await open();
      const index = (id: number) => recorded.timeline.find((t) => t.historyId === id)!.index;
      assert.equal(stopOf(await s.execute('goto time +250ms')).index, index(4));
      assert.equal(stopOf(await s.execute('goto time 2026-01-01T10:00:00.500Z')).index, index(6));
      assert.equal(stopOf(await s.execute('goto time +0.6s')).index, index(7));
      assert.equal(stopOf(await s.execute('goto time +0ms')).index, 0);
    });

    it('goto time skips events the code never gets: at +100ms (WorkerAttached) it goes on to the next step result', async () => {
      const s = await open();
      assert.equal(stopOf(await s.execute('goto time +100ms')).index, recorded.timeline.find((t) => t.historyId === 3)!.index);
    });

    it('goto <index> still goes to that trace event', async () => {
      const s = await open();
      assert.equal(stopOf(await s.execute('goto 10')).index, 10);
    });

    it('bad input is one error line that says what is valid, and the cursor stays where it was', async () => {
      const s = await open();
      await s.execute('goto 10');
      const last = recorded.execution.length - 1;
      const cases: [string, string, RegExp][] = [
        ['goto #99', 'HS_E_DEBUG_NO_EVENT', /^no history event #99; the history has #1 to #8 \(`info history` lists them\)$/],
        ['goto #2', 'HS_E_DEBUG_NO_EVENT', /^the code never reaches history event #2 \(WorkerAttached\): it records which worker took the run, and replay skips it$/],
        ['goto step pay', 'HS_E_DEBUG_NO_EVENT', /^no result of a step 'pay' in the history; steps with results: reserve, charge$/],
        ['goto step charge 3', 'HS_E_DEBUG_NO_EVENT', /^step 'charge' has 2 results in the history; goto step charge 1 to 2$/],
        ['goto step charge 0', 'HS_E_DEBUG_USAGE', /counts results from 1; got '0'/],
        [
          'goto time +1h',
          'HS_E_DEBUG_NO_EVENT',
          /^no history event the code reached at or after 2026-01-01T11:00:00\.000Z \(\+3600s\); the run's events are from 2026-01-01T10:00:00\.000Z \(\+0ms\) to 2026-01-01T10:00:00\.700Z \(\+700ms\)$/,
        ],
        ['goto time yesterday', 'HS_E_DEBUG_USAGE', /takes an ISO time .* or \+<duration> from the run's start/],
        ['goto time +soon', 'HS_E_DEBUG_USAGE', /counts from the run's start, like \+1\.5s or \+250ms; got '\+soon'/],
        ['goto somewhere', 'HS_E_DEBUG_USAGE', new RegExp(`^goto takes an event index \\(0 to ${last}\\), #<history id>, step <name> \\[n\\] or time <ISO time \\| \\+1\\.5s>; got 'somewhere'$`)],
        ['goto 99999', 'HS_E_DEBUG_USAGE', /past the end of the trace/],
      ];
      for (const [command, code, message] of cases) {
        const r = await s.execute(command);
        assert.equal(r.error?.code, code, `${command}: ${JSON.stringify(r)}`);
        assert.match(r.error.message, message, command);
        assert.doesNotMatch(r.error.message, /\n/, 'one line');
      }
      assert.equal(s.cursor.index, 10);
    });

    it('a session without a history says so', async () => {
      const r = await new DebugSession(recorded.execution).execute('goto #1');
      assert.equal(r.error?.code, 'HS_E_DEBUG_NO_EVENT');
      assert.match(r.error.message, /no history event #1; this session has no history/);
    });
  });

  describe("stops and the steps' recorded results", () => {
    it('a stop on a statement that awaits a step says the step is not replayed, with its recorded input and result', async () => {
      const s = await open();
      await s.execute('goto #3');
      const stop = stopOf(await s.execute('reverse-next'));
      assert.deepEqual([stop.kind, stop.line], ['statement', 28]);
      assert.equal(stop.history?.length, 1);
      const { note, ...fields } = stop.history[0]!;
      assert.deepEqual(fields, { id: 3, type: 'StepCompleted', name: 'reserve', at: 'awaits', input: ['sku-0'], result: 'held:sku-0' });
      assert.equal(note, `awaits step 'reserve'; steps are not replayed (their code is volatile): recorded input ["sku-0"] -> result "held:sku-0" (history #3)`);
    });

    it("where the code got a step's result, and at the frame's next statement, the stop says which result it just got", async () => {
      const s = await open();
      const resumed = stopOf(await s.execute('goto step charge'));
      assert.deepEqual(resumed.history?.map((h) => [h.id, h.at]), [[6, 'received']]);
      assert.match(resumed.history[0]!.note, /^step 'charge' just returned; steps are not replayed \(their code is volatile\): recorded input \["first",300\] -> result \{"part":"first","cents":300\} \(history #6\)$/);
      const after = stopOf(await s.execute('next'));
      assert.deepEqual([after.function, after.line, after.history?.map((h) => [h.id, h.at])], ['pay', 21, [[6, 'received']]]);
    });

    it('a statement that awaits the next step of a loop tells the one it awaits, not the one just received', async () => {
      const s = await open();
      await s.execute('goto #3');
      const stop = stopOf(await s.execute('next'));
      assert.deepEqual([stop.line, stop.history?.map((h) => [h.id, h.at])], [28, [[4, 'awaits']]]);
    });

    it('stops that neither await nor just received a step carry no note', async () => {
      const { session: s, start } = await startSession(ordersHistory, ordersRun, ORDERS);
      assert.equal(start.stop?.history, undefined);
      assert.equal(stopOf(await s.execute('step')).history, undefined, 'line 25, before any step');
      assert.equal(stopOf(await s.execute('goto #8')).history, undefined, 'the end of the run');
    });

    it("a step that failed: the note gives the recorded error; results that came after the run ended never reach the code", async () => {
      // The orders run, as if the first charge had failed for good (the run then fails).
      const failure = { name: 'Error', message: 'card declined' };
      const history = ordersHistory.map((e): RecordedEvent => {
        if (e.id === 6 && e.type === 'StepCompleted') return { id: e.id, ts: e.ts, type: 'StepFailed', seq: e.seq, name: e.name, args: e.args, error: failure, attempts: 3 };
        if (e.type === 'WorkflowCompleted') return { id: e.id, ts: e.ts, type: 'WorkflowFailed', error: failure };
        return e;
      });
      const s = await open(history);
      const stop = stopOf(await s.execute('goto #6'));
      assert.deepEqual(stop.history?.map((h) => [h.type, h.at, h.error]), [['StepFailed', 'received', failure]]);
      assert.match(stop.history[0]!.note, /-> error Error: card declined \(history #6\)$/);
      const lines = historyOf(await s.execute('info history'));
      assert.equal(lines.find((l) => l.id === 7)!.at, 'unreached');
      const r = await s.execute('goto #7');
      assert.match(r.error?.message ?? '', /never reaches history event #7 \(StepCompleted\): the trace ends before it/);
    });
  });

  describe('hindsight debug (the CLI) on the timeline', () => {
    const sb = new Sandbox();
    after(() => sb.dispose());

    it('the golden transcript: info history, goto #N, goto step, goto time, the step notes and the errors, as a user reads them', async () => {
      const file = path.join(sb.dir, 'orders.json');
      writeFileSync(file, JSON.stringify(ordersExport, null, 2));
      const out = await sb.ok(['debug', file, '--workflows', ORDERS, '--commands', path.join(SOURCES, 'scripts', 'timeline.txt')], { store: null });
      const transcript = out.split(PKG).join('<PKG>').split(sb.dir).join('<TMP>').split(ordersRun.runId).join('<RUN_ID>');
      const golden = path.join(SOURCES, 'golden', 'timeline.txt');
      if (UPDATE) writeFileSync(golden, transcript);
      assert.ok(existsSync(golden), `no golden file ${golden}; run the tests with HINDSIGHT_UPDATE_GOLDEN=1 to write it`);
      assert.equal(transcript, readFileSync(golden, 'utf8'), `the transcript differs from ${golden}; if the change is intended, rerun with HINDSIGHT_UPDATE_GOLDEN=1`);
      assert.match(transcript, /^> #1 {2}WorkflowStarted/m, 'the cursor starts at WorkflowStarted');
      assert.match(transcript, /-- cursor at event \d+ --/);
      assert.match(transcript, /awaits step 'reserve'; steps are not replayed/);
    });
  });
});
