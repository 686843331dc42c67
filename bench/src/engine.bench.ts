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
async function bed(): Promise<Bed> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-bench-'));
  const store = await openStore({ path: path.join(dir, 'bench.db'), durability: 'full' });
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

async function aloneRound(): Promise<number[]> {
  const b = await bed();
  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t0 = performance.now();
    await (await b.client.start(tenSteps, null)).result();
    if (i >= 5) times.push(performance.now() - t0); // the first runs warm the JIT
  }
  await b.close();
  return times;
}

async function replayRate(b: Bed, handles: WorkflowHandle[]): Promise<number> {
  const histories = await Promise.all(handles.map((h) => h.history()));
  const rates: number[] = [];
  for (let round = 0; round < 5; round++) {
    let events = 0;
    const t0 = performance.now();
    for (const history of histories) {
      const r = await replayHistory(history, [tenSteps]);
      if (!r.ok) throw new Error(`benchmark history diverged: ${r.divergence?.message}`);
      events += r.events;
    }
    rates.push(events / ((performance.now() - t0) / 1000));
  }
  void b;
  return median(rates);
}

export const engineBenchmark: Benchmark = {
  prefix: 'engine',
  names: ['engine.steps_per_s', 'engine.step_p99_ms', 'engine.run_alone_p50_ms', 'engine.replay_events_per_s'],
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
        if (r === ROUNDS - 1 && only('engine.replay_events_per_s')) replay = await replayRate(round.bed, round.handles);
        await round.bed.close();
      }
      out.push({ name: 'engine.steps_per_s', value: round(median(rates), 0), unit: 'steps/s', note: `W=${W} workflows x N=${N} steps started together, start to last result, WAL + synchronous=FULL; median of ${ROUNDS}` });
      out.push({ name: 'engine.step_p99_ms', value: round(median(p99s)), unit: 'ms', note: `p99 of the time from one step's start to the next step's start in the same run (durable commit + replay-free resume), W=${W}; median of ${ROUNDS}` });
      if (only('engine.replay_events_per_s')) {
        out.push({ name: 'engine.replay_events_per_s', value: round(replay, 0), unit: 'events/s', note: `re-running ${W} recorded ${N}-step histories against the code, no side effects; median of 5` });
      }
    }
    if (only('engine.run_alone_p50_ms')) {
      const times = await aloneRound();
      out.push({ name: 'engine.run_alone_p50_ms', value: round(median(times)), unit: 'ms', note: `one ${N}-step workflow with nothing else running, start to result; ${N + 3} durable commits, each an fsync` });
    }
    return out;
  },
};
