import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'hindsight/client';
import { recordExecution, ReplayValues } from 'hindsight/replay';
import { openStore } from 'hindsight/store';
import { Worker } from 'hindsight/worker';
import { median, round, type Benchmark, type Measure } from './harness.js';
import { ledger } from './workflows/ledger.js';

/** Loop iterations of the ledger workflow: about 1 million trace events. */
const ITERATIONS = 112_000;
const POINTS = 9;
const modulePath = fileURLToPath(new URL('./workflows/ledger.js', import.meta.url));

/** Runs the ledger workflow on a real worker and store, and returns its history. */
async function recordedRun() {
  const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-bench-values-'));
  const store = await openStore({ path: path.join(dir, 'bench.db') });
  const worker = new Worker({ store, workflows: [ledger] }).start();
  try {
    const client = new Client({ store });
    const handle = await client.start(ledger, ITERATIONS, { workflowId: 'ledger' });
    await handle.result();
    return (await client.exportHistory('ledger')).events;
  } finally {
    await worker.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const names = ['timetravel.values_ms', 'timetravel.values_first_ms', 'timetravel.values_trace_events'];

export const valuesBenchmark: Benchmark = {
  prefix: 'timetravel.values',
  names,
  async run() {
    const history = await recordedRun();
    const { execution } = await recordExecution(history, modulePath);
    const values = new ReplayValues(execution, history, modulePath).warm();
    // arbitrary points in an order that goes forwards and backwards (xorshift, fixed seed)
    let seed = 0x2545f491;
    const rand = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const times: number[] = [];
    try {
      for (let k = 0; k < POINTS + 1; k++) {
        const index = Math.floor(rand() * execution.length);
        const t0 = performance.now();
        const s = await values.scopes(index);
        if (s.scopes.length === 0) throw new Error('no scopes');
        times.push(performance.now() - t0);
      }
    } finally {
      await values.close();
    }
    const [first, ...rest] = times;
    const m: Measure[] = [
      {
        name: 'timetravel.values_ms',
        value: round(median(rest)),
        unit: 'ms',
        note: `median time to show the variables at ${POINTS} arbitrary points (forwards and backwards) of a ${execution.length}-event workflow run, re-executed in a worker paused there (a spare worker started in advance)`,
      },
      { name: 'timetravel.values_first_ms', value: round(first!), unit: 'ms', note: 'the first such question of a session (the code loading in the worker)' },
      { name: 'timetravel.values_trace_events', value: execution.length, unit: 'events', note: 'trace events of that run' },
    ];
    return m;
  },
};
