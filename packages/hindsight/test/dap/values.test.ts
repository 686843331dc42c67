import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { AdapterClient, show } from './client.js';
import { lineOf, MODULES, recordRuns, SOURCES, type Runs } from './runs.js';

const byName = (vars: readonly DebugProtocol.Variable[], name: string): DebugProtocol.Variable => {
  const v = vars.find((x) => x.name === name);
  assert.ok(v, `no ${name} in ${vars.map((x) => x.name).join(', ')}`);
  return v;
};

describe('hindsight dap: scopes, variables and evaluate at the current point in time', () => {
  let runs: Runs;
  let dc: AdapterClient;
  const line = (text: string) => lineOf(SOURCES.values, text);
  const source = { path: SOURCES.values };

  before(async () => {
    runs = await recordRuns();
    dc = new AdapterClient();
    await dc.start();
    await dc.open({ history: runs.files.basket, workflows: MODULES.values });
    await dc.setBreakpointsRequest({ source, breakpoints: [{ line: line('this.tags.add'), hitCondition: '2' }] });
    await dc.moveBy('continue');
  });
  after(async () => {
    await dc.stop();
    runs.dispose();
  });

  it('scopes are Arguments, Locals (with this first), Closure and Module; Module is marked expensive', async () => {
    const [top, caller] = await dc.frames();
    assert.equal(`${top!.name}:${top!.line}`, `Basket.add:${line('this.tags.add')}`);
    assert.equal(caller!.name, 'basket');
    const scopes = (await dc.scopesRequest({ frameId: top!.id })).body.scopes;
    assert.deepEqual(scopes.map((s) => s.name).slice(0, 2), ['Arguments', 'Locals']);
    for (const s of scopes) assert.equal(s.expensive, s.name === 'Module', `${s.name} expensive`);
    assert.deepEqual(show(await dc.scope('Arguments')), ["sku='kiwi'", 'cents=400']);
    assert.deepEqual(show(await dc.scope('Locals')).slice(1), ['before=0']);
  });

  it('this expands lazily to the instance fields; a Map to its entries as they were at this point; an entry to key and value', async () => {
    const self = byName(await dc.scope('Locals'), 'this');
    assert.equal(self.type, 'Basket');
    const fields = await dc.children(self);
    assert.deepEqual(fields.map((f) => f.name), ['owner', 'lines', 'tags']);
    const lines = await dc.children(byName(fields, 'lines'));
    assert.deepEqual(lines.map((e) => e.value), ["'apple' => 500", "'kiwi' => 400"]);
    assert.deepEqual(show(await dc.children(lines[1]!)), ["key='kiwi'", 'value=400']);
    const tags = await dc.children(byName(fields, 'tags'));
    assert.deepEqual(tags.map((t) => t.value), ["'a'"], 'the tag of kiwi is what this statement adds: not yet');
  });

  it('a value shown before another frame was asked still expands: references survive the values source moving', async () => {
    const self = byName(await dc.scope('Locals'), 'this');
    const callerLocals = await dc.scope('Locals', 1);
    assert.equal(byName(callerLocals, 'running').value, '500', "the caller's running, before add returns the new total");
    const fields = await dc.children(self);
    assert.deepEqual((await dc.children(byName(fields, 'lines'))).map((e) => e.value), ["'apple' => 500", "'kiwi' => 400"]);
  });

  it('the closure scope shows what a closure closes over', async () => {
    await dc.setBreakpointsRequest({ source, breakpoints: [{ line: line('seen.push(sku);'), hitCondition: '2' }] });
    await dc.moveBy('hindsight/gotoEvent', { index: 0 });
    await dc.moveBy('continue');
    assert.deepEqual(show(await dc.scope('Closure')), ["seen=[ 'apple' ]"]);
  });

  it('evaluate answers in hover, watch and repl contexts at the current point; an object result expands', async () => {
    assert.equal(await dc.evaluate('sku', 'hover'), "'kiwi'");
    assert.equal(await dc.evaluate('seen.length', 'watch'), '1');
    assert.equal(await dc.evaluate('seen.length * 10 + 1', 'repl'), '11');
    const frameId = (await dc.frames())[0]!.id;
    const r = await dc.evaluateRequest({ expression: 'seen', context: 'watch', frameId });
    assert.deepEqual(show(await dc.children({ name: 'seen', value: r.body.result, variablesReference: r.body.variablesReference })).slice(0, 1), ["0='apple'"]);
  });

  it('an expression that throws is an error response with what it threw; the next evaluate still answers', async () => {
    assert.match(await dc.refused('evaluate', { expression: 'sku.nothing.deeper', context: 'watch' }), /sku\.nothing\.deeper: TypeError: Cannot read properties of undefined \(reading 'deeper'\) \[HS_E_DEBUG_EVAL\]/);
    assert.equal(await dc.evaluate('sku', 'hover'), "'kiwi'");
  });

  it('the repl also takes debugger commands: info history, -exec where, and goto #id, which stops there', async () => {
    const history = await dc.evaluate('info history', 'repl');
    assert.match(history, /StepCompleted\s+quote/);
    assert.match(await dc.evaluate('-exec where', 'repl'), /values\.ts:30 in note/);
    const [reply, stopped] = await Promise.all([dc.evaluate('goto #3', 'repl'), dc.waitForEvent('stopped')]);
    assert.match(reply, /values\.ts:\d+ in basket/);
    assert.equal(stopped.body.reason, 'goto');
  });

  it('a what-if from the repl debugs the changed run: the editor gets a stop to refresh at, with the changed values', async () => {
    await dc.setBreakpointsRequest({ source, breakpoints: [] });
    const [reply, stopped] = await Promise.all([dc.evaluate('set step quote#1.result = {"sku":"apple","cents":50}', 'repl'), dc.waitForEvent('stopped')]);
    assert.match(reply, /what-if/i);
    assert.equal(stopped.body.reason, 'goto');
    await dc.setBreakpointsRequest({ source, breakpoints: [{ line: line('note(sku);') }] });
    await dc.moveBy('hindsight/gotoEvent', { index: 0 });
    await dc.moveBy('continue');
    assert.equal(byName(await dc.scope('Locals', 0), 'running').value, '50', 'the first quote is the what-if one');
    const [, back] = await Promise.all([dc.evaluate('set whatif off', 'repl'), dc.waitForEvent('stopped')]);
    assert.equal(back.body.reason, 'goto');
  });

  it('the hindsight/whatIf request does the same for the editor\'s commands, and answers both outcomes and where the runs part', async () => {
    const [reply, stopped] = await Promise.all([dc.customRequest('hindsight/whatIf', { step: 'quote', occurrence: 1, value: { sku: 'apple', cents: 50 } }), dc.waitForEvent('stopped')]);
    assert.equal(stopped.body.reason, 'goto');
    const w = reply.body.whatif;
    assert.deepEqual(w.overrides.map((o: { target: string; value: unknown }) => [o.target, o.value]), [['step quote#1.result', { sku: 'apple', cents: 50 }]]);
    assert.deepEqual([w.recorded.status, w.whatIf.status], ['completed', 'completed']);
    assert.notDeepEqual(w.recorded.value, w.whatIf.value, 'a cheaper apple ends the basket otherwise');
    assert.ok(w.firstDifference === null || w.firstDifference.whatIf, 'where the runs part, when their control flow does');
    const [off] = await Promise.all([dc.customRequest('hindsight/whatIf', { off: true }), dc.waitForEvent('stopped')]);
    assert.equal(off.body.whatif, null);
    await assert.rejects(dc.customRequest('hindsight/whatIf', { step: 'nosuch', value: 1 }), /no step 'nosuch' finished in this run; steps with recorded values: quote.*HS_E_DEBUG_WHATIF_UNKNOWN|HS_E_DEBUG_WHATIF_UNKNOWN/);
    await assert.rejects(dc.customRequest('hindsight/whatIf', { step: 'quote' }), /hindsight\/whatIf takes \{ step/);
    await assert.rejects(dc.customRequest('hindsight/whatIf', { step: 'quote', value: 1, occurrence: 0 }), /occurrence counts from 1/);
    assert.match(await dc.evaluate('1 + 1', 'repl'), /^2$/, 'the adapter goes on after each refusal');
  });
});
