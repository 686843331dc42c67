import { Cursor, type Direction } from 'hindsight/timetravel';
import { EventKind, ExecutionBuilder, SiteTable, type Execution, type Site } from 'hindsight/trace';
import { median, round, type Benchmark, type Measure } from './harness.js';

const BIG = 10_000_000;
const SMALL = 100_000;
const STARTS = 301;
const FUNCTIONS = 1000;
const STATEMENTS = 8;
const LANES = 16;

const fnSite = (fn: number) => fn;
const stSite = (fn: number, k: number) => FUNCTIONS + fn * STATEMENTS + k;
const awaitSite = (fn: number) => FUNCTIONS * (1 + STATEMENTS) + fn;
const branchSite = (fn: number) => FUNCTIONS * (2 + STATEMENTS) + fn;

function siteTable(): SiteTable {
  const sites: Site[] = [];
  for (let fn = 0; fn < FUNCTIONS; fn++) {
    const file = `src/m${fn % 50}.ts`;
    const base = (fn / 50) * 40;
    sites[fnSite(fn)] = { kind: 'function', file, line: base + 1, column: 1, functionName: `f${fn}` };
    for (let k = 0; k < STATEMENTS; k++) sites[stSite(fn, k)] = { kind: 'statement', file, line: base + 2 + k, column: 3, functionName: `f${fn}` };
    sites[awaitSite(fn)] = { kind: 'await', file, line: base + 12, column: 9, functionName: `f${fn}` };
    sites[branchSite(fn)] = { kind: 'branch', file, line: base + 13, column: 5, functionName: `f${fn}` };
  }
  return new SiteTable(sites);
}

interface Raw {
  kinds: Uint8Array;
  sites: Uint32Array;
  acts: Uint32Array;
  times: Float64Array;
}

/**
 * A synthetic service: LANES concurrent requests, each its own async activation, calling into
 * 1000 functions up to 40 deep (with recursion), awaiting, throwing, and finishing to make room
 * for new requests. Deterministic (xorshift).
 */
function synthesize(n: number): Raw {
  let seed = 0x9e3779b9;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const raw: Raw = { kinds: new Uint8Array(n), sites: new Uint32Array(n), acts: new Uint32Array(n), times: new Float64Array(n) };
  let i = 0;
  let t = 0;
  const put = (kind: EventKind, site: number, act: number) => {
    raw.kinds[i] = kind;
    raw.sites[i] = site;
    raw.acts[i] = act;
    raw.times[i] = t += 0.001 * (1 + (rand() % 3));
    i++;
  };
  let nextAct = 1;
  const lanes = Array.from({ length: LANES }, () => ({ act: 0, stack: [] as number[] }));
  const start = (lane: { act: number; stack: number[] }) => {
    lane.act = nextAct++;
    const fn = rand() % FUNCTIONS;
    lane.stack = [fn];
    put(EventKind.Enter, fnSite(fn), lane.act);
  };
  let cur = 0;
  start(lanes[0]!);
  const started = new Set([0]);
  while (i < n - 2) {
    const lane = lanes[cur]!;
    const top = lane.stack[lane.stack.length - 1]!;
    const r = rand() % 100;
    if (r < 55) put(EventKind.Statement, stSite(top, rand() % STATEMENTS), lane.act);
    else if (r < 72 && lane.stack.length < 40) {
      const fn = rand() % 4 === 0 ? top : rand() % FUNCTIONS; // some recursion
      lane.stack.push(fn);
      put(EventKind.Enter, fnSite(fn), lane.act);
    } else if (r < 89 && lane.stack.length > 1) {
      put(r < 88 ? EventKind.Exit : EventKind.Throw, fnSite(top), lane.act);
      lane.stack.pop();
    } else if (r < 94) put(EventKind.Branch, branchSite(top), lane.act);
    else if (r < 99) {
      put(EventKind.Suspend, awaitSite(top), lane.act);
      cur = rand() % LANES;
      const next = lanes[cur]!;
      if (!started.has(cur)) {
        started.add(cur);
        start(next);
      } else put(EventKind.Resume, awaitSite(next.stack[next.stack.length - 1]!), next.act);
    } else if (lane.stack.length === 1) {
      put(EventKind.Exit, fnSite(top), lane.act); // the request ends; a new one takes its lane
      start(lane);
    } else put(EventKind.Statement, stSite(top, 0), lane.act);
  }
  return { kinds: raw.kinds.subarray(0, i), sites: raw.sites.subarray(0, i), acts: raw.acts.subarray(0, i), times: raw.times.subarray(0, i) };
}

function buildExecution(raw: Raw, sites: SiteTable): { ex: Execution; ms: number } {
  const t0 = performance.now();
  const b = new ExecutionBuilder(sites);
  const { kinds, sites: s, acts, times } = raw;
  for (let i = 0; i < kinds.length; i++) b.append(kinds[i] as EventKind, s[i]!, acts[i]!, times[i]!);
  const ex = b.build();
  return { ex, ms: performance.now() - t0 };
}

type Command = (c: Cursor, ex: Execution, rand: () => number) => unknown;
const dir = (reverse: boolean): Direction => (reverse ? 'reverse' : 'forward');
const COMMANDS: [string, Command][] = [
  ['step', (c) => c.step()],
  ['reverse_step', (c) => c.step(dir(true))],
  ['next', (c) => c.next()],
  ['reverse_next', (c) => c.next(dir(true))],
  ['finish', (c) => c.finish()],
  ['reverse_finish', (c) => c.finish(dir(true))],
  ['continue', (c) => c.continue()],
  ['reverse_continue', (c) => c.continue(dir(true))],
  ['goto_time', (c, ex, rand) => c.gotoTime(ex.time(0) + rand() * (ex.time(ex.length - 1) - ex.time(0)))],
  ['backtrace', (c) => c.backtrace()],
];

/** Per command, the time of each run from STARTS random starting points (after a warm-up). */
function navigate(ex: Execution): Map<string, number[]> {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const out = new Map<string, number[]>();
  const c = new Cursor(ex);
  // three function breakpoints and one line breakpoint: a hit every few thousand events
  for (const fn of [7, 300, 911]) c.addBreakpoint({ function: `f${fn}` });
  c.addBreakpoint({ file: 'src/m3.ts', line: 4 });
  for (const [name, cmd] of COMMANDS) {
    const times: number[] = [];
    for (let k = 0; k < STARTS + 20; k++) {
      c.goto(Math.floor(rand() * ex.length));
      const t0 = performance.now();
      cmd(c, ex, rand);
      const dt = performance.now() - t0;
      if (k >= 20) times.push(dt);
    }
    out.set(name, times);
  }
  return out;
}

const names = [
  'timetravel.index_events_per_s',
  'timetravel.bytes_per_event',
  'timetravel.nav_median_ms',
  ...COMMANDS.map(([c]) => `timetravel.nav.${c}_median_ms`),
  'timetravel.nav_median_100k_ms',
];

export const timetravelBenchmark: Benchmark = {
  prefix: 'timetravel.',
  names,
  async run(only) {
    const measures: Measure[] = [];
    const sites = siteTable();
    const bigNeeded = names.filter((n) => n !== 'timetravel.nav_median_100k_ms').some(only);
    if (bigNeeded) {
      const raw = synthesize(BIG);
      const { ex, ms } = buildExecution(raw, sites);
      measures.push({
        name: 'timetravel.index_events_per_s',
        value: Math.round(ex.length / (ms / 1000)),
        unit: 'events/s',
        note: `append + build (frames, call tree, per-site/function/frame occurrence lists) of a synthetic ${ex.length.toLocaleString('en')}-event execution: ${LANES} interleaved async requests, 1000 functions, depth <= 40, ${ex.frameCount.toLocaleString('en')} frames; ${Math.round(ms)} ms`,
      });
      measures.push({
        name: 'timetravel.bytes_per_event',
        value: round(ex.byteSize / ex.length, 1),
        unit: 'bytes',
        note: `columns (kind 1, site 4, frame 4, time delta 4) + per-site and per-frame occurrence lists (4 + 4) + function lists + per-frame tables (33 bytes a frame), at ${ex.length.toLocaleString('en')} events (${Math.round(ex.byteSize / 2 ** 20)} MiB)`,
      });
      const nav = navigate(ex);
      measures.push({
        name: 'timetravel.nav_median_ms',
        value: round(median([...nav.values()].flat()), 5),
        unit: 'ms',
        note: `median over ${COMMANDS.length} commands x ${STARTS} random starting points at ${ex.length.toLocaleString('en')} events (continue: 3 function + 1 line breakpoints)`,
      });
      for (const [name, times] of nav)
        measures.push({
          name: `timetravel.nav.${name}_median_ms`,
          value: round(median(times), 5),
          unit: 'ms',
          note: `${STARTS} random starting points, ${ex.length.toLocaleString('en')} events; max ${round(Math.max(...times), 3)} ms`,
        });
    }
    if (only('timetravel.nav_median_100k_ms')) {
      const { ex } = buildExecution(synthesize(SMALL), sites);
      const nav = navigate(ex);
      measures.push({
        name: 'timetravel.nav_median_100k_ms',
        value: round(median([...nav.values()].flat()), 5),
        unit: 'ms',
        note: `median over ${COMMANDS.length} commands x ${STARTS} random starting points at ${ex.length.toLocaleString('en')} events`,
      });
    }
    return measures;
  },
};
