import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Ajv from 'ajv';
import { LAUNCH_KEYS } from '../src/launch.js';
import { Adapter } from './dap.js';
import { CLI, expandSnippet, hindsightRuns, manifest, type Runs } from './helpers.js';

const debuggerOf = () => {
  const d = manifest().contributes.debuggers.find((x) => x.type === 'hindsight');
  assert.ok(d, 'the manifest contributes a debugger of type hindsight');
  return d;
};

/** The launch schema as VS Code applies it to launch.json: its own keys added, nothing else allowed. */
function launchSchema(): Record<string, unknown> {
  const launch = debuggerOf().configurationAttributes.launch;
  return {
    ...launch,
    type: 'object',
    required: ['type', 'request', 'name', ...((launch.required as string[] | undefined) ?? [])],
    additionalProperties: false,
    properties: { ...launch.properties, type: { const: 'hindsight' }, request: { enum: ['launch'] }, name: { type: 'string' } },
  };
}

describe('launch configurations: the manifest\'s schema, snippets and the adapter agree', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(launchSchema());
  const check = (config: unknown) => (validate(config) ? 'valid' : JSON.stringify(validate.errors?.map((e) => `${e.instancePath} ${e.message}`)));

  it('every property is described and typed', () => {
    for (const [key, prop] of Object.entries(debuggerOf().configurationAttributes.launch.properties)) {
      assert.equal(prop.type, 'string', key);
      assert.ok(prop.description.length > 20, `${key} says what it is`);
    }
  });

  it('every initial configuration and every snippet, placeholders accepted, is a valid launch configuration', () => {
    const d = debuggerOf();
    assert.equal(d.initialConfigurations.length, 2);
    for (const c of d.initialConfigurations) assert.equal(check(c), 'valid', JSON.stringify(c));
    assert.deepEqual(d.configurationSnippets.map((s) => s.label), ['Hindsight: workflow run in the store', 'Hindsight: workflow run from a history file', 'Hindsight: flight recording']);
    const expanded = d.configurationSnippets.map((s) => expandSnippet(s.body));
    for (const c of expanded) assert.equal(check(c), 'valid', JSON.stringify(c));
    assert.deepEqual(expanded[0], { type: 'hindsight', request: 'launch', name: 'Hindsight: debug a workflow run', workflows: '${workspaceFolder}/dist/workflows.js', run: '${command:hindsight.pickRunId}', store: '${workspaceFolder}/.hindsight/hindsight.db' });
    assert.deepEqual(expanded[2], { type: 'hindsight', request: 'launch', name: 'Hindsight: debug a recording', recording: '${command:hindsight.pickRecordingId}', store: '${workspaceFolder}/.hindsight/hindsight.db' });
  });

  it('the schema refuses what the adapter refuses', () => {
    const base = { type: 'hindsight', request: 'launch', name: 'x' };
    assert.equal(check({ ...base, workflows: 'w.js', run: 'r' }), 'valid');
    assert.equal(check({ ...base, recording: 'rec-1' }), 'valid');
    assert.notEqual(check({ ...base, run: 'r' }), 'valid', 'a run needs its workflows module');
    assert.notEqual(check({ ...base, workflows: 'w.js', run: 'r', history: 'h.json' }), 'valid', 'run or history, not both');
    assert.notEqual(check({ ...base, workflows: 'w.js' }), 'valid', 'nothing to debug');
    assert.notEqual(check({ ...base, recording: 'rec-1', program: 'app.js' }), 'valid', 'unknown keys are typos');
    assert.notEqual(check({ ...base, recording: 7 }), 'valid');
  });

  describe('every schema property is a key the real adapter reads', () => {
    let runs: Runs;
    let modules: { orders: string };
    let dc: Adapter;
    before(async () => {
      const m = await hindsightRuns();
      runs = await m.recordRuns();
      modules = m.MODULES;
      dc = new Adapter({ node: process.execPath, script: CLI });
      await dc.start();
      await dc.initializeRequest();
    });
    after(async () => {
      await dc?.stop();
      runs?.dispose();
    });

    it('the schema\'s keys are the extension\'s keys', () => {
      assert.deepEqual(Object.keys(debuggerOf().configurationAttributes.launch.properties).sort(), [...LAUNCH_KEYS].sort());
    });

    for (const key of LAUNCH_KEYS) {
      it(`'${key}': the adapter checks it (a number there is refused by name)`, async () => {
        // a recording takes no workflows or run: probe it on its own, as its launch would look
        const args = key === 'recording' ? { recording: 42, store: runs.store } : { workflows: modules.orders, run: 'refund-1', store: runs.store, [key]: 42 };
        const message = await dc.refused('launch', args);
        assert.match(message, new RegExp(`launch argument '${key}' must be a string, not 42`));
      });
    }
  });
});
