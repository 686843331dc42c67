/**
 * Many workflows on worker child processes that are SIGKILLed at random
 * (seeded, repeatable) moments. Reproduce a failure with its seed:
 *
 *   CRASH_SEED=<seed> node --test packages/hindsight/dist/test/crash/crash.test.js
 *
 * A failing run (or any run with CRASH_KEEP=1) keeps its store and ledger (the path is printed) for a look
 * with `hindsight workflow history --store <path> <workflow id>`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from '../../src/client/index.js';
import { allRuns, attachments, auditSteps, checkHistoryShape, excerpt, indexLedger, loadAll } from './checks.js';
import { crashOrder, crashWorkflows, expectedOrder, expectedPayment, type OrderResult, type PaymentResult, type Work } from './fixtures/workflows.js';
import { crashBed, readLedger, seededRandom, sleep, waitFor, type WorkerProcess } from './fleet.js';

const SEED = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : 20260101;
const RUNS = 60;
const WORKERS = 2;
const LEASE_MS = 1000;
/** Kills go on this long after the first run started. */
const CHAOS_MS = 10_000;

describe(`crash: workers SIGKILLed at random moments (CRASH_SEED=${SEED})`, () => {
  const bed = crashBed({ prefix: `hindsight-crash-${SEED}-`, name: 'chaos', leaseMs: LEASE_MS, label: `crash test (CRASH_SEED=${SEED})` });
  const { dir, ledgerPath, fleet } = bed;

  it(`every one of ${RUNS} runs completes exactly once with the exact result, every step recorded once and replayed, no history with a gap or a duplicate (seed ${SEED})`, async (t) => {
    const random = seededRandom(SEED);
    const store = await bed.openStore();
    const client = new Client({ store, workflows: crashWorkflows });
    for (let i = 0; i < WORKERS; i++) await fleet.start();

    // --- chaos -----------------------------------------------------------------
    const kills: { workerId: string; pid: number; at: number }[] = [];
    const t0 = Date.now();
    const starting = (async () => {
      for (let n = 0; n < RUNS; n++) {
        await client.start(crashOrder, { n }, { workflowId: `crash-${SEED}-${n}` });
        await sleep(40 + Math.floor(random() * 180));
      }
    })();
    const killing = (async () => {
      while (Date.now() - t0 < CHAOS_MS) {
        await sleep(250 + Math.floor(random() * 1100));
        const live = fleet.live;
        // Now and then every worker dies at once: nobody is left to take over until the replacements come.
        const victims = random() < 0.2 ? live : [live[Math.floor(random() * live.length)]!];
        for (const w of victims) {
          fleet.kill(w, 'SIGKILL');
          kills.push({ workerId: w.workerId, pid: w.pid, at: Date.now() });
        }
        await Promise.all(victims.map((w) => w.exited));
        await Promise.all(victims.map(() => fleet.start()));
      }
    })();
    await Promise.all([starting, killing]);
    const chaosEnded = Date.now();

    // --- drain -----------------------------------------------------------------
    const open = await waitFor('every run to close', 40_000, async () => {
      assert.deepEqual(fleet.unexpectedExits().map((w) => `${w.workerId}: ${w.stderr.join('\n')}`), [], 'a worker process died on its own');
      const runs = await allRuns(store);
      return runs.length >= RUNS && runs.every((r) => r.status !== 'RUNNING') ? runs : undefined;
    }, 100).catch(async (err: Error) => {
      const stuck = (await allRuns(store)).filter((r) => r.status === 'RUNNING');
      const detail = await Promise.all(stuck.slice(0, 5).map(async (r) =>
        `  ${r.workflowId} lease ${r.leaseOwner} until ${r.leaseExpiresAt} wakeAt ${r.wakeAt}\n${excerpt(await store.readHistory(r.runId))}`));
      throw new Error(`${err.message}; ${stuck.length} runs still RUNNING, e.g.\n${detail.join('\n')}`);
    });
    const drained = Date.now();
    await fleet.shutdown();

    // --- the invariants ------------------------------------------------------
    const runs = await loadAll(store);
    const { lines, torn } = readLedger(ledgerPath);
    const killedPids = new Map(fleet.all.filter((w) => w.killedWith === 'SIGKILL').map((w) => [w.pid, w] as const));
    const byPid = new Map(fleet.all.map((w) => [w.pid, w] as const));
    const leaseLost = (w: WorkerProcess | undefined, runId: string) =>
      w?.events.some((e) => e.type === 'lease-lost' && e.runId === runId) ?? false;
    const audit = auditSteps(runs, indexLedger(lines), (pid, runId) => ({
      ...(killedPids.has(pid) ? { killed: `in flight when ${killedPids.get(pid)!.workerId} was SIGKILLed` } : {}),
      ...(leaseLost(byPid.get(pid), runId) ? { leaseLost: `${byPid.get(pid)!.workerId} lost the lease of the run while alive` } : {}),
    }));

    const parents = runs.filter((r) => r.run.workflowType === crashOrder.name);
    const children = runs.filter((r) => r.run.workflowType !== crashOrder.name);
    const takenOver = runs.filter((r) => attachments(r.history).length > 1);
    const liveLeaseLosses = fleet.all.filter((w) => w.killedWith !== 'SIGKILL').flatMap((w) => w.events.filter((e) => e.type === 'lease-lost').map(() => w.workerId));
    const storeErrors = fleet.all.flatMap((w) => w.events.flatMap((e) => (e.type === 'store-error' ? [`${w.workerId}: ${e.message}`] : [])));
    t.diagnostic(`seed ${SEED}: ${kills.length} SIGKILLs over ${chaosEnded - t0}ms (${fleet.all.length} worker processes), drained ${drained - chaosEnded}ms later`);
    t.diagnostic(`${runs.length} runs (${parents.length} parents, ${children.length} children), ${takenOver.length} taken over by another worker, ${audit.steps} steps recorded`);
    t.diagnostic(`${lines.filter((l) => l.kind === 'begin').length} step executions, ${audit.reexecutions.length} re-executions of steps in flight at a kill, ${torn} torn ledger lines`);
    if (liveLeaseLosses.length > 0) t.diagnostic(`leases lost by live workers: ${liveLeaseLosses.length} (${[...new Set(liveLeaseLosses)].join(', ')})`);
    if (storeErrors.length > 0) t.diagnostic(`store errors reported by workers: ${storeErrors.slice(0, 5).join(' | ')}`);

    const problems: string[] = [];
    // Exactly the runs that were started, one per workflow id, and their children.
    assert.equal(parents.length, RUNS, `expected ${RUNS} crash-order runs`);
    const perWorkflowId = new Map<string, { runs: number; completed: number }>();
    for (const r of runs) {
      const c = perWorkflowId.get(r.run.workflowId) ?? { runs: 0, completed: 0 };
      c.runs++;
      c.completed += r.history.filter((e) => e.type === 'WorkflowCompleted').length;
      perWorkflowId.set(r.run.workflowId, c);
    }
    for (const [id, c] of perWorkflowId) {
      if (c.runs !== 1) problems.push(`workflow id ${id} has ${c.runs} runs: a run was started twice`);
      if (c.completed !== 1) problems.push(`workflow id ${id} completed ${c.completed} times`);
    }

    for (const r of runs) {
      problems.push(...checkHistoryShape(r));
      if (r.run.status !== 'COMPLETED') {
        problems.push(`run ${r.run.workflowId} is ${r.run.status}, not COMPLETED${r.run.blockedReason ? `: ${r.run.blockedReason}` : ''}\n${excerpt(r.history)}`);
      }
      // The workflow saw exactly the recorded step results (tokens of the recorded executions, in seq order).
      const recorded = r.history
        .flatMap((e) => (e.type === 'StepCompleted' ? [e] : []))
        .sort((a, b) => a.seq - b.seq)
        .map((e) => (e.result as Work).exec);
      const seen = (r.run.result as { execs?: string[] } | null)?.execs;
      if (r.run.status === 'COMPLETED' && JSON.stringify(seen) !== JSON.stringify(recorded)) {
        problems.push(`run ${r.run.workflowId} returned step results ${JSON.stringify(seen)} but the history recorded ${JSON.stringify(recorded)}: a result was not replayed`);
      }
      const attached = attachments(r.history);
      const unknown = attached.filter((id) => !fleet.all.some((w) => w.workerId === id));
      if (unknown.length > 0) problems.push(`run ${r.run.workflowId} was attached by unknown workers ${unknown.join(', ')}`);
    }

    for (const p of parents) {
      const n = (p.run.input as { n: number }).n;
      const want = expectedOrder(n);
      const got = p.run.result as OrderResult | null;
      if (got?.total !== want.total || got?.child !== want.child || got?.n !== n) {
        problems.push(`run ${p.run.workflowId} returned ${JSON.stringify(got && { n: got.n, total: got.total, child: got.child })}, expected ${JSON.stringify({ n, total: want.total, child: want.child })}`);
      }
      const started = p.history.filter((e) => e.type === 'ChildStarted');
      const mine = children.filter((c) => c.run.parentRunId === p.run.runId);
      if (started.length !== 1 || mine.length !== 1 || (started[0]?.type === 'ChildStarted' && started[0].runId !== mine[0]?.run.runId)) {
        problems.push(`run ${p.run.workflowId} started ${started.length} child(ren) in its history, the store holds ${mine.length}: ${mine.map((c) => c.run.runId).join(', ')}\n${excerpt(p.history)}`);
      }
      const payment = mine[0];
      if (payment) {
        const input = (payment.run.input as { amount: number }).amount;
        if (input !== want.childInput) problems.push(`child of ${p.run.workflowId} got amount ${input}, expected ${want.childInput}`);
        const childResult = payment.run.result as PaymentResult | null;
        if (childResult?.v !== expectedPayment(want.childInput)) problems.push(`child of ${p.run.workflowId} returned ${childResult?.v}, expected ${expectedPayment(want.childInput)}`);
        const completed = p.history.find((e) => e.type === 'ChildCompleted');
        if (completed?.type === 'ChildCompleted' && JSON.stringify(completed.result) !== JSON.stringify(childResult)) {
          problems.push(`parent ${p.run.workflowId} recorded child result ${JSON.stringify(completed.result)}, the child returned ${JSON.stringify(childResult)}`);
        }
      }
    }
    problems.push(...audit.problems);

    assert.deepEqual(problems, [], `seed ${SEED}: ${problems.length} invariant violations (store kept in ${dir})`);
    assert.ok(kills.length >= 5, `only ${kills.length} kills happened; the test did not test much`);
    assert.ok(takenOver.length > 0, 'no run was resumed by a worker other than the one that started it: no takeover happened');
    assert.ok(open.length >= RUNS);
    bed.passed = true;
  });
});
