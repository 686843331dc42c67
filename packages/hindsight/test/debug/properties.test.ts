/**
 * Navigation properties on Executions recorded from real runs of the language-feature workflows
 * (test/debug/fixtures/features.ts) by instrumented replay: loops, recursion, exceptions, Promise.all,
 * classes and closures, switch and short-circuits, and a journey with nested async calls. The
 * synthetic traces of test/timetravel/properties.test.ts cover random shapes; these cover the shapes
 * the instrumentation really produces (async activations, throws through frames, callbacks).
 * Each property is checked at every statement of every trace, then along random sessions (fast-check).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DebugSession } from '../../src/debugger/index.js';
import { recordExecution } from '../../src/replay/index.js';
import { Cursor } from '../../src/timetravel/index.js';
import { returnsToCaller } from '../../src/timetravel/cursor.js';
import { EventKind, type Execution } from '../../src/trace/index.js';
import { Harness } from '../engine/harness.js';
import { journey } from './fixtures/features.js';
import { FEATURES, FEATURE_RUNS } from './transcripts.js';

const traces: { name: string; ex: Execution }[] = [];

function indices(ex: Execution, ...kinds: EventKind[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < ex.length; i++) if (kinds.includes(ex.kind(i))) out.push(i);
  return out;
}

/** Every (trace, index) pair of the given kinds: the properties hold at each, so each is checked. */
function everywhere(check: (ex: Execution, i: number, name: string) => void, ...kinds: EventKind[]): number {
  let n = 0;
  for (const { name, ex } of traces) {
    for (const i of kinds.length ? indices(ex, ...kinds) : Array.from({ length: ex.length }, (_, j) => j)) {
      try {
        check(ex, i, name);
      } catch (err) {
        (err as Error).message = `${name} at event ${i}: ${(err as Error).message}`;
        throw err;
      }
      n++;
    }
  }
  return n;
}

describe('Cursor: properties over Executions recorded from real runs of the feature workflows', () => {
  before(async () => {
    const h = await Harness.open();
    try {
      const runs = [...FEATURE_RUNS.map((r) => ({ wf: r.wf, input: r.input as unknown })), { wf: journey, input: { stops: 3, ms: 1 } as unknown }];
      h.worker(runs.map((r) => r.wf));
      for (const r of runs) {
        const id = `${r.wf.name}-props`;
        await (await h.client.start(r.wf as never, r.input as never, { workflowId: id })).result();
        const { execution, replay } = await recordExecution(await h.history(id), FEATURES);
        assert.equal(replay.divergence, undefined);
        traces.push({ name: r.wf.name, ex: execution });
      }
    } finally {
      await h.close();
    }
    assert.ok(traces.every((t) => t.ex.length > 20));
  });

  it('next then reverse-next returns to the same statement when next stays in the frame (and reverse-next then next)', () => {
    let stayed = 0;
    const n = everywhere((ex, i) => {
      const c = new Cursor(ex, i);
      const s = c.next();
      if (s.reason === 'step' && c.frame === ex.frame(i)) {
        stayed++;
        assert.deepEqual(c.next('reverse'), { index: i, reason: 'step' });
      }
      c.goto(i);
      const r = c.next('reverse');
      if (r.reason === 'step' && c.frame === ex.frame(i)) assert.deepEqual(c.next(), { index: i, reason: 'step' });
    }, EventKind.Statement);
    assert.ok(stayed > n / 2, `next stayed in the frame at ${stayed} of ${n} statements`);
  });

  it('next lands on the next statement of the frame, or (when the frame has none left) in a caller after the frame returned', () => {
    everywhere((ex, i) => {
      const s = new Cursor(ex, i).next();
      if (s.reason !== 'step') return;
      assert.ok(s.index > i);
      const f = ex.frame(i);
      const nextOwn = ex.nextInFrame(f, i);
      let own = nextOwn;
      while (own !== -1 && ex.kind(own) !== EventKind.Statement) own = ex.nextInFrame(f, own);
      if (own !== -1) return assert.equal(s.index, own, 'the next statement of the frame, over calls and awaits');
      // none left: a caller just after a frame of the stack returned into it, a caller's statement after the frame returned, or (for the root) what ran next
      const exit = ex.frameExit(f);
      const stack = ex.stackAt(i);
      if (s.returned) return assert.ok(stack.includes(ex.frame(s.index)) && ex.frameExit(ex.frame(s.index)) === s.index && s.index >= exit, 'a frame of the stack returned there');
      assert.ok(s.index > exit, 'after the frame returned');
      if (stack.includes(ex.frame(s.index))) assert.equal(ex.kind(s.index), EventKind.Statement);
      else assert.equal(ex.frameParent(stack.at(-1)!), -1);
    }, EventKind.Statement);
  });

  it('step then reverse-step returns, at every statement and function entry; step stops at each, and where a call returned into its caller', () => {
    const stops = (ex: Execution, j: number) => ex.kind(j) === EventKind.Statement || ex.kind(j) === EventKind.Enter || returnsToCaller(ex, j);
    everywhere((ex, i) => {
      const c = new Cursor(ex, i);
      const s = c.step();
      const to = s.reason === 'end' ? ex.length : s.index;
      for (let j = i + 1; j < to; j++) assert.ok(!stops(ex, j), `nothing to stop at between ${i} and ${to}: ${j}`);
      if (s.reason === 'end') return;
      assert.ok(s.index > i && stops(ex, s.index));
      assert.equal(s.returned === true, returnsToCaller(ex, s.index));
      assert.deepEqual(c.step('reverse'), { index: i, reason: 'step' });
    }, EventKind.Statement, EventKind.Enter);
  });

  it('finish lands in the caller, just after the frame returned or where it goes on; reverse-finish just before the call, at the call site the backtrace shows', () => {
    everywhere((ex, i) => {
      const f = ex.frame(i);
      const parent = ex.frameParent(f);
      const c = new Cursor(ex, i);
      const caller = c.backtrace()[1];
      const r = c.finish('reverse');
      if (parent === -1) {
        assert.equal(r.reason, 'start');
        assert.equal(caller, undefined);
      } else {
        assert.equal(r.reason, 'finish');
        assert.ok(r.index < ex.frameEnter(f), 'before the call');
        assert.equal(c.frame, parent, 'in the caller');
        if (r.returned) assert.equal(r.index, ex.frameEnter(f) - 1, 'just after a call the same statement made before this one');
        else assert.equal(ex.previousInFrame(parent, ex.frameEnter(f)), r.index, "the caller's last event before the call");
        assert.equal(c.backtrace()[0]!.index, caller?.index, 'where the backtrace says the caller is');
      }
      c.goto(i);
      const s = c.finish();
      const exit = ex.frameExit(f);
      assert.notEqual(exit, -1, 'every frame of a completed run returns');
      if (s.reason === 'end') return assert.equal(exit, ex.length - 1);
      assert.equal(s.reason, 'finish');
      if (s.returned) {
        assert.equal(s.index, exit, 'just after the frame returned');
        const meanwhile = ex.nextInFrame(parent, ex.frameEnter(f));
        assert.ok(meanwhile === -1 || meanwhile > exit, 'the caller ran nothing while the frame ran');
        assert.equal(c.frame, parent, 'in the caller');
        assert.equal(c.backtrace()[0]!.index, caller?.index, 'at its call, as the backtrace from inside showed it');
      } else {
        assert.ok(s.index > exit, 'after the frame returned');
        const after = parent === -1 ? -1 : ex.nextInFrame(parent, exit);
        assert.equal(s.index, after === -1 ? exit + 1 : after);
        if (after === -1) return;
      }
      // and back: reverse-finish from inside the frame (its last event) lands before the call, in the same caller finish went to
      const back = new Cursor(ex, exit);
      const b = back.finish('reverse');
      assert.equal(back.frame, c.frame);
      assert.ok(b.index < ex.frameEnter(f));
    });
  });

  it('goto i then where reports i, with the file, line and function of event i (a function\'s exit at its closing brace)', async () => {
    for (const { name, ex } of traces) {
      const s = new DebugSession(ex, { readSource: () => undefined });
      for (let i = 0; i < ex.length; i++) {
        const stop = (await s.execute(`goto ${i}`)).stop;
        assert.equal(stop?.index, i, `${name}: goto ${i}`);
        const where = (await s.execute('where')).result;
        assert.ok(where?.kind === 'where');
        const site = ex.siteOf(i)!;
        const exit = ex.kind(i) === EventKind.Exit;
        if (exit && !site.module) assert.ok(site.endLine !== undefined && site.endLine >= site.line, `${name}: ${site.functionName} knows where it ends`);
        const line = exit ? (site.endLine ?? site.line) : site.line;
        assert.deepEqual(
          { index: where.position.index, file: where.position.file, line: where.position.line, function: where.position.function },
          { index: i, file: site.file, line, function: site.functionName },
          `${name}: where after goto ${i}`,
        );
      }
    }
  });

  it('the backtrace at any event is its frame and its callers, each caller at the event that called the frame below', () => {
    everywhere((ex, i) => {
      const bt = new Cursor(ex, i).backtrace();
      assert.deepEqual(bt.map((b) => b.frame), ex.stackAt(i));
      assert.equal(bt[0]!.index, i);
      for (let k = 1; k < bt.length; k++) {
        assert.equal(bt[k]!.index, ex.frameCall(bt[k - 1]!.frame));
        assert.equal(ex.frame(bt[k]!.index), bt[k]!.frame, 'the call site is an event of the caller');
        assert.ok(bt[k]!.index < bt[k - 1]!.enterIndex);
      }
      assert.equal(ex.frameParent(bt.at(-1)!.frame), -1);
    });
  });

  it('random sessions: every command stops inside the trace, and each move undone by its reverse returns where it started (fast-check)', () => {
    const command = fc.constantFrom('step', 'next', 'finish', 'continue', 'reverse-step', 'reverse-next', 'reverse-finish', 'reverse-continue', 'goto');
    fc.assert(
      fc.property(fc.nat({ max: traces.length - 1 }), fc.nat(), fc.array(fc.tuple(command, fc.nat()), { minLength: 1, maxLength: 40 }), fc.nat(), (t, start, commands, bp) => {
        const { ex } = traces[t]!;
        const c = new Cursor(ex, start % ex.length);
        // a breakpoint on the line of some statement of the trace, and on the function of some frame
        const stmts = indices(ex, EventKind.Statement);
        const at = ex.siteOf(stmts[bp % stmts.length]!)!;
        c.addBreakpoint({ file: at.file, line: at.line });
        c.addBreakpoint({ function: ex.siteOf(ex.frameEnter(ex.frame(stmts[(bp >> 3) % stmts.length]!)))!.functionName });
        for (const [cmd, arg] of commands) {
          const from = c.index;
          const fromReturned = c.returned;
          const fromFrame = c.frame;
          const reverse = cmd.startsWith('reverse-');
          const d = reverse ? 'reverse' : 'forward';
          const name = reverse ? cmd.slice('reverse-'.length) : cmd;
          const s =
            name === 'step' ? c.step(d) : name === 'next' ? c.next(d) : name === 'finish' ? c.finish(d) : name === 'continue' ? c.continue(d) : c.goto(arg % ex.length);
          assert.ok(s.index >= 0 && s.index < ex.length);
          assert.equal(c.index, s.index);
          if (s.reason === 'breakpoint') assert.ok(reverse ? s.index < from : s.index > from);
          // step is undone by reverse-step from a statement, an entry or a return; next by reverse-next within a frame
          const isStop = ex.kind(from) === EventKind.Statement || ex.kind(from) === EventKind.Enter || fromReturned;
          const undo = new Cursor(ex);
          undo.goto(s.index, s.returned === true);
          if (name === 'step' && s.reason === 'step' && isStop) {
            const back = undo.step(reverse ? 'forward' : 'reverse');
            assert.deepEqual([back.index, back.returned === true], [from, fromReturned]);
          }
          if (name === 'next' && s.reason === 'step' && ex.kind(from) === EventKind.Statement && !fromReturned && !s.returned && fromFrame === c.frame) {
            assert.equal(undo.next(reverse ? 'forward' : 'reverse').index, from);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
