import { explainTail, latency, profile, requests } from 'hindsight/analysis';
import { EventKind, ExecutionBuilder, SiteTable, type Execution, type Site } from 'hindsight/trace';
import { median, round, type Benchmark, type Measure } from './harness.js';

/** About 5 million events: ~50,000 requests of ~100 events each. */
const EVENTS = 5_000_000;
const RUNS = 5;
const LANES = 16;
const ENTRIES = ['getCart', 'checkout', 'search'];
const HELPERS = 40;

// sites: entry points, get, flush, helpers (function sites), then one statement and one await site per function
const FUNCTIONS = [...ENTRIES, 'get', 'flush', ...Array.from({ length: HELPERS }, (_, k) => `helper${k}`)];
const fnSite = (fn: number) => fn;
const stSite = (fn: number) => FUNCTIONS.length + fn;
const awSite = (fn: number) => 2 * FUNCTIONS.length + fn;
const GET = ENTRIES.length;
const FLUSH = GET + 1;
const HELPER0 = FLUSH + 1;

function siteTable(): SiteTable {
  const sites: Site[] = [];
  FUNCTIONS.forEach((name, fn) => {
    const file = `src/${fn < HELPER0 ? 'routes' : 'lib'}.ts`;
    sites[fnSite(fn)] = { kind: 'function', file, line: fn * 10 + 1, column: 1, functionName: name };
    sites[stSite(fn)] = { kind: 'statement', file, line: fn * 10 + 2, column: 3, functionName: name };
    sites[awSite(fn)] = { kind: 'await', file, line: fn * 10 + 3, column: 9, functionName: name };
  });
  return new SiteTable(sites);
}

/**
 * Returns a maker of fresh Executions (each analysis starts cold: nothing cached) of a service under load: LANES requests in flight, each an async entry point that runs a few
 * layers of sync helpers, awaits `get` (about 1 ms), and one request in ten first awaits `flush`
 * (20 ms). The lane whose await ends first runs next; deterministic (xorshift).
 */
function synthesize(): () => Execution {
  let seed = 0x2545f491;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const raw = { kinds: new Uint8Array(EVENTS + 64), sites: new Uint32Array(EVENTS + 64), acts: new Uint32Array(EVENTS + 64), times: new Float64Array(EVENTS + 64) };
  let n = 0;
  let t = 0;
  let nextAct = 1;
  const put = (kind: EventKind, site: number, act: number) => {
    t += 0.001;
    raw.kinds[n] = kind;
    raw.sites[n] = site;
    raw.acts[n] = act;
    raw.times[n++] = t;
  };
  const helpers = (act: number, depth: number) => {
    const fn = HELPER0 + Math.floor(rand() * HELPERS);
    put(EventKind.Enter, fnSite(fn), act);
    put(EventKind.Statement, stSite(fn), act);
    if (depth < 3) for (let k = Math.floor(rand() * 3); k > 0; k--) helpers(act, depth + 1);
    put(EventKind.Exit, fnSite(fn), act);
  };
  /** Each request is a generator: it runs until an await and yields how long that await takes. */
  function* request(): Generator<number, void> {
    const entry = Math.floor(rand() * ENTRIES.length);
    const act = nextAct++;
    put(EventKind.Enter, fnSite(entry), act);
    helpers(act, 0);
    for (const [callee, wait] of rand() < 0.1 ? [[FLUSH, 20], [GET, 1]] : [[GET, 1]]) {
      const a = nextAct++;
      put(EventKind.Enter, fnSite(callee!), a);
      put(EventKind.Suspend, awSite(callee!), a);
      put(EventKind.Suspend, awSite(entry), act);
      yield wait! * (0.5 + rand());
      put(EventKind.Resume, awSite(callee!), a);
      put(EventKind.Exit, fnSite(callee!), a);
      put(EventKind.Resume, awSite(entry), act);
      helpers(act, 1);
    }
    put(EventKind.Exit, fnSite(entry), act);
  }
  const lanes = Array.from({ length: LANES }, () => ({ run: request(), readyAt: 0 }));
  while (n < EVENTS) {
    let lane = lanes[0]!;
    for (const l of lanes) if (l.readyAt < lane.readyAt) lane = l;
    t = Math.max(t, lane.readyAt);
    const step = lane.run.next();
    if (step.done) lane.run = request();
    else lane.readyAt = t + step.value;
  }
  const sites = siteTable();
  return () => {
    const b = new ExecutionBuilder(sites, { capacity: n });
    for (let i = 0; i < n; i++) b.append(raw.kinds[i] as EventKind, raw.sites[i]!, raw.acts[i]!, raw.times[i]!);
    return b.build();
  };
}

const names = ['analysis.latency_events_per_s', 'analysis.latency_ms', 'analysis.profile_events_per_s'];

export const analysisBenchmark: Benchmark = {
  prefix: 'analysis.',
  names,
  async run() {
    const make = synthesize();
    const times: number[] = [];
    let summary = '';
    let count = 0;
    let events = 0;
    for (let k = 0; k < RUNS + 1; k++) {
      const ex = make();
      events = ex.length;
      const t0 = performance.now();
      const list = requests(ex);
      const report = latency(ex, { requests: list });
      summary = explainTail(ex, 'checkout', { requests: list }).summary;
      count = report.requests;
      if (k > 0) times.push(performance.now() - t0); // the first run warms the JIT
    }
    if (!summary.includes('`flush`')) throw new Error(`the tail explanation misses flush: ${summary}`);
    const ms = median(times);
    const profileMs = profileTimes(make);
    const m: Measure[] = [
      {
        name: 'analysis.latency_events_per_s',
        value: Math.round(events / (ms / 1000)),
        unit: 'events/s',
        note: `requests + latency (3 entry points) + explainTail(checkout) over a synthetic ${events}-event execution (built anew for each run: nothing cached) of ${count} requests, 16 in flight, one in ten awaiting a 20 ms flush; median of ${RUNS} after a warm-up`,
      },
      { name: 'analysis.latency_ms', value: round(ms), unit: 'ms', note: 'the same, in ms' },
      {
        name: 'analysis.profile_events_per_s',
        value: Math.round(events / (profileMs / 1000)),
        unit: 'events/s',
        note: `profile (self and total time per function, as \`trace profile\` prints) over the same execution, built anew for each run; median of ${RUNS} after a warm-up (${round(profileMs)} ms)`,
      },
    ];
    return m;
  },
};

/** ms per profile() of a fresh execution: the median of RUNS after a warm-up. */
function profileTimes(make: () => Execution): number {
  const times: number[] = [];
  for (let k = 0; k < RUNS + 1; k++) {
    const ex = make();
    const t0 = performance.now();
    const p = profile(ex);
    if (k > 0) times.push(performance.now() - t0);
    if (p.functions[0]?.name === undefined) throw new Error('the profile names no function');
  }
  return median(times);
}
