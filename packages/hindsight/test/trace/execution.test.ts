import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EventKind, ExecutionBuilder, type Execution } from '../../src/trace/index.js';
import { S, partial, promiseAll, recursion, sites } from './fixtures.js';
import { build, generate } from './generate.js';

const frameOf = (ex: Execution) => Array.from(ex.frames);

describe('Execution: call tree', () => {
  it('gives each call its own frame, with enter, exit (Exit or Throw), parent, function site and depth', () => {
    const ex = recursion();
    assert.equal(ex.length, 20);
    assert.deepEqual(frameOf(ex), [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 2, 1, 0, 4, 4, 4, 0, 0, 0]);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((f) => ex.frameInfo(f)),
      [
        { frame: 0, functionSite: S.MAIN, enterIndex: 0, exitIndex: 19, parent: -1, callIndex: -1, activation: 1, synthetic: false, depth: 0 },
        { frame: 1, functionSite: S.FACT, enterIndex: 2, exitIndex: 12, parent: 0, callIndex: 1, activation: 1, synthetic: false, depth: 1 },
        { frame: 2, functionSite: S.FACT, enterIndex: 5, exitIndex: 11, parent: 1, callIndex: 4, activation: 1, synthetic: false, depth: 2 },
        { frame: 3, functionSite: S.FACT, enterIndex: 8, exitIndex: 10, parent: 2, callIndex: 7, activation: 1, synthetic: false, depth: 3 },
        { frame: 4, functionSite: S.RISKY, enterIndex: 14, exitIndex: 16, parent: 0, callIndex: 13, activation: 1, synthetic: false, depth: 1 },
      ],
    );
    assert.equal(ex.kind(16), EventKind.Throw);
    assert.deepEqual(ex.stackAt(9), [3, 2, 1, 0]);
    assert.deepEqual(ex.stackAt(17), [0], 'after the caught exception main runs alone');
    assert.equal(ex.depth(9), 3);
    assert.deepEqual(ex.event(15), { index: 15, kind: EventKind.Statement, kindName: 'statement', site: S.RISKY_THROW, frame: 4, activation: 1, time: 150, depth: 1 });
    assert.equal(ex.siteOf(15)?.line, 6);
  });

  it('keeps an async frame the same across its awaits, and parents async calls to the frame that made them', () => {
    const ex = promiseAll();
    assert.deepEqual(frameOf(ex), [0, 0, 1, 1, 1, 2, 2, 2, 0, 2, 2, 2, 1, 1, 1, 0, 0, 0]);
    assert.deepEqual([ex.frameEnter(1), ex.frameExit(1), ex.frameParent(1), ex.frameActivation(1)], [2, 14, 0, 2]);
    assert.deepEqual([ex.frameEnter(2), ex.frameExit(2), ex.frameParent(2), ex.frameActivation(2)], [5, 11, 0, 3]);
    assert.deepEqual([ex.frameEnter(0), ex.frameExit(0)], [0, 17], 'handler spans its await');
    assert.deepEqual(ex.stackAt(10), [2, 0], 'load(2) after its await still shows the handler that called it');
    assert.equal(ex.frameCall(2), 1, 'load(2) was called from the statement at line 21');
  });

  it('gives a trace that starts mid-call synthetic frames: one per open frame, a synthetic caller at each unmatched exit, ended with its callee when it shows nothing of its own', () => {
    const ex = partial(); // recursion events 9..19, re-indexed from 0
    assert.deepEqual(frameOf(ex), [0, 0, 1, 2, 3, 4, 4, 4, 3, 3, 3]);
    assert.deepEqual(ex.stackAt(0), [0, 1, 2, 3, 5], 'fact(1) < fact(2) < fact(3) < main < (caller of main)');
    for (const f of [0, 1, 2, 3, 5]) {
      assert.equal(ex.frameSynthetic(f), true);
      assert.equal(ex.frameEnter(f), 0);
    }
    assert.equal(ex.frameSynthetic(4), false, 'risky was entered inside the trace');
    // the caller made up for main's return ends with it: the trace shows nothing of it after
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((f) => ex.frameExit(f)), [1, 2, 3, 10, 7, 10]);
    assert.equal(ex.frameSite(1), S.FACT, 'a synthetic frame takes the site of its first event');
    assert.equal(sites.get(ex.frameSite(3))?.functionName, 'main');
    assert.equal(ex.frameCall(0), -1, 'the call site of a frame entered before the trace is unknown');
  });

  it("marks a frame entered before a partial trace shows what ran as one whose caller is lost, until it shows the event loop running", () => {
    // handler (activation 1) awaits load (2), as a request does; the trace starts inside handler, after its call of load
    const events: [EventKind, number, number][] = [
      [EventKind.Enter, S.LOAD, 2], // load entered by handler, whose frames the ring lost
      [EventKind.Suspend, S.LOAD_AWAIT, 2],
      [EventKind.Suspend, S.HANDLER_AWAIT, 1], // handler's first event: synthetic; back to its caller, unknown
      [EventKind.Resume, S.LOAD_AWAIT, 2], // the event loop runs load again: from here on the trace knows what runs
      [EventKind.Exit, S.LOAD, 2],
      [EventKind.Resume, S.HANDLER_AWAIT, 1],
      [EventKind.Exit, S.HANDLER, 1],
      [EventKind.Enter, S.HANDLER, 3], // a request the event loop started
      [EventKind.Exit, S.HANDLER, 3],
    ];
    const built = (partial: boolean) => {
      const b = new ExecutionBuilder(sites, { partial });
      events.forEach(([k, site, a], t) => b.append(k, site, a, t));
      return b.build();
    };
    const ex = built(true);
    const [load, handler, next] = [ex.frame(0), ex.frame(2), ex.frame(7)];
    assert.deepEqual([ex.frameCallerLost(load), ex.frameSynthetic(load)], [true, false], "load's Enter is in the trace, its caller is not");
    assert.deepEqual([ex.frameCallerLost(handler), ex.frameSynthetic(handler)], [false, true]);
    assert.equal(ex.frameCallerLost(next), false, 'once the trace shows the event loop running, a frame with no caller is a root');
    assert.equal(built(false).frameCallerLost(load), false, 'a trace from the start of the program has lost no caller');
  });

  it('indexes occurrences per site and per function, ascending, and finds the neighbours of any event by binary search', () => {
    const ex = recursion();
    assert.deepEqual(Array.from(ex.siteOccurrences(S.FACT_IF)), [3, 6, 9]);
    assert.deepEqual(Array.from(ex.siteOccurrences(S.FACT)), [2, 5, 8, 10, 11, 12], 'the site list holds every event at the site');
    assert.deepEqual(Array.from(ex.functionOccurrences(S.FACT)), [2, 5, 8], 'the function list holds its Enter events');
    assert.deepEqual(Array.from(ex.siteOccurrences(999)), []);
    assert.deepEqual(Array.from(ex.frameEvents(0)), [0, 1, 13, 17, 18, 19]);
    assert.equal(ex.nextInFrame(0, 1), 13);
    assert.equal(ex.previousInFrame(0, 13), 1);
    assert.equal(ex.nextInFrame(0, 19), -1);
    assert.equal(ex.indexAtTime(95), 10);
    assert.equal(ex.indexAtTime(-5), 0);
    assert.equal(ex.indexAtTime(1e9), 19);
  });

  it('reports its size, a few bytes per event', () => {
    const ex = build(generate(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 1000)).events);
    const perEvent = ex.byteSize / ex.length;
    assert.ok(perEvent > 17 && perEvent < 40, `${perEvent} bytes/event`);
  });

  it('keeps timestamps non-decreasing, refuses a second build with a code, and builds an empty trace', () => {
    const b = new ExecutionBuilder(sites);
    b.append(EventKind.Enter, S.MAIN, 1, 100).append(EventKind.Statement, S.MAIN_9, 1, 50).append(EventKind.Statement, S.MAIN_10, 1, Number.NaN);
    const ex = b.build();
    assert.deepEqual([0, 1, 2].map((i) => ex.time(i)), [100, 100, 100]);
    assert.throws(() => b.build(), (e: unknown) => (e as { code?: string }).code === 'HS_E_EXECUTION_BUILT');
    const odd = new ExecutionBuilder(sites).append(EventKind.Statement, 0xfffffff0, 1, 0).append(EventKind.Statement, S.MAIN_9, 1, 1).build();
    assert.deepEqual(Array.from(odd.siteOccurrences(S.MAIN_9)), [1], 'a site id far outside the table is kept but not indexed');
    assert.equal(odd.site(0), 0xfffffff0);
    const empty = new ExecutionBuilder().build();
    assert.equal(empty.length, 0);
    assert.equal(empty.indexAtTime(0), -1);
  });
});

describe('Execution: properties over random traces', () => {
  const choices = fc.array(fc.nat({ max: 1 << 16 }), { maxLength: 300 });

  it('stackAt(i) gives the function sites a naive model of the program has on its stack', () => {
    fc.assert(
      fc.property(choices, (cs) => {
        const g = generate(cs);
        const ex = build(g.events);
        for (let i = 0; i < ex.length; i++) assert.deepEqual(ex.stackAt(i).map((f) => ex.frameSite(f)), g.stacks[i], `event ${i}`);
      }),
      { numRuns: 300 },
    );
  });

  it('events of one function activation share one frame across awaits, and different activations never do', () => {
    fc.assert(
      fc.property(choices, (cs) => {
        const g = generate(cs);
        const ex = build(g.events);
        const byToken = new Map<number, number>();
        const byFrame = new Map<number, number>();
        for (let i = 0; i < ex.length; i++) {
          assert.equal(byToken.get(g.tokens[i]!) ?? ex.frame(i), ex.frame(i));
          assert.equal(byFrame.get(ex.frame(i)) ?? g.tokens[i], g.tokens[i]);
          byToken.set(g.tokens[i]!, ex.frame(i));
          byFrame.set(ex.frame(i), g.tokens[i]!);
        }
        for (let f = 0; f < ex.frameCount; f++) {
          const events = ex.frameEvents(f);
          if (events.length === 0) continue;
          assert.equal(events[0], ex.frameEnter(f));
          if (ex.frameExit(f) !== -1) assert.equal(events[events.length - 1], ex.frameExit(f));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a slice told it starts mid-program takes a frame for a root, no caller, only where the whole trace has it so', () => {
    fc.assert(
      fc.property(choices, fc.nat(), (cs, a) => {
        const g = generate(cs);
        if (g.events.length === 0) return;
        const from = a % g.events.length;
        const whole = build(g.events);
        const slice = build(g.events, from, g.events.length, true);
        for (let f = 0; f < slice.frameCount; f++) {
          if (slice.frameParent(f) !== -1 || slice.frameSynthetic(f) || slice.frameCallerLost(f)) continue;
          const entered = whole.frame(from + slice.frameEnter(f));
          assert.equal(whole.frameParent(entered), -1, `frame ${f}, entered at ${from + slice.frameEnter(f)}, has a caller in the whole trace`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never fails on a slice of a trace (a ring buffer) or on arbitrary events, and its stacks are finite', () => {
    fc.assert(
      fc.property(choices, fc.nat(), fc.nat(), (cs, a, b) => {
        const g = generate(cs);
        const from = g.events.length === 0 ? 0 : a % g.events.length;
        const to = from + (g.events.length === 0 ? 0 : b % (g.events.length - from + 1));
        const ex = build(g.events, from, to);
        for (let i = 0; i < ex.length; i++) assert.ok(ex.stackAt(i).length <= ex.frameCount);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 9 }), fc.nat({ max: 40 }), fc.nat({ max: 3 }), fc.double())), (rows) => {
        const b = new ExecutionBuilder(sites);
        for (const [k, s, act, t] of rows) b.append(k as EventKind, s, act, t);
        const ex = b.build();
        for (let i = 0; i < ex.length; i++) assert.ok(ex.stackAt(i).length <= ex.frameCount);
        for (let i = 1; i < ex.length; i++) assert.ok(ex.time(i) >= ex.time(i - 1));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps times at microsecond resolution in 4 bytes an event, across checkpoints and 32-bit overflows, and finds them by binary search', () => {
    const gap = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 }), fc.constant(2 ** 33 / 1000));
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.array(gap, { maxLength: 1200 }), fc.integer({ min: 0, max: 1e6 }), (start, gaps, probe) => {
        const b = new ExecutionBuilder(sites);
        const times = [start / 1000];
        for (const g of gaps) times.push(times[times.length - 1]! + g / 1000);
        for (const t of times) b.append(EventKind.Statement, S.MAIN_9, 1, t);
        const ex = b.build();
        const ticks = times.map((t) => Math.round((t - times[0]!) * 1000));
        for (let i = 0; i < ex.length; i++) assert.equal(Math.round((ex.time(i) - ex.time(0)) * 1000), ticks[i], `event ${i}`);
        const target = ex.time(0) + (probe % (ticks[ticks.length - 1]! + 2)) / 1000;
        const first = ticks.findIndex((q) => q >= Math.round((target - times[0]!) * 1000));
        assert.equal(ex.indexAtTime(target), first === -1 ? ex.length - 1 : first);
      }),
      // The example: float noise once put 65536.001 past the event recorded at that time.
      { numRuns: 200, examples: [[65536000, [1, 5, 1], 10]] },
    );
  });
});
