import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EventKind, ExecutionBuilder, SiteTable, type Execution } from '../../src/trace/index.js';
import { generate, siteTable } from './generate.js';
import { snapshot } from './snapshot.js';

interface Row {
  kind: number;
  site: number;
  activation: number;
  time: number;
}

/** The events through append, one call each. */
function perEvent(sites: SiteTable, rows: readonly Row[], capacity?: number): Execution {
  const b = new ExecutionBuilder(sites, capacity === undefined ? {} : { capacity });
  for (const r of rows) b.append(r.kind as EventKind, r.site, r.activation, r.time);
  return b.build();
}

/** The same events through appendColumns, in pieces cut at `cuts`, some of them through append (the two mix). */
function columnar(sites: SiteTable, rows: readonly Row[], cuts: number[], capacity?: number): Execution {
  const b = new ExecutionBuilder(sites, capacity === undefined ? {} : { capacity });
  const n = rows.length;
  const kinds = new Uint8Array(n + 3);
  const ids = new Uint32Array(n + 3);
  const acts = new Uint32Array(n + 3);
  const times = new Float64Array(n + 3);
  // the columns start 3 places in: appendColumns reads from..to only
  rows.forEach((r, i) => {
    kinds[i + 3] = r.kind;
    ids[i + 3] = r.site;
    acts[i + 3] = r.activation;
    times[i + 3] = r.time;
  });
  const bounds = [...new Set([0, n, ...cuts.map((c) => c % (n + 1))])].sort((x, y) => x - y);
  for (let j = 0; j + 1 < bounds.length; j++) {
    const [from, to] = [bounds[j]!, bounds[j + 1]!];
    if (j % 3 === 2) for (let i = from; i < to; i++) b.append(rows[i]!.kind as EventKind, rows[i]!.site, rows[i]!.activation, rows[i]!.time);
    else b.appendColumns(kinds, ids, acts, times, from + 3, to + 3);
  }
  return b.build();
}

/**
 * The same events through takeColumns: in columns of their own (taken over), in views of larger
 * buffers as a ring reader leaves them (`spare` more slots: taken over when few, else copied), or
 * after `head` events appended one by one (copied).
 */
function taken(sites: SiteTable, rows: readonly Row[], spare: number, head: number, capacity?: number): Execution {
  const b = new ExecutionBuilder(sites, capacity === undefined ? {} : { capacity });
  const h = Math.min(head, rows.length);
  for (const r of rows.slice(0, h)) b.append(r.kind as EventKind, r.site, r.activation, r.time);
  const n = rows.length - h;
  const kinds = new Uint8Array(n + spare).subarray(0, n);
  const ids = new Uint32Array(n + spare).subarray(0, n);
  const acts = new Uint32Array(n + spare).subarray(0, n);
  const times = new Float64Array(n + spare).subarray(0, n);
  rows.slice(h).forEach((r, i) => {
    kinds[i] = r.kind;
    ids[i] = r.site;
    acts[i] = r.activation;
    times[i] = r.time;
  });
  b.takeColumns(kinds, ids, acts, times);
  return b.build();
}

/** What an Execution of many events holds, cheaper to compare than its snapshot (whose stacks are a walk per event). */
function whole(ex: Execution): unknown {
  const frames = Array.from({ length: ex.frameCount }, (_, f) => f);
  return {
    kinds: Array.from(ex.kinds),
    siteIds: Array.from(ex.siteIds),
    frames: Array.from(ex.frames),
    times: Array.from(ex.times(0, ex.length)),
    frameInfo: frames.map((f) => ex.frameInfo(f)),
    frameEvents: frames.map((f) => Array.from(ex.frameEvents(f))),
    occurrences: Array.from({ length: ex.sites.size }, (_, s) => [Array.from(ex.siteOccurrences(s)), Array.from(ex.functionOccurrences(s))]),
  };
}

describe('ExecutionBuilder.appendColumns and takeColumns', () => {
  const cuts = fc.array(fc.nat(), { maxLength: 6 });
  const capacity = fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined });

  it('builds the Execution that append builds, on random programs with async activations, and on slices of them (partial traces)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1 << 16 }), { maxLength: 400 }), fc.nat(), fc.nat(), cuts, capacity, fc.array(fc.nat({ max: 3000 })), (cs, a, b, cut, cap, gaps) => {
        const g = generate(cs);
        const from = g.events.length === 0 ? 0 : a % g.events.length;
        const to = from + (g.events.length === 0 ? 0 : b % (g.events.length - from + 1));
        let t = 1_700_000_000_000;
        const rows = g.events.slice(from, to).map((e, i) => ({ ...e, time: (t += (gaps[i % Math.max(1, gaps.length)] ?? 1) / 1000) }));
        const sites = siteTable();
        const expected = snapshot(perEvent(sites, rows, cap));
        assert.deepEqual(snapshot(columnar(sites, rows, cut, cap)), expected);
        assert.deepEqual(snapshot(taken(sites, rows, a % 3 === 0 ? rows.length : a % 4, b % 5 === 0 ? b % 7 : 0, cap)), expected, 'takeColumns');
      }),
      { numRuns: 150 },
    );
  });

  it('builds the Execution that append builds on programs longer than the chunks appendColumns appends a call (2^16 events), whole or cut anywhere', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1 << 16 }), { minLength: 20, maxLength: 40 }), fc.nat(), (seed, cut) => {
        // a program of some 140,000 events: the choices repeat with a twist each round
        const g = generate(Array.from({ length: 140_000 }, (_, i) => (seed[i % seed.length]! + Math.floor(i / seed.length) * 7919) % 65536));
        let t = 1_700_000_000_000;
        const rows = g.events.map((e, i) => ({ ...e, time: (t += (i % 5) / 1000) }));
        assert.ok(rows.length > 2 << 16, `${rows.length} events`);
        const sites = siteTable();
        const expected = whole(perEvent(sites, rows));
        assert.deepEqual(whole(taken(sites, rows, 0, 0)), expected, 'takeColumns');
        assert.deepEqual(whole(columnar(sites, rows, [cut, (1 << 16) + 1])), expected, 'appendColumns');
      }),
      { numRuns: 2 },
    );
  });

  it('builds the Execution that append builds on arbitrary events: unknown kinds, sites beyond the table, odd times and 32-bit gaps', () => {
    const time = fc.oneof(fc.double(), fc.integer({ min: 0, max: 1e7 }), fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 33, 2 ** 52));
    // ids from 2^24 on are not indexed; the largest one that is gets a test of its own (its per-site indexes are that large)
    const site = fc.oneof(fc.nat({ max: 40 }), fc.constantFrom(0xffffffff, 2 ** 31, 1 << 24, 5000));
    const row = fc.record({ kind: fc.nat({ max: 15 }), site, activation: fc.oneof(fc.nat({ max: 3 }), fc.constant(0xffffffff)), time });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 300 }), cuts, capacity, (rows, cut, cap) => {
        const sites = siteTable();
        const expected = snapshot(perEvent(sites, rows, cap));
        assert.deepEqual(snapshot(columnar(sites, rows, cut, cap)), expected);
        assert.deepEqual(snapshot(taken(sites, rows, (cut[0] ?? 0) % 3, (cut[1] ?? 0) % 4, cap)), expected, 'takeColumns');
      }),
      { numRuns: 150 },
    );
  });

  it('indexes the events at every site id below 2^24, however far beyond the table, and none from 2^24 on', () => {
    const largest = (1 << 24) - 1;
    const rows = [largest, 1 << 24, largest, 3].map((site, i) => ({ kind: EventKind.Statement, site, activation: 1, time: i }));
    const sites = siteTable();
    const ex = perEvent(sites, rows);
    assert.deepEqual(Array.from(ex.siteOccurrences(largest)), [0, 2]);
    assert.deepEqual(Array.from(ex.siteOccurrences(1 << 24)), []);
    assert.deepEqual(Array.from(ex.siteOccurrences(3)), [3]);
    assert.deepEqual(snapshot(columnar(sites, rows, [2])), snapshot(ex));
    assert.deepEqual(snapshot(taken(sites, rows, 0, 1)), snapshot(ex), 'takeColumns');
  });

  it('builds the Execution that append builds on arbitrary events at generator sites (runs of a generator are frames from Resume to Suspend)', () => {
    // sites 0-7: generator functions, 8-15: yields, 16-23: awaits, 24-31: statements
    const kinds = ['function', 'yield', 'await', 'statement'] as const;
    const sites = new SiteTable(Array.from({ length: 32 }, (_, id) => ({ kind: kinds[id >> 3]!, file: 'g.ts', line: id + 1, column: 1, functionName: `g${id & 7}`, ...(id < 8 ? { generator: true } : {}) })));
    const row = fc.record({ kind: fc.nat({ max: 6 }), site: fc.nat({ max: 35 }), activation: fc.nat({ max: 3 }), time: fc.integer({ min: 0, max: 1e6 }) });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 300 }), cuts, capacity, (rows, cut, cap) => {
        assert.deepEqual(snapshot(columnar(sites, rows, cut, cap)), snapshot(perEvent(sites, rows, cap)));
      }),
      { numRuns: 150 },
    );
  });

  it('takes columns over without copying them, and copies views of much larger buffers', () => {
    const g = generate(Array.from({ length: 500 }, (_, i) => (i * 7919) % 65536));
    const n = g.events.length;
    const columns = (spare: number) => {
      const c = { kinds: new Uint8Array(n + spare).subarray(0, n), ids: new Uint32Array(n + spare).subarray(0, n), acts: new Uint32Array(n + spare).subarray(0, n), times: new Float64Array(n + spare).subarray(0, n) };
      g.events.forEach((e, i) => {
        c.kinds[i] = e.kind;
        c.ids[i] = e.site;
        c.acts[i] = e.activation;
        c.times[i] = i * 0.5;
      });
      return c;
    };
    const own = columns(1);
    const ex = new ExecutionBuilder(siteTable()).takeColumns(own.kinds, own.ids, own.acts, own.times).build();
    assert.equal(ex.kinds, own.kinds);
    assert.equal(ex.siteIds, own.ids);
    assert.equal(ex.frames.buffer, own.acts.buffer);
    assert.equal(ex.frameEvents(0).buffer, own.times.buffer, 'the frame lists are in the times column read');
    const big = columns(n);
    const copied = new ExecutionBuilder(siteTable()).takeColumns(big.kinds, big.ids, big.acts, big.times).build();
    assert.notEqual(copied.kinds.buffer, big.kinds.buffer);
    assert.notEqual(copied.frames.buffer, big.acts.buffer);
    assert.deepEqual(snapshot(copied), snapshot(ex));
  });

  it('fills exactly the capacity it was given, or grows past it, with the same result', () => {
    const g = generate(Array.from({ length: 2000 }, (_, i) => (i * 7919) % 65536));
    const rows = g.events.map((e, i) => ({ ...e, time: i * 0.25 }));
    const sites = siteTable();
    const expected = snapshot(perEvent(sites, rows));
    for (const cap of [rows.length, rows.length - 1, rows.length + 1, 16, rows.length * 4]) {
      assert.deepEqual(snapshot(columnar(sites, rows, [], cap)), expected, `capacity ${cap}`);
      assert.deepEqual(snapshot(columnar(sites, rows, [1, 500, 501, 1500], cap)), expected, `capacity ${cap}, in pieces`);
      assert.deepEqual(snapshot(taken(sites, rows, 0, 0, cap)), expected, `capacity ${cap}, taken over`);
    }
  });
});
