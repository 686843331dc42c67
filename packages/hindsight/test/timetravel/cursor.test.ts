import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cursor } from '../../src/timetravel/index.js';
import { ExecutionBuilder } from '../../src/trace/index.js';
import { S, partial, promiseAll, recursion, twoCalls } from '../trace/fixtures.js';

/** The stops of a list of commands, as [index, reason] pairs. */
function run(cursor: Cursor, commands: ((c: Cursor) => { index: number; reason: string })[]): [number, string][] {
  return commands.map((cmd) => {
    const s = cmd(cursor);
    return [s.index, s.reason];
  });
}

describe('Cursor over main() -> fact(3) (recursive) -> risky() (throws, main catches)', () => {
  it('step goes into calls; reverse-step comes back out, statement by statement', () => {
    const c = new Cursor(recursion(), 1);
    assert.deepEqual(run(c, [(c) => c.step(), (c) => c.step(), (c) => c.step(), (c) => c.step()]), [[2, 'step'], [3, 'step'], [4, 'step'], [5, 'step']]);
    c.goto(13);
    assert.deepEqual(
      run(c, [(c) => c.step('reverse'), (c) => c.step('reverse'), (c) => c.step('reverse'), (c) => c.step('reverse')]),
      [
        [12, 'step'],
        [11, 'step'],
        [10, 'step'],
        [9, 'step'],
      ],
      'back through three returns, each in its caller (main, fact(3), fact(2)), into fact(1)',
    );
    assert.deepEqual([c.step().returned, c.frame], [true, 2], 'and forward again: fact(1) returned into fact(2)');
  });

  it('next jumps over the whole recursion and over the throwing call; reverse-next jumps back', () => {
    const c = new Cursor(recursion(), 1);
    assert.deepEqual(run(c, [(c) => c.next(), (c) => c.next(), (c) => c.next(), (c) => c.next()]), [[13, 'step'], [17, 'step'], [18, 'step'], [19, 'end']]);
    assert.deepEqual(run(c, [(c) => c.goto(18), (c) => c.next('reverse'), (c) => c.next('reverse'), (c) => c.next('reverse'), (c) => c.next('reverse')]), [
      [18, 'goto'],
      [17, 'step'],
      [13, 'step'],
      [1, 'step'],
      [0, 'start'],
    ]);
  });

  it('next past the end of a function stops in its caller just after the call returned, and from there at the next statement', () => {
    const c = new Cursor(recursion(), 9); // fact(1): if (n <= 1) return 1
    assert.deepEqual(run(c, [(c) => c.next(), (c) => c.next(), (c) => c.next(), (c) => c.next()]), [
      [10, 'step'],
      [11, 'step'],
      [12, 'step'],
      [13, 'step'],
    ]);
    c.goto(4); // fact(3): return n * fact(n - 1)
    assert.deepEqual(c.next(), { index: 12, reason: 'step', returned: true }, 'over the recursion, then out of fact(3) into main');
  });

  it('finish stops in the caller just after the call returned, where the rest of its statement runs; after a throw, where the caller goes on', () => {
    const c = new Cursor(recursion(), 9);
    assert.deepEqual(c.finish(), { index: 10, reason: 'finish', returned: true }, 'fact(2), in its return statement, fact(1) returned');
    assert.equal(c.frame, 2);
    assert.deepEqual(
      c.backtrace().map((f) => [f.frame, f.index]),
      [
        [2, 7],
        [1, 4],
        [0, 1],
      ],
      'the caller is the innermost frame, at its statement that made the call',
    );
    assert.deepEqual(c.finish(), { index: 11, reason: 'finish', returned: true });
    assert.deepEqual(c.finish(), { index: 12, reason: 'finish', returned: true }, 'main, in the statement that called fact(3)');
    assert.deepEqual(c.next(), { index: 13, reason: 'step' }, 'next goes on from there in main');
    c.goto(15);
    assert.deepEqual(c.finish(), { index: 17, reason: 'finish' }, 'risky throws: main continues in its catch');
    c.goto(9);
    assert.deepEqual(run(c, [(c) => c.finish('reverse'), (c) => c.finish('reverse'), (c) => c.finish('reverse'), (c) => c.finish('reverse')]), [
      [7, 'finish'],
      [4, 'finish'],
      [1, 'finish'],
      [0, 'start'],
    ]);
    c.goto(1);
    assert.equal(c.finish().reason, 'end', 'main returns at the last event: nothing after it');
  });

  it('after finish, step enters the next call of the same statement, and reverse-finish from it comes back to between the two calls', () => {
    const ex = twoCalls();
    const c = new Cursor(ex, 3);
    assert.deepEqual(c.finish(), { index: 4, reason: 'finish', returned: true });
    assert.deepEqual(c.step(), { index: 5, reason: 'step' }, 'into g, which the statement calls next');
    c.goto(6);
    assert.deepEqual(c.finish('reverse'), { index: 4, reason: 'finish', returned: true }, 'back to where f had returned and g was about to be called');
    assert.equal(c.frame, 0);
    assert.deepEqual(c.step('reverse'), { index: 3, reason: 'step' }, 'back into f');
    c.goto(6);
    assert.deepEqual(c.finish(), { index: 7, reason: 'finish', returned: true });
    assert.deepEqual(c.next(), { index: 8, reason: 'step' });
    assert.deepEqual(c.next('reverse'), { index: 1, reason: 'step' }, 'reverse-next from after the calls: the start of the statement');
  });

  it('backtrace lists each frame with where it is: the cursor, then each call site', () => {
    const c = new Cursor(recursion(), 9);
    const bt = c.backtrace();
    assert.deepEqual(
      bt.map((f) => [f.frame, f.site?.functionName, f.index, f.enterIndex]),
      [
        [3, 'fact', 9, 8],
        [2, 'fact', 7, 5],
        [1, 'fact', 4, 2],
        [0, 'main', 1, 0],
      ],
    );
  });

  it('continue and reverse-continue stop at function and line breakpoints, with hit counts and conditions', () => {
    const ex = recursion();
    const c = new Cursor(ex);
    const fact = c.addBreakpoint({ function: 'fact' });
    assert.deepEqual(fact.sites, [S.FACT]);
    assert.deepEqual(run(c, [(c) => c.continue(), (c) => c.continue(), (c) => c.continue(), (c) => c.continue()]), [[2, 'breakpoint'], [5, 'breakpoint'], [8, 'breakpoint'], [19, 'end']]);
    assert.deepEqual(run(c, [(c) => c.continue('reverse'), (c) => c.continue('reverse')]), [[8, 'breakpoint'], [5, 'breakpoint']]);
    c.clearBreakpoints();

    const line2 = c.addBreakpoint({ file: 'app.ts', line: 2 });
    const second = c.addBreakpoint({ function: 'fact', hitCount: 2 });
    c.goto(0);
    const s1 = c.continue();
    assert.deepEqual(s1, { index: 3, reason: 'breakpoint', breakpoints: [line2.id] });
    const s2 = c.continue();
    assert.deepEqual(s2, { index: 5, reason: 'breakpoint', breakpoints: [second.id] }, 'the second entry of fact');
    c.clearBreakpoints();

    c.addBreakpoint({ site: S.FACT_IF, condition: (at) => at.execution.depth(at.index) === 3 });
    c.goto(19);
    assert.deepEqual(c.continue('reverse'), { index: 9, reason: 'breakpoint', breakpoints: [3 + 1] });
    assert.equal(c.continue('reverse').reason, 'start');
    const nowhere = c.addBreakpoint({ file: 'app.ts', line: 99 });
    assert.equal(nowhere.verified, false);
  });

  it('goto and gotoTime clamp to the trace', () => {
    const c = new Cursor(recursion());
    assert.deepEqual(c.goto(-4), { index: 0, reason: 'goto' });
    assert.deepEqual(c.goto(500), { index: 19, reason: 'goto' });
    assert.deepEqual(c.gotoTime(95), { index: 10, reason: 'goto' });
    assert.deepEqual(c.gotoTime(1e12), { index: 19, reason: 'goto' });
    assert.equal(new Cursor(recursion(), 1e9).index, 19);
  });
});

describe('Cursor over handler() awaiting Promise.all([load(1), load(2)])', () => {
  it('next steps over an await within the async function, even when other activations ran meanwhile', () => {
    const c = new Cursor(promiseAll(), 3); // load(1): const r = await fetch(id)
    assert.deepEqual(c.next(), { index: 13, reason: 'step' });
    assert.deepEqual(c.next('reverse'), { index: 3, reason: 'step' });
    c.goto(1); // handler: await Promise.all(...)
    assert.deepEqual(c.next(), { index: 16, reason: 'step' });
  });

  it('step follows time instead, into the other activation', () => {
    const c = new Cursor(promiseAll(), 3);
    assert.deepEqual(run(c, [(c) => c.step(), (c) => c.step(), (c) => c.step()]), [[5, 'step'], [6, 'step'], [10, 'step']]);
  });

  it('finish from an async function lands where its caller next runs; backtrace shows the caller', () => {
    const c = new Cursor(promiseAll(), 10); // load(2) after its await
    assert.deepEqual(
      c.backtrace().map((f) => [f.site?.functionName, f.index, f.activation]),
      [
        ['load', 10, 3],
        ['handler', 1, 1],
      ],
    );
    assert.deepEqual(c.finish(), { index: 15, reason: 'finish' });
    c.goto(13);
    assert.deepEqual(c.finish('reverse'), { index: 1, reason: 'finish' });
  });

  it('a function breakpoint on load stops at both calls, in order', () => {
    const c = new Cursor(promiseAll());
    c.addBreakpoint({ function: 'load' });
    assert.deepEqual(run(c, [(c) => c.continue(), (c) => c.continue(), (c) => c.continue()]), [[2, 'breakpoint'], [5, 'breakpoint'], [17, 'end']]);
  });
});

describe('Cursor over a trace that starts inside fact(1)', () => {
  it('navigates out through the synthetic frames and says plainly where the trace starts', () => {
    const c = new Cursor(partial()); // 0 fact_if, 1-3 exits, 4 main10, 5 enter risky, 6, 7 throw, 8 main11, 9 main12, 10 exit main
    assert.deepEqual(c.finish('reverse').reason, 'start');
    assert.equal(c.backtrace().length, 5);
    assert.equal(c.backtrace()[0]!.callIndex, -1);
    c.goto(0);
    assert.deepEqual(c.next(), { index: 4, reason: 'step' });
    assert.deepEqual(c.next(), { index: 8, reason: 'step' });
    assert.deepEqual(c.next('reverse'), { index: 4, reason: 'step' });
    const back = c.next('reverse');
    assert.equal(back.reason, 'start');
    assert.match(back.message ?? '', /start of trace/);
    c.goto(0);
    assert.deepEqual(c.finish(), { index: 2, reason: 'finish' });
  });

  it('never fails on an empty trace', () => {
    const c = new Cursor(new ExecutionBuilder().build());
    for (const s of [c.step(), c.next(), c.finish(), c.continue(), c.step('reverse'), c.next('reverse'), c.finish('reverse'), c.continue('reverse'), c.gotoTime(3), c.goto(4)])
      assert.equal(s.index, 0);
    assert.deepEqual(c.backtrace(), []);
  });
});

describe('Cursor: the calls the rest of a statement makes (step into target)', () => {
  it('callsAhead lists the calls the rest of the statement makes, one per function; stepInto enters one of them, and no other', () => {
    const c = new Cursor(twoCalls(), 1);
    assert.deepEqual(c.callsAhead(), [2, 5], 'f, then g');
    assert.deepEqual(c.stepInto(5), { index: 5, reason: 'step' }, 'into g, over f');
    c.goto(3);
    c.finish();
    assert.deepEqual(c.callsAhead(), [5], 'once f returned, g is left');
    assert.throws(() => c.stepInto(2), RangeError);
    c.goto(8);
    assert.deepEqual(c.callsAhead(), [], 'a statement that calls nothing');
    // handler awaits Promise.all([load(1), load(2)]): load(1) suspends before load(2) is called; one target for load
    assert.deepEqual(new Cursor(promiseAll(), 1).callsAhead(), [2]);
  });
});
