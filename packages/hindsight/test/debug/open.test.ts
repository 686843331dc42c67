import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startSession, type DebugSession, type SessionStart } from '../../src/debugger/index.js';
import { Harness, waitFor } from '../engine/harness.js';
import { waits } from './fixtures/waits.js';

const WAITS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'waits.js');

describe('debugging a run that is still in progress', () => {
  let session: DebugSession;
  let start: SessionStart;

  before(async () => {
    const h = await Harness.open();
    try {
      h.worker([waits]);
      await h.client.start(waits, 'order-9', { workflowId: 'open-1' });
      await waitFor('the run to wait for its signal', async () => (await h.types('open-1')).filter((t: string) => t === 'TimerStarted').length === 2);
      const exported = await h.client.exportHistory('open-1');
      ({ session, start } = await startSession(exported.events, { workflowId: 'open-1', runId: exported.run.runId, workflowType: 'waits' }, WAITS));
    } finally {
      await h.close();
    }
  });
  after(() => session.close());

  it('opens, says plainly that the run is still open and that the trace ends where its history ends', () => {
    assert.equal(start.status, 'open');
    assert.ok(start.notes.some((n) => /still open; the trace ends where its history ends/.test(n)), start.notes.join(' | '));
    assert.ok(start.traceEvents > 0);
  });

  it('navigates to the end (the await of the signal), and shows values there', async () => {
    const end = (await session.execute('continue')).stop!;
    assert.equal(end.reason, 'end');
    assert.equal(end.kind, 'suspend', 'the code is suspended waiting for the signal');
    assert.match(end.source ?? '', /waitForSignal/);
    const order = (await session.execute('print order')).result;
    assert.equal(order?.kind === 'value' ? order.text : order, "'order-9'");
    assert.equal((await session.execute('print by')).error?.code, 'HS_E_DEBUG_EVAL', 'by is not assigned yet: the signal has not come');
    const statement = (await session.execute('rn')).stop!;
    assert.deepEqual([statement.kind, statement.line], ['statement', end.line], 'back to the start of the statement that awaits');
    assert.equal((await session.execute('rn')).stop?.line, end.line! - 1);
  });
});
