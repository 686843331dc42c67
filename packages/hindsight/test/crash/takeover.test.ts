/**
 * How fast another worker resumes the runs of a worker that went away: at once
 * after a graceful stop (SIGTERM gives the leases back), within about the lease
 * timeout after a crash (SIGKILL leaves the leases to expire).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from '../../src/client/index.js';
import type { RecordedEvent, WorkerAttached } from '../../src/history/index.js';
import { openStore, type RunRecord, type Store } from '../../src/store/index.js';
import { checkHistoryShape, excerpt, loadAll } from './checks.js';
import { crashLong, crashWorkflows, expectedLong } from './fixtures/workflows.js';
import { Fleet, waitFor, type WorkerProcess } from './fleet.js';

const LEASE_MS = 3000;
const RUNS = 4;
/** Long enough to still be running when the first worker goes, short enough for the test budget. */
const STEPS = 40;
const STEP_MS = 100;

interface Setup {
  store: Store;
  fleet: Fleet;
  first: WorkerProcess;
  second: WorkerProcess;
  runs: RunRecord[];
}

describe('a worker that goes away hands its runs to another worker', () => {
  const dirs: string[] = [];
  const fleets: Fleet[] = [];
  const stores: Store[] = [];
  const onExit = () => fleets.forEach((f) => f.killAll());
  process.on('exit', onExit);
  let passed = 0;

  after(async () => {
    for (const f of fleets) f.killAll();
    await Promise.all(fleets.flatMap((f) => f.all.map((w) => w.exited)));
    process.off('exit', onExit);
    for (const s of stores) await s.close();
    if (passed < 2) console.error(`takeover tests kept their stores in ${dirs.join(', ')}`);
    else for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Runs leased by a first worker and under way, and a second worker that is ready and idle. */
  async function setup(name: string): Promise<Setup> {
    const dir = mkdtempSync(path.join(tmpdir(), `hindsight-${name}-`));
    dirs.push(dir);
    const store = await openStore({ path: path.join(dir, 'hindsight.db') });
    stores.push(store);
    const fleet = new Fleet({ store: path.join(dir, 'hindsight.db'), ledger: path.join(dir, 'ledger.jsonl'), leaseMs: LEASE_MS, pollMs: 20, name });
    fleets.push(fleet);
    const first = await fleet.start();
    const client = new Client({ store, workflows: crashWorkflows });
    for (let n = 0; n < RUNS; n++) await client.start(crashLong, { n, steps: STEPS, ms: STEP_MS }, { workflowId: `${name}-${n}` });
    const runs = await waitFor(`${first.workerId} to lease every run and record a step of each`, 10_000, async () => {
      const runs = await Promise.all(Array.from({ length: RUNS }, (_, n) => store.findRun(`${name}-${n}`)));
      return runs.every((r) => r?.leaseOwner === first.workerId && r.eventCount >= 3) ? (runs as RunRecord[]) : undefined;
    });
    const second = await fleet.start();
    return { store, fleet, first, second, runs };
  }

  /** When `worker` attached to each run (the ts of its WorkerAttached event). */
  async function attachedAt(store: Store, runs: RunRecord[], worker: WorkerProcess, timeoutMs: number): Promise<number[]> {
    return waitFor(`${worker.workerId} to resume every run`, timeoutMs, async () => {
      const times: number[] = [];
      for (const r of runs) {
        const h = await store.readHistory(r.runId);
        const e = h.find((e): e is RecordedEvent<WorkerAttached> => e.type === 'WorkerAttached' && e.workerId === worker.workerId);
        if (!e) return undefined;
        times.push(e.ts);
      }
      return times;
    }).catch(async (err: Error) => {
      const states = await Promise.all(runs.map(async (r) => {
        const now = (await store.getRun(r.runId))!;
        return `  ${now.workflowId}: ${now.status}, lease owner ${now.leaseOwner}, lease until ${now.leaseExpiresAt}, wakeAt ${now.wakeAt}, ${now.eventCount} events\n` +
          excerpt((await store.readHistory(r.runId)).slice(-3));
      }));
      throw new Error(`${err.message}; the runs now:\n${states.join('\n')}`);
    });
  }

  async function finish({ store, fleet, runs }: Setup): Promise<void> {
    await waitFor('every run to complete', 15_000, async () => {
      const now = await Promise.all(runs.map((r) => store.getRun(r.runId)));
      return now.every((r) => r!.status !== 'RUNNING') ? true : undefined;
    }, 50);
    await fleet.shutdown();
    for (const r of await loadAll(store)) {
      assert.deepEqual(checkHistoryShape(r), []);
      assert.equal(r.run.status, 'COMPLETED', `${r.run.workflowId}\n${excerpt(r.history)}`);
      assert.equal(r.run.result, expectedLong((r.run.input as { n: number }).n, STEPS));
    }
  }

  it(`after SIGTERM the worker stops gracefully and another resumes its runs at once, well under the ${LEASE_MS}ms lease timeout`, async (t) => {
    const s = await setup('sigterm');
    const killedAt = Date.now();
    s.fleet.kill(s.first, 'SIGTERM');
    const exit = await s.first.exited;
    assert.equal(exit.code, 0, `the worker should exit on its own after SIGTERM; stderr: ${s.first.stderr.join('\n')}`);
    assert.ok(s.first.stoppedGracefully, 'the worker should say it stopped');
    const times = await attachedAt(s.store, s.runs, s.second, LEASE_MS + 5000);
    const worst = Math.max(...times) - killedAt;
    t.diagnostic(`SIGTERM -> resumed by ${s.second.workerId}: ${times.map((x) => x - killedAt).join(', ')}ms (lease ${LEASE_MS}ms)`);
    assert.ok(worst < 1000, `runs were resumed ${worst}ms after SIGTERM; a graceful stop gives leases back, so this should take well under the ${LEASE_MS}ms lease`);
    await finish(s);
    passed++;
  });

  it(`after SIGKILL another worker resumes the runs once the lease expires, within ${LEASE_MS}ms + 3s`, async (t) => {
    const s = await setup('sigkill');
    const killedAt = Date.now();
    s.fleet.kill(s.first, 'SIGKILL');
    const times = await attachedAt(s.store, s.runs, s.second, LEASE_MS + 8000);
    const latencies = times.map((x) => x - killedAt);
    t.diagnostic(`SIGKILL -> resumed by ${s.second.workerId}: ${latencies.join(', ')}ms (lease ${LEASE_MS}ms)`);
    assert.ok(Math.max(...latencies) < LEASE_MS + 3000, `runs were resumed ${Math.max(...latencies)}ms after SIGKILL, expected within the ${LEASE_MS}ms lease + 3s`);
    // The lease of a dead worker is honoured until it expires (renewed every lease/3, so at least 2/3 of it remains).
    assert.ok(Math.min(...latencies) >= LEASE_MS * 0.4, `a run was taken over ${Math.min(...latencies)}ms after SIGKILL, before the ${LEASE_MS}ms lease could have expired`);
    await finish(s);
    passed++;
  });
});
