import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Client } from '../../src/client/index.js';
import { Worker } from '../../src/engine/index.js';
import { openStore } from '../../src/store/index.js';
import { AdapterClient, show } from './client.js';
import { order, shipment } from './fixtures/family.js';
import { lineOf } from './runs.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const MODULE = path.resolve(here, 'fixtures/family.js');
const SOURCE = path.resolve(here, '../../../test/dap/fixtures/family.ts');

describe('hindsight dap: a workflow run and its child runs, one thread each', () => {
  let dir: string;
  let store: string;
  let dc: AdapterClient;
  const line = (text: string) => lineOf(SOURCE, text);

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hindsight-dap-children-'));
    store = path.join(dir, 'store.db');
    const s = await openStore({ path: store });
    const worker = new Worker({ store: s, workflows: [order, shipment], pollInterval: 10 }).start();
    try {
      const run = await new Client({ store: s, pollInterval: 10 }).start(order, ['apple', 'kiwi', 'fig'], { workflowId: 'order-1' });
      assert.equal(await run.result(), 3);
    } finally {
      await worker.stop();
      await s.close();
    }
    dc = new AdapterClient();
    await dc.start();
    await dc.initializeRequest();
  });
  after(async () => {
    await dc.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('threads are the run and each child run, children of the store run found through its history', async () => {
    const stopped = await dc.open({ run: 'order-1', store, workflows: MODULE });
    assert.deepEqual([stopped.body.reason, stopped.body.threadId], ['entry', 1]);
    const threads = (await dc.threadsRequest()).body.threads;
    assert.deepEqual(threads.map((t) => `${t.id} ${t.name}`), ['1 order order-1', '2 child shipment order-1/shipment-1', '3 child shipment order-1/shipment-2']);
  });

  it('a breakpoint is set in every run, with the hits of all; continue in a child thread stops there, with its values', async () => {
    const set = await dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: line('packed.push(') }] });
    assert.deepEqual([set.body.breakpoints[0]!.verified, set.body.breakpoints[0]!.message], [true, '3 hits in this run and its child runs']);
    const hit = await dc.moveBy('continue', { threadId: 3 });
    assert.deepEqual([hit.body.reason, hit.body.threadId, hit.body.hitBreakpointIds], ['breakpoint', 3, [set.body.breakpoints[0]!.id]]);
    assert.deepEqual((await dc.frames(3)).map((f) => `${f.name}:${f.line}`), [`shipment:${line('packed.push(')}`]);
    const frameId = (await dc.frames(3))[0]!.id;
    const locals = (await dc.scopesRequest({ frameId })).body.scopes.find((s) => s.name === 'Locals')!;
    assert.match(show((await dc.variablesRequest({ variablesReference: locals.variablesReference })).body.variables).join(' '), /^packed=\[\] item='kiwi'$/);
    assert.equal((await dc.evaluateRequest({ expression: 'items.join("+")', context: 'watch', frameId })).body.result, "'kiwi+fig'");
  });

  it('each thread keeps its own place in time: the parent has not moved, and stepping back in a child stays in it', async () => {
    assert.deepEqual((await dc.frames(1)).map((f) => `${f.name}:${f.line}`), [`order:${line("export const order = workflow('order'")}`]);
    const back = await dc.moveBy('reverseContinue', { threadId: 3 });
    assert.deepEqual([back.body.reason, back.body.threadId], ['step', 3], 'no earlier hit in this child: the start of its run');
    const again = await dc.moveBy('continue', { threadId: 3 });
    assert.equal(again.body.threadId, 3);
    const { events } = (await dc.customRequest('hindsight/timeline', { threadId: 3 })).body as { events: { type: string; name?: string }[] };
    assert.deepEqual(events.filter((e) => e.type === 'StepCompleted').map((e) => e.name), ['pack', 'pack'], 'the child run’s own history');
    assert.match(await dc.refused('next', { threadId: 9 }), /'next': no thread 9; ask threads .*\[HS_E_DAP_NO_THREAD\]$/);
  });
});
