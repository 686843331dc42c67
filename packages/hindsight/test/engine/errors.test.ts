import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { FailureInfo } from '../../src/history/index.js';
import { step, workflow } from '../../src/workflow/index.js';
import { Harness, rejection, sourceOf } from './harness.js';

const source = sourceOf(import.meta.url);

class PaymentRefusedError extends Error {
  override name = 'PaymentRefusedError';
  readonly code = 'E_REFUSED';
}

const check = step('check', (_s, orderId: number) => ({ orderId, payable: false }));

const payable = workflow('payable', async (ctx, orderId: number) => {
  const verdict = await ctx.step(check, orderId);
  if (!verdict.payable) throw new Error(`order ${orderId} is not payable`); // @line:throw
  return 'paid';
});

const refused = workflow('refused', async (_ctx, orderId: number) => {
  throw new PaymentRefusedError(`bank refused order ${orderId}`, { cause: new Error('limit exceeded') });
});

async function failureOf(h: Harness, workflowId: string): Promise<FailureInfo> {
  const events = await h.history(workflowId);
  const last = events[events.length - 1]!;
  assert.equal(last.type, 'WorkflowFailed');
  return (last as { error: FailureInfo }).error;
}

describe('workflow errors', () => {
  it('records WorkflowFailed with the error name and message; result() rejects with the failure; the run is FAILED', async (t) => {
    const h = await Harness.for(t);
    h.worker([payable]);
    const handle = await h.client.start(payable, 42, { workflowId: 'payable-1' });
    const err = await rejection(handle.result({ timeout: 5000 }));
    assert.equal(err.code, 'HS_E_WORKFLOW_FAILED');
    assert.equal(err.status, 'FAILED');
    assert.match(err.message, /Error: order 42 is not payable/);
    const failure = await failureOf(h, 'payable-1');
    assert.equal(failure.name, 'Error');
    assert.equal(failure.message, 'order 42 is not payable');
    const run = await h.run('payable-1');
    assert.equal(run.status, 'FAILED');
    assert.deepEqual(run.error, failure);
  });

  it('keeps a custom error class name, its code and its cause', async (t) => {
    const h = await Harness.for(t);
    h.worker([refused]);
    const handle = await h.client.start(refused, 7, { workflowId: 'refused-1' });
    await rejection(handle.result({ timeout: 5000 }));
    const failure = await failureOf(h, 'refused-1');
    assert.equal(failure.name, 'PaymentRefusedError');
    assert.equal(failure.code, 'E_REFUSED');
    assert.equal(failure.message, 'bank refused order 7');
    assert.equal(failure.cause?.message, 'limit exceeded');
  });

  it('records a stack that points at the TypeScript source line of the workflow that threw', async (t) => {
    const h = await Harness.for(t);
    h.worker([payable]);
    const handle = await h.client.start(payable, 43, { workflowId: 'payable-2' });
    await rejection(handle.result({ timeout: 5000 }));
    const failure = await failureOf(h, 'payable-2');
    const where = `${path.basename(source.file)}:${source.lineOf('@line:throw')}:`;
    assert.ok(failure.stack?.includes(where), `expected the stack to point at ${where}\n${failure.stack}`);
    assert.ok(failure.stack?.includes(source.file), `expected the .ts path ${source.file}\n${failure.stack}`);
  });

  it('fails a run whose result cannot be recorded with HS_E_NOT_SERIALIZABLE', async (t) => {
    const h = await Harness.for(t);
    const mapper = workflow('mapper', async () => new Map([['a', 1]]));
    h.worker([mapper]);
    const handle = await h.client.start(mapper, undefined, { workflowId: 'mapper-1' });
    const err = await rejection(handle.result({ timeout: 5000 }));
    assert.equal(err.status, 'FAILED');
    const failure = await failureOf(h, 'mapper-1');
    assert.equal(failure.code, 'HS_E_NOT_SERIALIZABLE');
    assert.match(failure.message, /workflow result/);
  });
});
