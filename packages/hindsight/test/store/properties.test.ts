import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import type { RecordedEvent } from '../../src/history/events.js';
import { openStore, type RunAppend, type Store } from '../../src/store/index.js';
import { T0, claimReq, commitOf, newRun, range, steps } from './fixtures.js';

const root = mkdtempSync(path.join(tmpdir(), 'hindsight-props-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const openFresh = (): Promise<Store> => openStore({ path: path.join(root, `p${++n}.db`), durability: 'normal' });

const WORKERS = ['w0', 'w1', 'w2'];
const LEASE_MS = 30_000;

interface Target {
  run: number;
  n: number;
  /** The writer uses an epoch older than the one it holds. */
  stale: boolean;
  /** The first event id is off by this much. */
  shift: number;
  close: boolean;
}

type Op =
  | { kind: 'claim'; worker: number }
  | { kind: 'append'; worker: number; targets: Target[] }
  | { kind: 'release'; worker: number; run: number; ready: boolean }
  | { kind: 'terminate'; run: number }
  | { kind: 'tick'; ms: number };

const target = (runs: number): fc.Arbitrary<Target> =>
  fc.record({
    run: fc.nat(runs - 1),
    n: fc.integer({ min: 1, max: 4 }),
    stale: fc.boolean(),
    shift: fc.constantFrom(0, 0, 0, -1, 1),
    close: fc.nat(9).map((x) => x < 2),
  });

const op = (runs: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('claim' as const), worker: fc.nat(WORKERS.length - 1) }) },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('append' as const),
        worker: fc.nat(WORKERS.length - 1),
        targets: fc.uniqueArray(target(runs), { minLength: 1, maxLength: 3, selector: (t) => t.run }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('release' as const),
        worker: fc.nat(WORKERS.length - 1),
        run: fc.nat(runs - 1),
        ready: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('terminate' as const), run: fc.nat(runs - 1) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 40_000 }) }) },
  );

const scenario = fc.integer({ min: 1, max: 4 }).chain((runs) =>
  fc.record({ runs: fc.constant(runs), ops: fc.array(op(runs), { minLength: 1, maxLength: 30 }) }),
);

interface Model {
  runId: string;
  count: number;
  epoch: number;
  closed: boolean;
}

async function checkHistories(store: Store, model: Model[]): Promise<void> {
  for (const m of model) {
    const history = await store.readHistory(m.runId);
    assert.deepEqual(
      history.map((e) => e.id),
      range(1, m.count),
      'history ids are exactly 1..n',
    );
    assert.equal((await store.getRun(m.runId))!.eventCount, history.length, 'eventCount equals the number of events');
  }
}

describe('store properties', () => {
  it('whatever workers do, an append is written exactly when its writer holds the lease and continues the history, and histories stay dense', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ runs, ops }) => {
        const store = await openFresh();
        try {
          let now = T0;
          const model: Model[] = [];
          for (let i = 0; i < runs; i++) {
            const { run } = await store.createRun(newRun(), now);
            model.push({ runId: run.runId, count: 1, epoch: 0, closed: false });
          }
          const held = WORKERS.map(() => new Map<string, number>());
          for (const o of ops) {
            switch (o.kind) {
              case 'tick':
                now += o.ms;
                break;
              case 'claim': {
                const got = await store.claimRuns(
                  claimReq({ workerId: WORKERS[o.worker], now, leaseMs: LEASE_MS, limit: 2 }),
                );
                for (const c of got) {
                  const m = model.find((x) => x.runId === c.run.runId)!;
                  assert.equal(m.closed, false, 'closed runs are never claimed');
                  assert.equal(c.epoch, m.epoch + 1, 'each claim bumps the epoch by one');
                  m.epoch = c.epoch;
                  held[o.worker].set(m.runId, c.epoch);
                }
                break;
              }
              case 'append': {
                const appends: RunAppend[] = [];
                const expectFenced: string[] = [];
                const accepted: [Model, Target][] = [];
                for (const t of o.targets) {
                  const m = model[t.run];
                  const holds = held[o.worker].get(m.runId) ?? 0;
                  const epoch = t.stale ? holds - 1 : holds;
                  const events: RecordedEvent[] = steps(m.count + 1 + t.shift, t.n, now);
                  if (t.close) events.push({ id: m.count + 1 + t.shift + t.n, ts: now, type: 'WorkflowCompleted', result: 1 });
                  appends.push({
                    runId: m.runId,
                    epoch,
                    events,
                    update: t.close ? { status: 'COMPLETED', result: 1 } : undefined,
                  });
                  if (m.closed || epoch !== m.epoch || t.shift !== 0) expectFenced.push(m.runId);
                  else accepted.push([m, t]);
                }
                const res = await store.commit(commitOf({ appends }), now);
                assert.deepEqual([...res.fenced].sort(), expectFenced.sort());
                for (const [m, t] of accepted) {
                  m.count += t.n + (t.close ? 1 : 0);
                  if (t.close) m.closed = true;
                }
                break;
              }
              case 'release': {
                const m = model[o.run];
                const epoch = held[o.worker].get(m.runId) ?? 0;
                await store.releaseRuns(WORKERS[o.worker], [{ runId: m.runId, epoch, ready: o.ready }]);
                break;
              }
              case 'terminate': {
                const m = model[o.run];
                assert.equal(await store.terminate(m.runId, 'property', now), !m.closed);
                if (!m.closed) {
                  m.count += 1;
                  m.epoch += 1;
                  m.closed = true;
                }
                break;
              }
            }
            await checkHistories(store, model);
          }
        } finally {
          await store.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('paging through any listing returns every matching run exactly once, newest first', async () => {
    const runsArb = fc.array(fc.record({ at: fc.nat(5), terminated: fc.boolean() }), { maxLength: 40 });
    const filterArb = fc.constantFrom<('RUNNING' | 'TERMINATED')[] | undefined>(undefined, ['RUNNING'], ['TERMINATED']);
    await fc.assert(
      fc.asyncProperty(runsArb, fc.integer({ min: 1, max: 12 }), filterArb, async (specs, limit, status) => {
        const store = await openFresh();
        try {
          const expected: { runId: string; at: number; terminated: boolean }[] = [];
          for (const s of specs) {
            const { run } = await store.createRun(newRun(), T0 + s.at);
            if (s.terminated) await store.terminate(run.runId, 'x', T0 + 10);
            expected.push({ runId: run.runId, at: T0 + s.at, terminated: s.terminated });
          }
          const want = expected
            .filter((r) => !status || (r.terminated ? status.includes('TERMINATED') : status.includes('RUNNING')))
            .sort((a, b) => b.at - a.at || (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0))
            .map((r) => r.runId);
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let pages = 0; ; pages++) {
            assert.ok(pages <= want.length + 1, 'paging ends');
            const page = await store.listRuns({ status }, { limit, cursor });
            assert.ok(page.runs.length <= limit);
            seen.push(...page.runs.map((r) => r.runId));
            if (!page.nextCursor) break;
            cursor = page.nextCursor;
          }
          assert.deepEqual(seen, want);
        } finally {
          await store.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
