/**
 * Where the cursor starts in a recording of a process that died of an exception: the statement
 * that threw it, in the innermost frame the exception left; and where each exception was thrown
 * (`catch throw`), not where it passed on its way out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crashPoint, throwPoints } from '../../src/debugger/throws.js';
import { EventKind, ExecutionBuilder, SiteTable } from '../../src/trace/index.js';
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

describe('where exceptions were thrown, through finally blocks', () => {
  // lineTotal (line 1): its call of validate (2), a statement of its catch (3), one of its finally (4); validate (6) throws (7)
  const fn = (line: number, name: string) => ({ kind: 'function' as const, file: 'order.ts', line, column: 1, functionName: name });
  const st = (line: number, name: string, inFinally = false) => ({ kind: 'statement' as const, file: 'order.ts', line, column: 3, functionName: name, ...(inFinally ? { finally: true } : {}) });
  const table = new SiteTable([fn(1, 'lineTotal'), st(2, 'lineTotal'), st(3, 'lineTotal'), st(4, 'lineTotal', true), fn(6, 'validate'), st(7, 'validate')]);
  const [LINE_TOTAL, CALL, CATCH, FINALLY, VALIDATE, THROW] = [0, 1, 2, 3, 4, 5];
  const events = (list: [EventKind, number][]) => {
    const b = new ExecutionBuilder(table);
    list.forEach(([k, site], t) => b.append(k, site, 1, t));
    return b.build();
  };
  const { Enter, Statement, Throw } = EventKind;

  it('an exception that runs a finally block on its way out was thrown where it came from, not at the finally’s last statement', () => {
    const ex = events([[Enter, LINE_TOTAL], [Statement, CALL], [Enter, VALIDATE], [Statement, THROW], [Throw, VALIDATE], [Statement, FINALLY], [Throw, LINE_TOTAL]]);
    assert.deepEqual(crashPoint(ex), { index: 3, frames: new Set([ex.frame(6), ex.frame(4)]) });
    assert.deepEqual([...throwPoints(ex)], [3]);
  });

  it('one thrown by a statement of the try runs the finally and was thrown by that statement', () => {
    const ex = events([[Enter, LINE_TOTAL], [Statement, CALL], [Statement, FINALLY], [Throw, LINE_TOTAL]]);
    assert.deepEqual([...throwPoints(ex)], [1]);
  });

  it('one caught and another thrown from the catch are two throws, each where it was thrown', () => {
    const ex = events([[Enter, LINE_TOTAL], [Statement, CALL], [Enter, VALIDATE], [Statement, THROW], [Throw, VALIDATE], [Statement, CATCH], [Statement, FINALLY], [Throw, LINE_TOTAL]]);
    assert.deepEqual([...throwPoints(ex)], [3, 5]);
    assert.equal(crashPoint(ex)?.index, 5);
  });
});
