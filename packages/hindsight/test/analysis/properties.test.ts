/**
 * Properties over random traces (the trace model's generator, whole or sliced as a ring buffer
 * slices them, and arbitrary event soup): the analysis never fails, and its exports always satisfy
 * what trace viewers demand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { chromeTrace, explainTail, isRootActivation, latency, profile, requests, speedscope } from '../../src/analysis/index.js';
import { EventKind, ExecutionBuilder, type Execution } from '../../src/trace/index.js';
import { build, generate, siteTable } from '../trace/generate.js';
import { assertChromeBalanced, assertSpeedscopeBalanced } from './viewers.js';

const choices = fc.array(fc.nat({ max: 1 << 16 }), { maxLength: 300 });

/** A generated trace, or a slice of it (the trace starts and ends mid-program). */
const traces = fc.tuple(choices, fc.nat(), fc.nat()).map(([cs, a, b]) => {
  const g = generate(cs);
  const n = g.events.length;
  const from = n === 0 ? 0 : a % n;
  const to = from + (n === 0 ? 0 : b % (n - from + 1));
  return build(g.events, from, to);
});

/** Arbitrary events: unknown kinds, unknown sites, returns with no calls. */
const soup = fc.array(fc.tuple(fc.nat({ max: 9 }), fc.nat({ max: 40 }), fc.nat({ max: 3 }), fc.double({ min: 0, max: 1e6, noNaN: true }))).map((rows) => {
  const b = new ExecutionBuilder(siteTable());
  for (const [k, s, act, t] of rows) b.append(k as EventKind, s, act, t);
  return b.build();
});

function checkAnalysis(ex: Execution): void {
  const list = requests(ex);
  for (const r of list) {
    assert.ok(isRootActivation(ex, r.frame));
    assert.ok(r.end >= r.start && r.duration === r.end - r.start);
    if (r.complete) assert.ok(!ex.frameSynthetic(r.frame) && ex.frameExit(r.frame) !== -1);
  }
  const report = latency(ex, { requests: list });
  assert.equal(report.requests + report.partial, list.length);
  for (const g of report.groups) {
    assert.equal(g.histogram.reduce((s, b) => s + b.count, 0), g.count);
    if (g.count === 0) continue;
    assert.ok(g.min <= g.p50 && g.p50 <= g.p90 && g.p90 <= g.p99 && g.p99 <= g.max);
    const why = explainTail(ex, g.entry, { requests: list });
    for (const p of why.paths) assert.equal(p.addedTime, p.slow.time - p.typical.time);
  }
}

function checkExports(ex: Execution): void {
  const chrome = chromeTrace(ex);
  assertChromeBalanced(chrome);
  assert.equal(chrome.traceEvents.filter((e) => e.ph === 'B').length, ex.frameCount, 'one B per frame');
  const ss = speedscope(ex);
  assertSpeedscopeBalanced(ss);
  assert.equal(ss.profiles.reduce((s, p) => s + p.events.length, 0), 2 * ex.frameCount, 'one open and one close per frame');
}

describe('analysis properties on random traces', () => {
  it('requests, latency and the tail explanation never fail, and their figures are consistent', () => {
    fc.assert(fc.property(traces, checkAnalysis), { numRuns: 300 });
    fc.assert(fc.property(soup, checkAnalysis), { numRuns: 300 });
  });

  it('every export is balanced per lane, in time order, with one open and one close per frame', () => {
    fc.assert(fc.property(traces, checkExports), { numRuns: 300 });
    fc.assert(fc.property(soup, checkExports), { numRuns: 300 });
  });

  it('the profile never fails: self times add up to the time traced code ran, within the trace’s span; a total holds its self time; calls are the entries', () => {
    const check = (ex: Execution) => {
      const p = profile(ex);
      const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
      assert.ok(close(p.functions.reduce((sum, f) => sum + f.self, 0), p.running));
      assert.ok(p.running <= p.span + 1e-6 && p.span >= 0, `${p.running} ms ran in a span of ${p.span} ms`);
      let entries = 0;
      for (let i = 0; i < ex.length; i++) if (ex.kinds[i] === EventKind.Enter) entries++;
      assert.ok(p.functions.reduce((sum, f) => sum + f.calls, 0) <= entries);
      for (const f of p.functions) assert.ok(f.self >= 0 && f.total >= f.self - 1e-6 && f.total <= p.running + 1e-6, JSON.stringify(f));
    };
    fc.assert(fc.property(traces, check), { numRuns: 300 });
    fc.assert(fc.property(soup, check), { numRuns: 300 });
  });

  it('Execution.times(from, to) gives the same times as time(i), in one pass', () => {
    fc.assert(
      fc.property(traces, fc.nat(), fc.nat(), (ex, a, b) => {
        const from = ex.length ? a % ex.length : 0;
        const to = from + (ex.length ? b % (ex.length - from + 1) : 0);
        const times = ex.times(from, to);
        assert.equal(times.length, to - from);
        times.forEach((t, k) => assert.equal(t, ex.time(from + k)));
      }),
      { numRuns: 200 },
    );
  });
});
