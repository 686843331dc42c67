import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, type WorkflowHandle } from 'hindsight/client';
import { openStore, type Store } from 'hindsight/store';
import { Worker, replayHistory } from 'hindsight/worker';
import { step, workflow } from 'hindsight/workflow';
import { median, percentile, round, type Benchmark, type Measure } from './harness.js';

const W = 500;
const N = 10;
const ROUNDS = 3;

/** Step start times per run, to measure the gap the engine adds between consecutive steps. */
const starts = new Map<string, number[]>();

const work = step('work', async (ctx, i: number) => {
  let list = starts.get(ctx.runId);
  if (!list) starts.set(ctx.runId, (list = []));
  list.push(performance.now());
  return i * 2;
});

const tenSteps = workflow('tenSteps', async (ctx) => {
  let sum = 0;
  for (let i = 0; i < N; i++) sum += await ctx.step(work, i);
  return sum;
});

interface Bed {
  store: Store;
  client: Client;
  worker: Worker;
  close(): Promise<void>;
}

/** A fresh store file with durability on: WAL, synchronous=FULL (each commit is fsynced before it is acknowledged). */
async function bed(durability: 'full' | 'normal' = 'full'): Promise<Bed> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-bench-'));
  const store = await openStore({ path: path.join(dir, 'bench.db'), durability });
  const worker = new Worker({ store, workflows: [tenSteps], maxConcurrentRuns: W * 2 }).start();
  const client = new Client({ store });
  return {
    store,
    client,
    worker,
    async close() {
      await worker.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function concurrentRound(): Promise<{ stepsPerS: number; gaps: number[]; handles: WorkflowHandle[]; bed: Bed }> {
  const b = await bed();
  starts.clear();
  const t0 = performance.now();
  const handles = await Promise.all(Array.from({ length: W }, () => b.client.start(tenSteps, null)));
  await Promise.all(handles.map((h) => h.result()));
  const elapsed = performance.now() - t0;
  const gaps: number[] = [];
  for (const list of starts.values()) for (let i = 1; i < list.length; i++) gaps.push(list[i]! - list[i - 1]!);
  return { stepsPerS: (W * N) / (elapsed / 1000), gaps, handles, bed: b };
}

async function aloneRound(durability: 'full' | 'normal'): Promise<{ runs: number[]; writes: number[] }> {
  const b = await bed(durability);
  const runs: number[] = [];
  const writes: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    const handle = await b.client.start(tenSteps, null);
    const t1 = performance.now();
    await handle.result();
    if (i >= 5) {
      // the first runs warm the JIT
      runs.push(performance.now() - t0);
      writes.push(t1 - t0);
    }
  }
  await b.close();
  return { runs, writes };
}

const REPLAY_WARMUP = 5;
const REPLAY_ROUNDS = 9;

/** Replays every recorded history of a round, in memory, after warm-up rounds (the JIT's, not ours). */
async function replayRate(handles: WorkflowHandle[]): Promise<number> {
  const histories = await Promise.all(handles.map((h) => h.history()));
  const rates: number[] = [];
  for (let round = 0; round < REPLAY_WARMUP + REPLAY_ROUNDS; round++) {
    let events = 0;
    const t0 = performance.now();
    for (const history of histories) {
      const r = await replayHistory(history, [tenSteps]);
      if (!r.ok) throw new Error(`benchmark history diverged: ${r.divergence?.message}`);
      events += r.events;
    }
    if (round >= REPLAY_WARMUP) rates.push(events / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

export const engineBenchmark: Benchmark = {
  prefix: 'engine',
  names: [
    'engine.steps_per_s',
    'engine.step_p99_ms',
    'engine.run_alone_p50_ms',
    'engine.replay_events_per_s',
    'engine.durable_write_p50_ms',
    'engine.run_alone_normal_p50_ms',
  ],
  async run(only) {
    const out: Measure[] = [];
    const wantsConcurrent = ['engine.steps_per_s', 'engine.step_p99_ms', 'engine.replay_events_per_s'].some(only);
    if (wantsConcurrent) {
      const rates: number[] = [];
      const p99s: number[] = [];
      let replay = 0;
      for (let r = 0; r < ROUNDS; r++) {
        const round = await concurrentRound();
        rates.push(round.stepsPerS);
        p99s.push(percentile(round.gaps, 99));
        if (r === ROUNDS - 1 && only('engine.replay_events_per_s')) replay = await replayRate(round.handles);
        await round.bed.close();
      }
      out.push({ name: 'engine.steps_per_s', value: round(median(rates), 0), unit: 'steps/s', note: `W=${W} workflows x N=${N} steps started together, start to last result, WAL + synchronous=FULL; median of ${ROUNDS}` });
      out.push({ name: 'engine.step_p99_ms', value: round(median(p99s)), unit: 'ms', note: `p99 of the time from one step's start to the next step's start in the same run (durable commit + replay-free resume), W=${W}; median of ${ROUNDS}` });
      if (only('engine.replay_events_per_s')) {
        out.push({ name: 'engine.replay_events_per_s', value: round(replay, 0), unit: 'events/s', note: `re-running the ${W} recorded ${N}-step histories (${N + 3} events each) against the code, in memory, no side effects; median of ${REPLAY_ROUNDS} after ${REPLAY_WARMUP} warm-up rounds` });
      }
    }
    if (only('engine.run_alone_p50_ms') || only('engine.durable_write_p50_ms')) {
      const { runs, writes } = await aloneRound('full');
      out.push({ name: 'engine.run_alone_p50_ms', value: round(median(runs)), unit: 'ms', note: `one ${N}-step workflow with nothing else running, start to result: ${N + 3} sequential durable commits (start, attach+step 1, steps 2-10, close)` });
      out.push({ name: 'engine.durable_write_p50_ms', value: round(median(writes)), unit: 'ms', note: 'one durable write alone (client.start: a transaction with synchronous=FULL, fsync included): the floor under every step of a lone run' });
    }
    if (only('engine.run_alone_normal_p50_ms')) {
      const { runs } = await aloneRound('normal');
      out.push({ name: 'engine.run_alone_normal_p50_ms', value: round(median(runs)), unit: 'ms', note: `the same lone run with durability 'normal' (WAL, synchronous=NORMAL: survives a killed process, not a power loss): the engine's own cost without the fsyncs` });
    }
    return out;
  },
};
