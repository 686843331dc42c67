import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSession, type RunInfo } from '../../src/debugger/index.js';
import { compareFingerprints } from '../../src/debugger/fingerprint.js';
import { fingerprint } from '../../src/engine/load.js';
import type { RecordedEvent } from '../../src/history/index.js';
import { Sandbox } from '../cli/helpers.js';
import { Harness } from '../engine/harness.js';
import { orders } from './fixtures/orders.js';
import { PKG } from './transcript.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKFLOWS = path.join(here, 'fixtures', 'orders.js');
/** orders.js with a new step ('audit') after the reservations: the recorded runs diverge from it. */
const CHANGED = path.join(here, 'fixtures', 'orders-changed.js');
const CHANGED_TS = path.join(PKG, 'test', 'debug', 'fixtures', 'orders-changed.ts');

describe('hindsight debug against code that is not the code that recorded the run', () => {
  const sb = new Sandbox();
  let history: RecordedEvent[];
  let run: RunInfo;
  const file = path.join(sb.dir, 'orders.json');

  before(async () => {
    const h = await Harness.open();
    try {
      // The worker records the fingerprint of the module file, as `hindsight worker --workflows` does.
      h.worker([orders], { code: await fingerprint(WORKFLOWS) });
      const handle = await h.client.start(orders, [300, 200, 100], { workflowId: 'orders-changed-1' });
      await handle.result();
      const exported = await h.client.exportHistory('orders-changed-1');
      writeFileSync(file, JSON.stringify(exported, null, 2));
      history = exported.events;
      run = { workflowId: exported.run.workflowId, runId: exported.run.runId, workflowType: exported.run.workflowType };
    } finally {
      await h.close();
    }
  });

  after(() => sb.dispose());

  it('the code that recorded the run: no note on the code, no divergence, `info divergence` says so', async () => {
    const { session, start } = await startSession(history, run, WORKFLOWS);
    assert.deepEqual(start.notes, []);
    assert.equal(start.divergence, undefined);
    assert.deepEqual((await session.execute('info divergence')).result, { kind: 'divergence', divergence: null });
  });

  it('other code: the start notes name the files that differ from the recorded fingerprint, and the session still opens', async () => {
    const { session, start } = await startSession(history, run, CHANGED);
    const recorded = history.find((e) => e.type === 'WorkerAttached')!;
    assert.equal(recorded.type === 'WorkerAttached' && 'orders.js' in recorded.code.modules, true, 'the history names the module file');
    assert.match(start.notes[0]!, /the code at hand is not the code that recorded this run: fingerprint \w+ recorded, \w+ here; missing orders\.js; new orders-changed\.js\./);
    assert.equal((await session.execute('where')).result?.kind, 'where');
  });

  it('a fingerprint comparison sorts modules into changed, missing and new', () => {
    const recorded = { hash: 'a', modules: { 'workflows.js': '1', 'lib/prices.js': '2', 'old.js': '3' } };
    const atHand = { hash: 'b', modules: { 'workflows.js': '1', 'lib/prices.js': '9', 'lib/tax.js': '4' } };
    assert.deepEqual(compareFingerprints(recorded, atHand), { changed: ['lib/prices.js'], missing: ['old.js'], added: ['lib/tax.js'] });
    assert.deepEqual(compareFingerprints(recorded, atHand, true).added, [], 'a definitions fingerprint names only what its worker had');
  });

  it('replaying against the changed code stops at its first new command; the cursor starts on the line that issued it', async () => {
    const { session, start } = await startSession(history, run, CHANGED);
    const d = start.divergence!;
    const charge = history.find((e) => e.type === 'StepCompleted' && e.name === 'charge')!;
    assert.deepEqual(d.recorded, {
      eventId: charge.id,
      type: 'StepCompleted',
      step: 'charge',
      args: ['first', 300],
      description: "StepCompleted of step 'charge' (seq 4)",
    });
    assert.deepEqual([d.code.command, d.code.step, d.code.file, d.code.line, d.code.function], ['step', 'audit', CHANGED_TS, 30, 'orders']);
    assert.deepEqual([start.stop?.index, start.stop?.line, start.stop?.source], [d.code.index, 30, 'await ctx.step(audit, holds);']);
    assert.equal(session.cursor.index, d.code.index);
    assert.match(start.notes.at(-1)!, /the code diverges from the history: .*history event #\d+ is StepCompleted of step 'charge'.*the cursor is where the code issued it; `info divergence` shows both sides/);
  });

  it('`info divergence` shows both sides, and the session steps back from there', async () => {
    const { session, start } = await startSession(history, run, CHANGED);
    assert.deepEqual((await session.execute('info divergence')).result, { kind: 'divergence', divergence: start.divergence });
    const back = (await session.execute('reverse-next')).stop!;
    assert.ok(back.index < start.divergence!.code.index);
  });

  it('the human transcript prints the note and both sides, each with where it is', async () => {
    const script = path.join(sb.dir, 'divergence.txt');
    writeFileSync(script, 'info divergence\nquit\n');
    const out = await sb.ok(['debug', file, '--workflows', CHANGED, '--commands', script], { store: null });
    assert.match(out, /missing orders\.js; new orders-changed\.js/);
    assert.match(out, /history: {2}history event #\d+: StepCompleted of step 'charge' \(seq 4\), args \["first",300\]/);
    assert.match(out, /code now: issues step 'audit' at .*orders-changed\.ts:30 in orders \(event \d+\)/);
    assert.match(out, /orders-changed\.ts:30 in orders \(event \d+\/\d+, statement\)\n\s+30 {2}await ctx\.step\(audit, holds\);/);
  });
});
