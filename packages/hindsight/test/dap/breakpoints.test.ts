import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdapterClient, show } from './client.js';
import { lineOf, MODULES, recordRuns, SOURCES, type Runs } from './runs.js';

describe('hindsight dap: breakpoints, reverse continue and goto over a recorded run', () => {
  let runs: Runs;
  let dc: AdapterClient;
  const line = (text: string) => lineOf(SOURCES.orders, text);
  const source = { path: SOURCES.orders };
  const locals = async () => show(await dc.scope('Locals')).join(' ');

  before(async () => {
    runs = await recordRuns();
    dc = new AdapterClient();
    await dc.start();
    await dc.open({ history: runs.files.orders, workflows: MODULES.orders });
  });
  after(async () => {
    await dc.stop();
    runs.dispose();
  });

  it('setBreakpoints verifies lines with code (with how often they run) and refuses a line without, saying which lines have code', async () => {
    const r = await dc.setBreakpointsRequest({ source, breakpoints: [{ line: line('sum += cents;') }, { line: line('/** A plain helper') }] });
    const [good, bad] = r.body.breakpoints;
    assert.equal(good!.verified, true);
    assert.equal(good!.line, line('sum += cents;'));
    assert.match(good!.message!, /^3 hits in this run/);
    assert.equal(bad!.verified, false);
    assert.match(bad!.message!, /no code on line 9 of orders\.ts; lines with code nearby: .* \[HS_E_DEBUG_NO_CODE\]/);
  });

  it('continue stops at each hit with reason breakpoint and its id; the values are those of that iteration', async () => {
    const first = await dc.moveBy('continue');
    assert.equal(first.body.reason, 'breakpoint');
    assert.equal(first.body.hitBreakpointIds!.length, 1);
    assert.equal(await locals(), 'sum=0 cents=300');
    await dc.moveBy('continue');
    assert.equal(await locals(), 'sum=300 cents=200');
  });

  it('reverseContinue goes back to the previous hit; at the start of time it stops there and says so', async () => {
    const back = await dc.moveBy('reverseContinue');
    assert.equal(back.body.reason, 'breakpoint');
    assert.equal(await locals(), 'sum=0 cents=300');
    const start = await dc.moveBy('reverseContinue');
    assert.equal(start.body.reason, 'step');
    assert.match(start.body.description!, /^start of trace: no breakpoint hit before this point/);
  });

  it('setBreakpoints replaces the file\'s breakpoints: a condition stops only where it holds', async () => {
    const r = await dc.setBreakpointsRequest({ source, breakpoints: [{ line: line('sum += cents;'), condition: 'cents === 100' }] });
    assert.equal(r.body.breakpoints[0]!.verified, true);
    assert.match(r.body.breakpoints[0]!.message!, /the condition holds at 1 of its 3 hits/);
    await dc.moveBy('continue');
    assert.equal(await locals(), 'sum=500 cents=100');
    const end = await dc.moveBy('continue');
    assert.match(end.body.description!, /^end of trace: no breakpoint hit after this point/);
    await dc.moveBy('reverseContinue');
    assert.equal(await locals(), 'sum=500 cents=100', 'reverseContinue from the end comes back to the one hit');
  });

  it('a hit condition N stops at the N-th hit only, whichever way the cursor moves', async () => {
    await dc.setBreakpointsRequest({ source, breakpoints: [{ line: line('sum += cents;'), hitCondition: '2' }] });
    await dc.moveBy('hindsight/gotoEvent', { index: 0 });
    await dc.moveBy('continue');
    assert.equal(await locals(), 'sum=300 cents=200');
    const bad = await dc.setBreakpointsRequest({ source, breakpoints: [{ line: line('sum += cents;'), hitCondition: '>= two' }] });
    assert.equal(bad.body.breakpoints[0]!.verified, false);
    assert.match(bad.body.breakpoints[0]!.message!, /a hit count is a number N >= 1/);
  });

  it('a condition that is not an expression is refused with the session\'s message', async () => {
    const r = await dc.setBreakpointsRequest({ source, breakpoints: [{ line: line('sum += cents;'), condition: 'cents ===' }] });
    assert.equal(r.body.breakpoints[0]!.verified, false);
    assert.match(r.body.breakpoints[0]!.message!, /HS_E_DEBUG_/);
  });

  it('function breakpoints stop at each entry of the function with reason function breakpoint', async () => {
    await dc.setBreakpointsRequest({ source, breakpoints: [] });
    const r = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'pay' }, { name: 'nosuch' }] });
    assert.deepEqual(r.body.breakpoints.map((b) => b.verified), [true, false]);
    assert.match(r.body.breakpoints[1]!.message!, /no function named 'nosuch'/);
    await dc.moveBy('hindsight/gotoEvent', { index: 0 });
    const hit = await dc.moveBy('continue');
    assert.equal(hit.body.reason, 'function breakpoint');
    const [top] = await dc.frames();
    assert.equal(`${top!.name}:${top!.line}`, `pay:${line('async function pay(')}`);
    assert.deepEqual(show(await dc.scope('Arguments')).slice(1), ["part='first'", 'cents=300']);
    await dc.moveBy('continue');
    assert.deepEqual(show(await dc.scope('Arguments')).slice(1), ["part='second'", 'cents=300']);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  });

  it("gotoTargets names a line's executions; goto jumps to the next one, or with direction 'reverse' to the previous one", async () => {
    await dc.moveBy('hindsight/gotoEvent', { index: 0 });
    const r = await dc.gotoTargetsRequest({ source, line: line('sum += cents;') });
    assert.equal(r.body.targets.length, 1);
    const target = r.body.targets[0]!;
    assert.match(target.label, /^line 13: runs 3 times \(next at event \d+, none before\)$/);
    const s = await dc.moveBy('goto', { threadId: 1, targetId: target.id });
    assert.equal(s.body.reason, 'goto');
    assert.equal(await locals(), 'sum=0 cents=300');
    await dc.moveBy('goto', { threadId: 1, targetId: target.id });
    await dc.moveBy('goto', { threadId: 1, targetId: target.id });
    assert.equal(await locals(), 'sum=500 cents=100');
    await dc.moveBy('goto', { threadId: 1, targetId: target.id, direction: 'reverse' });
    assert.equal(await locals(), 'sum=300 cents=200');
    await dc.moveBy('goto', { threadId: 1, targetId: target.id });
    assert.match(await dc.refused('goto', { threadId: 1, targetId: target.id }), /line 13 of orders\.ts does not run after event \d+; goto with direction: 'reverse' to go back \[HS_E_DAP_NO_EXECUTION\]/);
    assert.deepEqual((await dc.gotoTargetsRequest({ source, line: line('/** A plain helper') })).body.targets, [], 'a line without code has no targets');
  });

  it('a logpoint writes its message at every hit over the whole run to the Debug Console, its {expressions} evaluated there, and never stops', async () => {
    const outputs: string[] = [];
    const collect = (e: { body: { output: string } }) => outputs.push(e.body.output);
    dc.on('output', collect);
    try {
      const r = await dc.setBreakpointsRequest({ source, breakpoints: [{ line: line('sum += cents;'), logMessage: 'adding {cents} to {sum}' }] });
      assert.deepEqual([r.body.breakpoints[0]!.verified, r.body.breakpoints[0]!.message], [true, '3 hits in this run, logged to the Debug Console']);
      await new Promise((resolve) => setTimeout(resolve, 100)); // the output events came before the response; let them be handled
      const logged = outputs.filter((o) => o.startsWith('orders.ts:'));
      assert.deepEqual(logged.map((o) => o.replace(/\(event \d+\)/, '(event N)')), ['adding 300 to 0', 'adding 200 to 300', 'adding 100 to 500'].map((m) => `orders.ts:${line('sum += cents;')} (event N): ${m}\n`));
      await dc.setBreakpointsRequest({ source, breakpoints: [{ line: line('sum += cents;'), logMessage: 'adding {cents} to {sum}' }, { line: line('sum += cents;') + 1 }] });
      await dc.setBreakpointsRequest({ source, breakpoints: [{ line: line('sum += cents;'), logMessage: 'adding {cents} to {sum}' }] });
      assert.equal(outputs.filter((o) => o.startsWith('orders.ts:')).length, 3, 'set again unchanged, beside another breakpoint and then alone, it is not written again');
      await dc.moveBy('hindsight/gotoEvent', { index: 0 });
      const end = await dc.moveBy('continue');
      assert.notEqual(end.body.reason, 'breakpoint', 'nothing stops at a logpoint');
    } finally {
      dc.off('output', collect);
      await dc.setBreakpointsRequest({ source, breakpoints: [] });
    }
  });
});
