import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { AdapterClient, show } from './client.js';
import { lineOf, MODULES, recordRuns, SOURCES, type Runs } from './runs.js';

/** The stack as `function:line` innermost first. */
async function stack(dc: AdapterClient): Promise<string[]> {
  return (await dc.frames()).map((f) => `${f.name}:${f.line}`);
}

describe('hindsight dap: a DAP client moves through a recorded run forwards and backwards', () => {
  let runs: Runs;
  let dc: AdapterClient;
  const line = (text: string) => lineOf(SOURCES.orders, text);

  before(async () => (runs = await recordRuns()));
  after(() => runs.dispose());

  before(async () => {
    dc = new AdapterClient();
    await dc.start();
  });
  after(() => dc.stop());

  it('initialize announces the capabilities the adapter implements', async () => {
    const caps = (await dc.initializeRequest()).body!;
    for (const c of [
      'supportsConfigurationDoneRequest',
      'supportsStepBack',
      'supportsConditionalBreakpoints',
      'supportsHitConditionalBreakpoints',
      'supportsFunctionBreakpoints',
      'supportsEvaluateForHovers',
      'supportsGotoTargetsRequest',
      'supportsLoadedSourcesRequest',
    ] as const) {
      assert.equal(caps[c], true, c);
    }
    assert.notEqual(caps.supportsSetVariable, true, 'a recorded run is read-only');
  });

  it('launch on an exported history stops on entry at the first event: the workflow function, one thread for the run', async () => {
    const stopped = await dc.open({ history: runs.files.orders, workflows: MODULES.orders });
    assert.equal(stopped.body.reason, 'entry');
    assert.match(stopped.body.description!, /orders orders-1: completed, \d+ trace events/);
    assert.deepEqual((await dc.threadsRequest()).body.threads, [{ id: 1, name: 'orders orders-1' }]);
    const [top] = await dc.frames();
    assert.deepEqual(top, { id: top!.id, name: 'orders', line: line("export const orders = workflow('orders'"), column: 42, source: { name: 'orders.ts', path: SOURCES.orders } });
  });

  it('stepIn goes to the first statement, then into the helper it calls; the stack shows both frames at their lines', async () => {
    assert.equal((await dc.moveBy('stepIn')).body.reason, 'step');
    assert.deepEqual(await stack(dc), [`orders:${line('const sum = total(items)')}`]);
    await dc.moveBy('stepIn');
    assert.deepEqual(await stack(dc), [`total:${line('function total(')}`, `orders:${line('const sum = total(items)')}`]);
    assert.deepEqual(show(await dc.scope('Arguments')), ['items=[ 300, 200, 100 ]']);
    const [top] = await dc.frames();
    assert.equal(top!.column, 1, 'the column of the function site, 1-based');
  });

  it('next goes through the loop: each iteration shows its own values, up to the return', async () => {
    const seen: string[] = [];
    for (;;) {
      await dc.moveBy('next');
      const [top] = await dc.frames();
      if (top!.line === line('sum += cents;')) seen.push(show(await dc.scope('Locals')).join(' '));
      if (top!.line === line('return sum;')) break;
    }
    assert.deepEqual(seen, ['sum=0 cents=300', 'sum=300 cents=200', 'sum=500 cents=100']);
    assert.deepEqual(show(await dc.scope('Locals')), ['sum=600']);
  });

  it('stepOut returns to the caller just after the call, in the statement that made it: its result is not assigned yet', async () => {
    const s = await dc.moveBy('stepOut');
    assert.equal(s.body.description, 'returned from total: 600', 'and what it returned');
    assert.deepEqual(await stack(dc), [`orders:${line('const sum = total(items)')}`]);
    assert.deepEqual(show(await dc.scope('Locals')), ['Return value=600'], 'what total returned; sum is not assigned yet');
  });

  it('reverseStepIn steps back into the helper, to its last statement; reverseStepOut goes back to the call site', async () => {
    const s = await dc.moveBy('reverseStepIn');
    assert.equal(s.body.reason, 'step');
    assert.deepEqual(await stack(dc), [`total:${line('return sum;')}`, `orders:${line('const sum = total(items)')}`]);
    assert.deepEqual(show(await dc.scope('Locals')), ['sum=600']);
    const callerArgs = show(await dc.scope('Arguments', 1));
    assert.ok(callerArgs.includes('items=[ 300, 200, 100 ]'), `the caller frame answers its own scopes: ${callerArgs.join(', ')}`);
    assert.deepEqual(show(await dc.scope('Locals')), ['sum=600'], 'and the top frame still answers after the caller was asked');
    await dc.moveBy('reverseStepOut');
    assert.deepEqual(await stack(dc), [`orders:${line('const sum = total(items)')}`]);
    assert.deepEqual(show(await dc.scope('Locals')), [], 'at the call, sum is not set yet');
  });

  it('stepBack goes back over a call: from after it to the statement that made it', async () => {
    await dc.moveBy('next');
    assert.deepEqual(await stack(dc), [`orders:${line('const holds: string[] = []')}`], 'next steps over the call');
    await dc.moveBy('stepBack');
    assert.deepEqual(await stack(dc), [`orders:${line('const sum = total(items)')}`]);
  });

  it('at the start of time, stepBack stops there and says so', async () => {
    await dc.moveBy('stepBack');
    assert.deepEqual(await stack(dc), [`orders:${line("export const orders = workflow('orders'")}`]);
    const s = await dc.moveBy('stepBack');
    assert.equal(s.body.reason, 'step');
    assert.match(s.body.description!, /^start of trace/);
    assert.deepEqual(await stack(dc), [`orders:${line("export const orders = workflow('orders'")}`]);
  });

  it('a stop where the code awaits a step says what the history recorded for it (steps are not replayed)', async () => {
    let s = await dc.moveBy('next');
    while ((await dc.frames())[0]!.line !== line('holds.push(await ctx.step(reserve')) s = await dc.moveBy('next');
    assert.match(s.body.description!, /awaits step 'reserve'.*recorded input \["sku-0"\] -> result "held:sku-0"/);
    assert.deepEqual(show(await dc.scope('Locals')), ['sum=600', 'holds=[]', 'i=0']);
  });

  it('continue with no breakpoint goes to the end of time and says so; a caller frame shows its own variables', async () => {
    const s = await dc.moveBy('continue');
    assert.equal(s.body.reason, 'step');
    assert.match(s.body.description!, /^end of trace: no breakpoint hit/);
    assert.deepEqual(show(await dc.scope('Locals')), ["sum=600", "holds=[ 'held:sku-0', 'held:sku-1', 'held:sku-2', 'released' ]", "paid=[ 'first:300', 'second:300' ]"]);
  });
});

describe('hindsight dap: Step Into Target offers the calls the rest of the statement makes', () => {
  let runs: Runs;
  let dc: AdapterClient;
  const line = (text: string) => lineOf(SOURCES.orders, text);

  before(async () => {
    runs = await recordRuns();
    dc = new AdapterClient();
    await dc.start();
  });
  after(async () => {
    await dc.stop();
    runs.dispose();
  });

  it('stepInTargets lists the helper the statement calls, at its line; stepIn with it as the target enters it', async () => {
    assert.equal((await dc.initializeRequest()).body!.supportsStepInTargetsRequest, true);
    await dc.open({ history: runs.files.orders, workflows: MODULES.orders });
    await dc.moveBy('stepIn');
    const [top] = await dc.frames();
    const { targets } = (await dc.customRequest('stepInTargets', { frameId: top!.id })).body as DebugProtocol.StepInTargetsResponse['body'];
    assert.deepEqual(
      targets.map((t) => [t.label, t.line]),
      [['total', line('function total(')]],
    );
    const stopped = await dc.moveBy('stepIn', { threadId: 1, targetId: targets[0]!.id });
    assert.equal(stopped.body.reason, 'step');
    assert.deepEqual(await stack(dc), [`total:${line('function total(')}`, `orders:${line('const sum = total(items)')}`]);
  });
});
