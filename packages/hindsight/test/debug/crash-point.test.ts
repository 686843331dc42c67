/**
 * Where the cursor starts in a recording of a process that died of an exception: the statement
 * that threw it, in the innermost frame the exception left.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crashPoint } from '../../src/debugger/thrown-error.js';
import { EventKind, ExecutionBuilder } from '../../src/trace/index.js';
import { S, sites } from '../trace/fixtures.js';

const trace = (events: [EventKind, number, number][]) => {
  const b = new ExecutionBuilder(sites);
  events.forEach(([k, site, a], t) => b.append(k, site, a, t));
  return b.build();
};

describe('the crash point of a trace that ends with an exception', () => {
  it('is the statement that threw, across the calls it made and the awaits of the way out (a for await loop awaits its iterator closing)', () => {
    const ex = trace([
      [EventKind.Enter, S.HANDLER, 1],
      [EventKind.Statement, S.HANDLER_22, 1], // throw new Error(await describe()) ... as a for await body
      [EventKind.Enter, S.FACT, 1],
      [EventKind.Exit, S.FACT, 1],
      [EventKind.Suspend, S.HANDLER_AWAIT, 1], // the loop awaits its iterator's return()
      [EventKind.Enter, S.LOAD, 2],
      [EventKind.Exit, S.LOAD, 2],
      [EventKind.Resume, S.HANDLER_AWAIT, 1],
      [EventKind.Throw, S.HANDLER, 1],
    ]);
    assert.deepEqual(crashPoint(ex), { index: 1, frames: new Set([ex.frame(8)]) });
  });

  it('is the innermost Throw when the trace does not hold the statement, and there is none when the trace does not end with a Throw', () => {
    const ex = trace([
      [EventKind.Resume, S.HANDLER_AWAIT, 1],
      [EventKind.Throw, S.HANDLER, 1],
    ]);
    assert.equal(crashPoint(ex)?.index, 1);
    assert.equal(crashPoint(trace([[EventKind.Enter, S.HANDLER, 1]])), undefined);
  });
});
