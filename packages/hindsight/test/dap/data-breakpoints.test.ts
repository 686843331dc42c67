import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { AdapterClient, show } from './client.js';
import { lineOf, MODULES, recordRuns, SOURCES, type Runs } from './runs.js';

describe('hindsight dap: data breakpoints stop where a variable changes, forwards and backwards', () => {
  let runs: Runs;
  let dc: AdapterClient;
  const line = (text: string) => lineOf(SOURCES.values, text);

  before(async () => {
    runs = await recordRuns();
    dc = new AdapterClient();
    await dc.start();
    await dc.open({ history: runs.files.basket, workflows: MODULES.values });
  });
  after(async () => {
    await dc.stop();
    runs.dispose();
  });

  /** dataBreakpointInfo for a variable of the top frame's Locals. */
  async function info(name: string): Promise<DebugProtocol.DataBreakpointInfoResponse['body']> {
    const frameId = (await dc.frames())[0]!.id;
    const locals = (await dc.scopesRequest({ frameId })).body.scopes.find((s) => s.name === 'Locals')!;
    return (await dc.customRequest('dataBreakpointInfo', { variablesReference: locals.variablesReference, name })).body as DebugProtocol.DataBreakpointInfoResponse['body'];
  }

  it('a local can be watched for writes; setting it tells how often it changes in its frame', async () => {
    const running = await info('running');
    assert.deepEqual([running.description, running.accessTypes], ['running (changes in its frame, forwards and backwards)', ['write']]);
    const set = await dc.customRequest('setDataBreakpoints', { breakpoints: [{ dataId: running.dataId, accessType: 'write' }] });
    const [bp] = (set.body as DebugProtocol.SetDataBreakpointsResponse['body']).breakpoints;
    assert.deepEqual([bp!.verified, bp!.message], [true, 'running: 4 changes in this frame']);
  });

  it('continue stops at each change with reason data breakpoint, from what to what; the values are those of that moment', async () => {
    const seen: string[] = [];
    for (let k = 0; k < 4; k++) {
      const stop = await dc.moveBy('continue');
      assert.equal(stop.body.reason, 'data breakpoint');
      seen.push(stop.body.description!);
    }
    assert.deepEqual(seen, ['running: <not defined> -> 0', 'running: 0 -> 500', 'running: 500 -> 900', 'running: 900 -> 1400']);
    assert.match(show(await dc.scope('Locals')).join(' '), /running=1400/);
    assert.equal(await dc.where(), `basket:${line('note(sku);')}`, 'stopped on the statement after the write');
  });

  it('reverse-continue goes back to the previous change ("when did running last change, and from what")', async () => {
    const stop = await dc.moveBy('reverseContinue');
    assert.equal(stop.body.reason, 'data breakpoint');
    assert.equal(stop.body.description, 'running: 500 -> 900');
    assert.match(show(await dc.scope('Locals')).join(' '), /running=900/);
  });

  it('a property of an object is watched by its path; a Map entry has no expression and cannot be', async () => {
    const frameId = (await dc.frames())[0]!.id;
    const locals = (await dc.scopesRequest({ frameId })).body.scopes.find((s) => s.name === 'Locals')!;
    const vars = (await dc.variablesRequest({ variablesReference: locals.variablesReference })).body.variables;
    const q = vars.find((v) => v.name === 'q')!;
    const cents = (await dc.customRequest('dataBreakpointInfo', { variablesReference: q.variablesReference, name: 'cents' })).body;
    assert.equal(cents.description, 'q.cents (changes in its frame, forwards and backwards)');
    const b = vars.find((v) => v.name === 'b')!;
    const lines = (await dc.children(b)).find((v) => v.name === 'lines')!;
    const entry = (await dc.children(lines))[0]!;
    const none = (await dc.customRequest('dataBreakpointInfo', { variablesReference: lines.variablesReference, name: entry.name })).body;
    assert.equal(none.dataId, null);
    assert.match(none.description, /cannot be watched: it is not reachable by an expression/);
  });

  it('clearing the data breakpoints lets continue run to the end; a foreign dataId is an error response', async () => {
    await dc.customRequest('setDataBreakpoints', { breakpoints: [] });
    const end = await dc.moveBy('continue');
    assert.equal(end.body.reason, 'step');
    assert.match(end.body.description!, /end of/);
    assert.match(await dc.refused('setDataBreakpoints', { breakpoints: [{ dataId: 'x.y' }] }), /data breakpoint id "x\.y" was not made by this adapter; ask dataBreakpointInfo .*\[HS_E_DAP_BAD_ARGS\]$/);
  });
});
