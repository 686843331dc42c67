/**
 * Workflow code with generators replays with instrumentation exactly as it runs without: a sync
 * generator and an async generator consumed by `for await`, recorded by a real worker, replayed
 * plain and instrumented, give the same result; the instrumented replay shows each run of a
 * generator as a frame under the code that called next().
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ReplayResult } from '../../src/engine/index.js';
import type { RecordedEvent } from '../../src/history/index.js';
import { EventKind, type Execution } from '../../src/trace/index.js';
import { deliver } from './fixtures/batches.js';
import { assertReplaysAsPlain, recordRun } from './recorded-run.js';

const modulePath = fileURLToPath(new URL('./fixtures/batches.js', import.meta.url));

describe('instrumented replay of a workflow that uses generators (fixtures/batches.ts)', () => {
  let history: RecordedEvent[];
  let execution: Execution;
  let replay: ReplayResult;

  before(async () => {
    ({ history, execution, replay } = await recordRun(deliver, ['a', 'b', 'c', 'd', 'e'], 'deliver-1', { receipts: ['shipped:a+b', 'shipped:c+d', 'shipped:e'], first: ['a', 'b', 'c', 'd', 'e'] }, modulePath));
  });

  it('gives the same replay result as the plain replay of the original code', async () => {
    await assertReplaysAsPlain({ history, execution, replay }, modulePath);
  });

  it('each generator call is entered once, and each of its runs is a frame under the caller of next()', () => {
    const stacks = new Set<string>();
    const calls = new Map<string, number>();
    for (let i = 0; i < execution.length; i++) {
      const site = execution.siteOf(i)!;
      if (execution.kinds[i] === EventKind.Enter) calls.set(site.functionName, (calls.get(site.functionName) ?? 0) + 1);
      if (execution.kinds[i] === EventKind.Suspend && site.kind === 'yield') {
        stacks.add(execution.stackAt(i).map((f) => execution.sites.get(execution.frameSite(f))!.functionName).join(' < '));
      }
    }
    assert.equal(calls.get('batches'), 2, 'batches: in shipments, and destructured in the workflow');
    assert.equal(calls.get('shipments'), 1);
    assert.deepEqual([...stacks].sort(), ['batches < deliver', 'batches < shipments < deliver', 'shipments < deliver']);
  });
});
