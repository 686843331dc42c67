import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Cursor, backtraceAt, type BreakpointSpec, type Stop } from '../../src/timetravel/index.js';
import { EventKind, type Execution } from '../../src/trace/index.js';
import { FUNCTIONS, STATEMENTS_PER_FUNCTION, build, functionSite, generate, statementSite } from '../trace/generate.js';

const choices = fc.array(fc.nat({ max: 1 << 16 }), { minLength: 1, maxLength: 250 });
const runs = { numRuns: 200 };

function statements(ex: Execution): number[] {
  const out: number[] = [];
  for (let i = 0; i < ex.length; i++) if (ex.kind(i) === EventKind.Statement) out.push(i);
  return out;
}

type Position = { index: number; reason: string; returned?: true };

/** Whether the cursor can stand in the caller just after event j returned: a frame's Exit, called from a frame of the trace (sync traces). */
const returnPosition = (ex: Execution, j: number) => ex.kind(j) === EventKind.Exit && ex.frameExit(ex.frame(j)) === j && ex.frameParent(ex.frame(j)) !== -1 && ex.frameCall(ex.frame(j)) !== -1;

/** Naive step for traces without async: the first later (earlier) statement, entry or return into a caller. */
function naiveStep(ex: Execution, from: number, reverse: boolean): Position {
  const d = reverse ? -1 : 1;
  for (let k = from + d; k >= 0 && k < ex.length; k += d) {
    if (ex.kind(k) === EventKind.Statement || ex.kind(k) === EventKind.Enter) return { index: k, reason: 'step' };
    if (returnPosition(ex, k)) return { index: k, reason: 'step', returned: true };
  }
  return reverse ? { index: 0, reason: 'start' } : { index: ex.length - 1, reason: 'end' };
}

/**
 * Naive next for traces without async: the first later statement of a frame on the stack, or a return of
 * one into its caller; backwards, the first earlier statement of one, or the return into it of the call
 * made just before one of them was entered; else what runs after the root returns (before it was called).
 */
function naiveNext(ex: Execution, i: number, reverse: boolean): Position {
  const stack = new Set(ex.stackAt(i));
  const root = ex.stackAt(i).at(-1)!;
  const d = reverse ? -1 : 1;
  for (let j = i; j >= 0 && j < ex.length; j += d) {
    const f = ex.frame(j);
    if (j !== i && stack.has(f) && ex.kind(j) === EventKind.Statement) return { index: j, reason: 'step' };
    if (!reverse && stack.has(f) && returnPosition(ex, j)) return { index: j, reason: 'step', returned: true };
    if (reverse && stack.has(f) && j === ex.frameEnter(f) && j > 0 && ex.frame(j - 1) !== ex.frameParent(f) && ex.frameParent(ex.frame(j - 1)) === ex.frameParent(f) && returnPosition(ex, j - 1))
      return { index: j - 1, reason: 'step', returned: true };
    if (j === (reverse ? ex.frameEnter(root) : ex.frameExit(root))) return naiveStep(ex, j, reverse);
  }
  return reverse ? { index: 0, reason: 'start' } : { index: ex.length - 1, reason: 'end' };
}

/** A stop as the naive scans write it. */
const position = (s: Stop): Position => ({ index: s.index, reason: s.reason, ...(s.returned ? { returned: true as const } : {}) });

describe('Cursor: properties over random traces', () => {
  it('next then reverse-next returns to the same statement, when next stays in the frame (and the other way round)', () => {
    fc.assert(
      fc.property(choices, fc.nat(), (cs, pick) => {
        const ex = build(generate(cs).events);
        const st = statements(ex);
        if (st.length === 0) return;
        const i = st[pick % st.length]!;
        const c = new Cursor(ex, i);
        const s = c.next();
        if (s.reason === 'step' && c.frame === ex.frame(i)) assert.deepEqual(c.next('reverse'), { index: i, reason: 'step' });
        c.goto(i);
        const r = c.next('reverse');
        if (r.reason === 'step' && c.frame === ex.frame(i)) assert.deepEqual(c.next(), { index: i, reason: 'step' });
      }),
      runs,
    );
  });

  it('step, reverse-step, next and reverse-next agree with a naive scan on traces without async', () => {
    fc.assert(
      fc.property(choices, fc.boolean(), (cs, reverse) => {
        const ex = build(generate(cs, { async: false }).events);
        const d = reverse ? 'reverse' : 'forward';
        // from every event: the positions a return leaves are few, and a random pick would rarely come near one
        for (let i = 0; i < ex.length; i++) {
          assert.deepEqual(position(new Cursor(ex, i).next(d)), naiveNext(ex, i, reverse), `next from ${i}`);
          const atExit = returnPosition(ex, i) && !reverse;
          assert.deepEqual(position(new Cursor(ex, i).step(d)), atExit ? { index: i, reason: 'step', returned: true } : naiveStep(ex, i, reverse), `step from ${i}`);
        }
      }),
      runs,
    );
  });

  it('finish lands in the caller just after the call returned where the caller ran nothing meanwhile, else at its next event; reverse-finish just before the call', () => {
    /** Whether frame g's end at event `end` returns into its caller mid-statement: a scan, the definition. */
    const returnsMidStatement = (ex: Execution, g: number, end: number) => {
      const p = ex.frameParent(g);
      if (p === -1 || ex.frameCall(g) === -1 || ex.frameExit(g) !== end) return false;
      if (ex.kinds[end] !== EventKind.Exit && ex.kinds[end] !== EventKind.Suspend) return false;
      return [...ex.frameEvents(p)].every((e) => e < ex.frameEnter(g) || e > end);
    };
    fc.assert(
      fc.property(choices, fc.nat(), (cs, pick) => {
        const ex = build(generate(cs).events);
        const i = pick % ex.length;
        const f = ex.frame(i);
        const p = ex.frameParent(f);
        const exit = ex.frameExit(f);
        const c = new Cursor(ex, i);
        const s = c.finish();
        if (exit === -1) assert.equal(s.reason, 'end');
        else if (returnsMidStatement(ex, f, exit)) {
          assert.deepEqual(s, { index: exit, reason: 'finish', returned: true });
          assert.equal(c.frame, p);
          assert.deepEqual(
            c.backtrace().map((b) => [b.frame, b.index]),
            backtraceAt(ex, ex.frameCall(f)).map((b) => [b.frame, b.index]),
            'the caller stands at its call, as it does in a backtrace from inside the call',
          );
        } else if (s.reason === 'finish') {
          assert.equal(s.returned, undefined);
          assert.ok(s.index > exit);
          if (p !== -1 && ex.nextInFrame(p, exit) !== -1) assert.equal(s.index, ex.nextInFrame(p, exit));
          else assert.equal(s.index, exit + 1);
        } else assert.equal(s.reason, 'end');
        c.goto(i);
        const r = c.finish('reverse');
        const before = ex.frameEnter(f) - 1;
        if (p !== -1 && before >= 0 && ex.frame(before) !== p && ex.frameParent(ex.frame(before)) === p && returnsMidStatement(ex, ex.frame(before), before)) {
          assert.deepEqual(r, { index: before, reason: 'finish', returned: true }, 'after the call the same statement made before this one');
          assert.equal(c.frame, p);
        } else if (r.reason === 'finish') {
          assert.equal(r.returned, undefined);
          assert.ok(r.index < ex.frameEnter(f));
          assert.equal(ex.frame(r.index), p);
        } else assert.equal(p, -1);
      }),
      runs,
    );
  });

  it('callsAhead finds the calls a linear scan finds up to the frame\'s next event, one per function, from every event and after every return', () => {
    /** The Enter events of the frame's callees after `from`, before its next event of its own: a scan of every event. */
    const naiveCalls = (ex: Execution, f: number, from: number) => {
      const next = ex.nextInFrame(f, from);
      const seen = new Set<number>();
      const out: number[] = [];
      for (let j = from + 1; j < (next === -1 ? ex.length : next); j++) {
        if (ex.kind(j) !== EventKind.Enter || ex.frameParent(ex.frame(j)) !== f || seen.has(ex.frameSite(ex.frame(j)))) continue;
        seen.add(ex.frameSite(ex.frame(j)));
        out.push(j);
      }
      return out;
    };
    fc.assert(
      fc.property(choices, (cs) => {
        const ex = build(generate(cs).events);
        for (let i = 0; i < ex.length; i++) {
          const c = new Cursor(ex, i);
          assert.deepEqual(c.callsAhead(), naiveCalls(ex, ex.frame(i), i), `from ${i}`);
          if (!c.goto(i, true).returned) continue;
          assert.deepEqual(c.callsAhead(), naiveCalls(ex, c.frame, i), `after the return at ${i}`);
        }
      }),
      runs,
    );
  });

  it('continue and reverse-continue find exactly the nearest breakpoint hit a linear scan finds, with hit counts and conditions', () => {
    const spec = fc.record({
      at: fc.oneof(
        fc.record({ fn: fc.nat({ max: FUNCTIONS - 1 }), k: fc.nat({ max: STATEMENTS_PER_FUNCTION - 1 }) }).map(({ fn, k }) => ({ site: statementSite(fn, k) })),
        fc.nat({ max: FUNCTIONS - 1 }).map((fn) => ({ function: `f${fn}` })),
      ),
      hitCount: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
      modulo: fc.option(fc.integer({ min: 2, max: 4 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(choices, fc.array(spec, { minLength: 1, maxLength: 3 }), fc.nat(), fc.boolean(), (cs, specs, pick, reverse) => {
        const ex = build(generate(cs).events);
        const i = pick % ex.length;
        const c = new Cursor(ex, i);
        const bps: BreakpointSpec[] = specs.map(({ at, hitCount, modulo }) => ({
          ...at,
          ...(hitCount === undefined ? {} : { hitCount }),
          ...(modulo === undefined ? {} : { condition: (cur: Cursor) => cur.index % modulo === 0 }),
        }));
        const ids = bps.map((b) => c.addBreakpoint(b).id);
        const matches = (b: BreakpointSpec, j: number) =>
          'site' in b ? ex.site(j) === b.site : 'function' in b && ex.kind(j) === EventKind.Enter && ex.site(j) === functionSite(Number(String(b.function).slice(1)));
        const hitsSoFar = bps.map(() => 0);
        const stopsAt: number[][] = [];
        for (let j = 0; j < ex.length; j++) {
          stopsAt.push([]);
          bps.forEach((b, n) => {
            if (!matches(b, j)) return;
            hitsSoFar[n]!++;
            if (b.hitCount !== undefined && hitsSoFar[n] !== b.hitCount) return;
            if (b.condition && !b.condition(new Cursor(ex, j))) return;
            stopsAt[j]!.push(ids[n]!);
          });
        }
        let expected: { index: number; reason: string; breakpoints?: number[] } = reverse ? { index: 0, reason: 'start' } : { index: ex.length - 1, reason: 'end' };
        for (let j = i + (reverse ? -1 : 1); j >= 0 && j < ex.length; j += reverse ? -1 : 1)
          if (stopsAt[j]!.length > 0) {
            expected = { index: j, reason: 'breakpoint', breakpoints: stopsAt[j] };
            break;
          }
        const s = c.continue(reverse ? 'reverse' : 'forward');
        assert.deepEqual({ index: s.index, reason: s.reason, ...(s.breakpoints ? { breakpoints: [...s.breakpoints] } : {}) }, expected);
      }),
      { numRuns: 400 },
    );
  });

  it('no command fails, and every stop stays inside the trace, on slices of traces (ring buffers)', () => {
    fc.assert(
      fc.property(choices, fc.nat(), fc.nat(), fc.array(fc.nat({ max: 9 }), { maxLength: 30 }), (cs, a, b, commands) => {
        const g = generate(cs);
        const from = a % g.events.length;
        const to = from + (b % (g.events.length - from + 1));
        const ex = build(g.events, from, to);
        const c = new Cursor(ex, a % Math.max(1, ex.length));
        c.addBreakpoint({ function: 'f1' });
        c.addBreakpoint({ file: 'gen.ts', line: 3 });
        for (const cmd of commands) {
          const d = cmd % 2 ? 'reverse' : 'forward';
          const s = [() => c.step(d), () => c.next(d), () => c.finish(d), () => c.continue(d), () => c.gotoTime(cmd * 7)][cmd >> 1]!();
          assert.ok(s.index >= 0 && s.index < Math.max(1, ex.length), `stop ${s.index} of ${ex.length}`);
          assert.equal(c.index, s.index);
          assert.ok(c.backtrace().length <= ex.frameCount);
        }
      }),
      runs,
    );
  });
});
