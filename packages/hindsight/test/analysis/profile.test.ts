/**
 * Where the time went, per function (`profile`), specified on hand-built executions at whole
 * milliseconds: the time from one event to the next is the frame's that ran up to it; waiting is
 * nobody's; a recursive function's total counts once; what a function fires and does not await
 * is not in its total.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { profile, type Profile } from '../../src/analysis/index.js';
import { EventKind, ExecutionBuilder, SiteTable, type Execution } from '../../src/trace/index.js';

const fn = (line: number, name: string) => ({ kind: 'function' as const, file: 'jobs.ts', line, column: 1, functionName: name });
const at = (kind: 'statement' | 'await', line: number, name: string) => ({ kind, file: 'jobs.ts', line, column: 3, functionName: name });
// jobs.ts: main (1) calls parse (10) and walk (20, recursive); fetchAll (30) awaits; audit (40) is fired by fetchAll
const sites = new SiteTable([fn(1, 'main'), at('statement', 2, 'main'), fn(10, 'parse'), at('statement', 11, 'parse'), fn(20, 'walk'), at('statement', 21, 'walk'), fn(30, 'fetchAll'), at('await', 31, 'fetchAll'), fn(40, 'audit'), at('await', 41, 'audit'), at('statement', 32, 'fetchAll')]);
const [MAIN, MAIN_ST, PARSE, PARSE_ST, WALK, WALK_ST, FETCH, FETCH_AWAIT, AUDIT, AUDIT_AWAIT, FETCH_ST] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;

/** Events at the given times (ms): [time, kind, site, activation]. */
function trace(events: [number, EventKind, number, number][], partial = false): Execution {
  const b = new ExecutionBuilder(sites, { partial });
  for (const [t, kind, site, a] of events) b.append(kind, site, a, t);
  return b.build();
}

const row = (p: Profile, name: string) => {
  const f = p.functions.find((x) => x.name === name);
  assert.ok(f, `${name} in ${p.functions.map((x) => x.name).join(', ')}`);
  return [f.calls, f.self, f.total];
};

describe('profile: where traced code spent its time, per function', () => {
  it('self time is the time up to each event of the frame; the time before a call is the caller’s; total adds what it called', () => {
    const { Enter, Exit, Statement } = EventKind;
    const p = profile(
      trace([
        [0, Enter, MAIN, 1],
        [2, Statement, MAIN_ST, 1], // main: 2
        [3, Enter, PARSE, 1], // main: 1
        [7, Statement, PARSE_ST, 1], // parse: 4
        [8, Exit, PARSE, 1], // parse: 1
        [10, Exit, MAIN, 1], // main: 2
      ]),
    );
    assert.deepEqual(row(p, 'main'), [1, 5, 10]);
    assert.deepEqual(row(p, 'parse'), [1, 5, 5]);
    assert.deepEqual([p.span, p.running], [10, 10]);
    assert.deepEqual(p.functions.map((f) => f.name), ['main', 'parse'], 'greatest self time first, then total');
  });

  it('a recursive function’s total counts its outermost call only; its self time counts every call', () => {
    const { Enter, Exit, Statement } = EventKind;
    const p = profile(
      trace([
        [0, Enter, WALK, 1],
        [1, Statement, WALK_ST, 1], // outer: 1
        [2, Enter, WALK, 1], // outer: 1
        [5, Statement, WALK_ST, 1], // inner: 3
        [6, Exit, WALK, 1], // inner: 1
        [8, Exit, WALK, 1], // outer: 2
      ]),
    );
    assert.deepEqual(row(p, 'walk'), [2, 8, 8]);
  });

  it('waiting is nobody’s: an await’s time until it resumes is not in the function’s self or total time', () => {
    const { Enter, Exit, Suspend, Resume, Statement } = EventKind;
    const p = profile(
      trace([
        [0, Enter, FETCH, 1],
        [1, Suspend, FETCH_AWAIT, 1], // fetchAll: 1
        [50, Resume, FETCH_AWAIT, 1], // waited 49
        [52, Statement, FETCH_ST, 1], // fetchAll: 2
        [53, Exit, FETCH, 1], // fetchAll: 1
      ]),
    );
    assert.deepEqual(row(p, 'fetchAll'), [1, 4, 4]);
    assert.deepEqual([p.span, p.running], [53, 4]);
  });

  it('what a function fires and does not await is a request of its own, outside its total; what it awaits is inside', () => {
    const { Enter, Exit, Suspend, Resume } = EventKind;
    const p = profile(
      trace([
        [0, Enter, MAIN, 1],
        [1, Enter, FETCH, 2], // main: 1 (an awaited async call)
        [3, Enter, AUDIT, 3], // fetchAll: 2 (fired, not awaited)
        [4, Suspend, AUDIT_AWAIT, 3], // audit: 1
        [5, Exit, FETCH, 2], // fetchAll: 1, before audit ends
        [6, Exit, MAIN, 1], // main: 1
        [20, Resume, AUDIT_AWAIT, 3], // waited
        [23, Exit, AUDIT, 3], // audit: 3
      ]),
    );
    assert.deepEqual(row(p, 'main'), [1, 2, 5], 'main and the fetchAll it awaited: 1 + 2 + 2');
    assert.deepEqual(row(p, 'fetchAll'), [1, 3, 3], 'not audit, which outlived it');
    assert.deepEqual(row(p, 'audit'), [1, 4, 4]);
  });

  it('a trace that begins inside a function: its frame is counted under that function, without a call', () => {
    const { Exit, Statement } = EventKind;
    const p = profile(
      trace(
        [
          [0, Statement, PARSE_ST, 1],
          [4, Exit, PARSE, 1], // parse: 4
          [5, Statement, MAIN_ST, 1], // the caller the trace makes up: main's statement
        ],
        true,
      ),
    );
    assert.deepEqual(row(p, 'parse'), [0, 4, 4]);
    assert.deepEqual(row(p, 'main'), [0, 1, 5], 'the made-up caller goes under the function its statement is in');
  });
});
