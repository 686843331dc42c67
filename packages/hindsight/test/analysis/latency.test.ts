/**
 * Latency analysis, specified on hand-built executions of a service whose every duration is a
 * whole number of milliseconds: what a request is, the figures per entry point, and what makes the
 * slow tail slow.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainTail, histogram, latency, percentile, requests } from '../../src/analysis/index.js';
import { HindsightError } from '../../src/common/index.js';
import { EventKind } from '../../src/trace/index.js';
import { S, ServiceTrace, flushingService } from './service-trace.js';

describe('requests: the root async activations of an execution', () => {
  it('a request is an activation the event loop started; an awaited async call is part of its caller', () => {
    const ex = new ServiceTrace().handle(3).idle(1).health(2).build();
    const list = requests(ex);
    assert.deepEqual(
      list.map((r) => [r.entry, r.start, r.end, r.duration, r.complete]),
      [
        ['handle', 0, 3, 3, true],
        ['health', 4, 6, 2, true],
      ],
      '`get`, awaited by `handle`, is not a request of its own',
    );
  });

  it('a handler that a synchronous callback (a router) started without awaiting is a request from the start of that callback, which is not one itself; what an async handler fires is a request of its own', () => {
    const ex = new ServiceTrace().routed(4, 7).build();
    assert.deepEqual(
      requests(ex).map((r) => [r.entry, r.start, r.duration, r.dispatch !== -1]),
      [
        ['handle', 0, 4, true],
        ['audit', 4, 7, false],
      ],
      '`route` returns at once, its `handle` spans its await of `get`; `audit`, fired by `handle`, outlives it',
    );
  });

  it('async calls made by a callback that returns at once (`Promise.all(keys.map((k) => get(k)))`) are part of the request that awaits them, not requests of their own', () => {
    const ex = new ServiceTrace().both(3, 5).idle(1).handle(2).build();
    assert.deepEqual(
      requests(ex).map((r) => [r.entry, r.start, r.duration]),
      [
        ['both', 0, 5],
        ['handle', 6, 2],
      ],
      "each `get` outlives the callback that called it, not `both`, whose activation called it",
    );
  });

  it('an async call an async function returns (`return get(key)`) is part of its request, which goes on until that call ends; so is one returned down a chain of them', () => {
    const ex = new ServiceTrace().relay(4).idle(1).relay(3, 2).idle(1).handle(2).build();
    assert.deepEqual(
      requests(ex).map((r) => [r.entry, r.start, r.duration, r.complete]),
      [
        ['relay', 0, 4, true],
        ['hop', 5, 3, true],
        ['handle', 9, 2, true],
      ],
      '`get` outlives `relay`, whose promise follows it: not a request of its own',
    );
    // the trace ends while what `relay` returned still waits: the request is not whole
    const unfinished = new ServiceTrace();
    unfinished.relayReturned();
    assert.deepEqual(requests(unfinished.build()).map((r) => [r.entry, r.complete]), [['relay', false]]);
  });

  it('a partial trace still works: requests the trace began or ended inside are marked incomplete and kept out of the figures', () => {
    const ex = new ServiceTrace().tailOfHandle().idle(1).handle(2).idle(1).unfinishedHandle().build();
    assert.deepEqual(
      requests(ex).map((r) => [r.entry, r.complete]),
      [
        ['handle', false],
        ['handle', true],
        ['handle', false],
      ],
    );
    const g = latency(ex).groups[0]!;
    assert.deepEqual([g.entry, g.count, g.partial, g.max], ['handle', 1, 2, 2]);
  });

  it('a request the trace began inside a synchronous callback of goes by that callback, not by the caller it makes up for its return; what starts next may have been called by that caller, and is not counted', () => {
    const ex = new ServiceTrace(true).tailOfHealth().idle(1).handle(2).idle(1).handle(3).build();
    assert.deepEqual(
      requests(ex).map((r) => [r.entry, r.complete, r.duration]),
      [
        ['health', false, 0],
        ['handle', false, 2],
        ['handle', true, 3],
      ],
    );
  });

  it("a ring that begins just before a request's awaited call: the call is not a request of its own, its caller is lost with the rest", () => {
    const ex = new ServiceTrace(true).handleFromItsGet(5).idle(1).handle(2).build();
    assert.deepEqual(
      requests(ex).map((r) => [r.entry, r.complete]),
      [
        ['get', false],
        ['handle', false],
        ['handle', true],
      ],
    );
    assert.deepEqual(
      latency(ex).groups.map((g) => [g.entry, g.count, g.partial]),
      [['handle', 1, 1], ['get', 0, 1]],
    );
  });
});

describe('latency: per entry point, nearest-rank percentiles and a histogram', () => {
  it('groups by entry point, most requests first, with exact p50, p90, p99 and max', () => {
    const report = latency(flushingService());
    assert.equal(report.requests, 25);
    assert.equal(report.partial, 0);
    const [handle, health] = report.groups;
    // sorted handle durations: 1,1,2,2,...,9,9,25,26
    assert.deepEqual(
      { entry: handle!.entry, count: handle!.count, min: handle!.min, p50: handle!.p50, p90: handle!.p90, p99: handle!.p99, max: handle!.max },
      { entry: 'handle', count: 20, min: 1, p50: 5, p90: 9, p99: 26, max: 26 },
    );
    assert.equal(handle!.mean, (2 * 45 + 25 + 26) / 20);
    assert.deepEqual([health!.entry, health!.count, health!.p50, health!.p99, health!.max], ['health', 5, 1, 1, 1]);
  });

  it("the histogram's buckets follow a 1-2-5 scale from the fastest to past the slowest request, empty buckets kept", () => {
    const handle = latency(flushingService()).groups[0]!;
    assert.deepEqual(handle.histogram, [
      { from: 1, to: 2, count: 2 },
      { from: 2, to: 5, count: 6 },
      { from: 5, to: 10, count: 10 },
      { from: 10, to: 20, count: 0 },
      { from: 20, to: 50, count: 2 },
    ]);
    assert.deepEqual(histogram([0.0004, 0.003]), [
      { from: 0, to: 0.001, count: 1 },
      { from: 0.001, to: 0.002, count: 0 },
      { from: 0.002, to: 0.005, count: 1 },
    ]);
  });

  it('percentiles are nearest-rank: always one of the values', () => {
    const values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    assert.deepEqual([percentile(values, 50), percentile(values, 90), percentile(values, 99), percentile(values, 100)], [50, 90, 100, 100]);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});

describe('explainTail: what the slow requests do that the typical ones do not', () => {
  it('the slow requests call `flush` before `get`: it leads the ranking with the 20 ms it adds', () => {
    const why = explainTail(flushingService(), 'handle');
    assert.deepEqual([why.slow.count, why.slow.meanDuration, why.typical.count, why.typical.meanDuration], [2, 25.5, 10, 3], 'the slowest tenth against the fastest half');
    assert.equal(why.addedTime, 22.5);
    assert.deepEqual(why.paths[0], { path: ['handle', 'flush'], slow: { calls: 1, time: 20 }, typical: { calls: 0, time: 0 }, addedTime: 20, addedCalls: 1, before: 'get' });
    assert.deepEqual(why.paths[1], { path: ['handle', 'get'], slow: { calls: 1, time: 5.5 }, typical: { calls: 1, time: 3 }, addedTime: 2.5, addedCalls: 0 });
    assert.equal(why.summary, 'the slow requests call `flush` before `get` (1 time per request; typical ones never do), adding 20 ms of the 22.5 ms they take longer');
  });

  it('when the slow requests make the same calls, it says which one takes longer', () => {
    const s = new ServiceTrace();
    for (let i = 1; i <= 10; i++) s.handle(i === 10 ? 40 : 2).idle(1);
    const why = explainTail(s.build(), 'handle');
    assert.equal(why.summary, 'the slow requests spend longer in `get` for the same calls, adding 38 ms of the 38 ms they take longer');
  });

  it('an inline callback on a call path goes by where it is defined, as an entry point does: two are told apart', () => {
    const s = new ServiceTrace();
    for (let i = 1; i <= 10; i++) s.both(2, i === 10 ? 30 : 1).idle(1);
    const why = explainTail(s.build(), 'both');
    const paths = why.paths.map((p) => p.path.join(' > '));
    assert.ok(paths.includes('both > <anonymous> service.ts:26 > get'), paths.join('\n'));
    assert.ok(!paths.some((p) => / <anonymous>( >|$)/.test(p)), 'no callback goes by `<anonymous>` alone');
  });

  it('calls in flight together count once: two `get`s of 30 ms awaited with `Promise.all` take 30 ms of the request, not 60', () => {
    const s = new ServiceTrace();
    for (let i = 1; i <= 10; i++) s.both(2, i === 10 ? 30 : 1).idle(1);
    const get = explainTail(s.build(), 'both').paths.find((p) => p.path.at(-1) === 'get')!;
    assert.deepEqual([get.slow, get.typical], [{ calls: 2, time: 30 }, { calls: 2, time: 1 }]);
  });

  it('calls of one path in flight together count once even when a later call of it started first (`get` 1 calls `flush` after `get` 2 did)', () => {
    const s = new ServiceTrace();
    const at = (t: number, ...events: [EventKind, number, number][]) => {
      for (const [kind, site, act] of events) s.b.append(kind, site, act, t);
    };
    const [both, get1, get2, flush2, flush1] = [1, 2, 3, 4, 5];
    at(0, [EventKind.Enter, S.BOTH, both], [EventKind.Enter, S.BOTH_MAP, both], [EventKind.Enter, S.GET, get1], [EventKind.Suspend, S.GET_AWAIT, get1], [EventKind.Exit, S.BOTH_MAP, both]);
    at(0, [EventKind.Enter, S.BOTH_MAP, both], [EventKind.Enter, S.GET, get2], [EventKind.Enter, S.FLUSH, flush2], [EventKind.Suspend, S.FLUSH_AWAIT, flush2], [EventKind.Suspend, S.GET_AWAIT, get2], [EventKind.Exit, S.BOTH_MAP, both], [EventKind.Suspend, S.BOTH_AWAIT, both]);
    at(5, [EventKind.Resume, S.GET_AWAIT, get1], [EventKind.Enter, S.FLUSH, flush1], [EventKind.Suspend, S.FLUSH_AWAIT, flush1], [EventKind.Suspend, S.GET_AWAIT, get1]);
    at(10, [EventKind.Resume, S.FLUSH_AWAIT, flush2], [EventKind.Exit, S.FLUSH, flush2], [EventKind.Resume, S.GET_AWAIT, get2], [EventKind.Exit, S.GET, get2]);
    at(15, [EventKind.Resume, S.FLUSH_AWAIT, flush1], [EventKind.Exit, S.FLUSH, flush1], [EventKind.Resume, S.GET_AWAIT, get1], [EventKind.Exit, S.GET, get1], [EventKind.Resume, S.BOTH_AWAIT, both], [EventKind.Exit, S.BOTH, both]);
    const times = explainTail(s.build(), 'both').paths.map((p) => `${p.path.at(-1)}: ${p.slow.calls} calls, ${p.slow.time} ms`);
    assert.deepEqual(times.filter((t) => !t.startsWith('<')), ['get: 2 calls, 15 ms', 'flush: 2 calls, 15 ms'], 'flush ran from 0 to 10 and from 5 to 15');
  });

  it("a function the recorder demoted is gone through, not named: requests before and after its demotion take the same paths", () => {
    const s = new ServiceTrace();
    for (let i = 1; i <= 10; i++) s.both(2, i === 10 ? 30 : 1, { demoted: i > 4 }).idle(1);
    const ex = s.build();
    const paths = (demoted?: Set<number>) => explainTail(ex, 'both', { demoted }).paths.map((p) => `${p.path.join(' > ')}: ${p.slow.calls} slow, ${p.typical.calls} typical`);
    assert.deepEqual(paths(new Set([S.BOTH_MAP])), ['both > get: 2 slow, 2 typical']);
    assert.deepEqual(paths(), ['both > get: 2 slow, 0.4 typical', 'both > <anonymous> service.ts:26: 0 slow, 1.6 typical', 'both > <anonymous> service.ts:26 > get: 0 slow, 1.6 typical'], 'named, the callback splits the calls of `get` in two');
  });

  it('when no traced call explains it, it says the time is spent in the entry point itself', () => {
    const s = new ServiceTrace();
    for (let i = 1; i <= 10; i++) s.health(i === 10 ? 30 : 1).idle(1);
    assert.equal(explainTail(s.build(), 'health').summary, 'the slow requests spend the 29 ms they take longer in `health` itself (its own code, or awaits of code that is not traced)');
  });

  it('explains a trace of 400,000 requests, as a full ring of a busy service holds (no argument list as long as the requests)', () => {
    const s = new ServiceTrace();
    for (let i = 0; i < 400_000; i++) s.health(i % 10 === 9 ? 5 : 1).idle(1);
    const why = explainTail(s.build(), 'health');
    assert.deepEqual([why.slow.count, why.slow.minDuration, why.slow.maxDuration, why.typical.count, why.typical.maxDuration], [40_000, 5, 5, 200_000, 1]);
  });

  it('calls that became requests of their own do not count against their caller', () => {
    const why = explainTail(new ServiceTrace().routed(4, 50).idle(1).routed(2, 1).build(), 'handle');
    assert.deepEqual(why.paths.map((p) => p.path.join(' > ')), ['handle > get'], '`audit` outlives `handle`: it is not in its call tree');
  });

  it('bad input: an unknown group names the known ones; a trace with no complete request says what to do', () => {
    assert.throws(
      () => explainTail(flushingService(), 'checkout'),
      (e: unknown) => HindsightError.is(e, 'HS_E_UNKNOWN_GROUP') && e.message === 'no complete request enters at "checkout"; the entry points are: handle, health',
    );
    assert.throws(() => explainTail(new ServiceTrace().unfinishedHandle().build(), 'handle'), (e: unknown) => HindsightError.is(e, 'HS_E_NO_REQUESTS'));
  });
});
