import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeRecording, mapShared, memoryFolder, RingWriter, ringBytes } from 'hindsight/recorder';
import { EventKind, type Site } from 'hindsight/trace';
import { median, round, type Benchmark, type Measure } from './harness.js';
import { APP, CLI, load, start, stop } from './http-service.js';
import { httpInstructions } from './recorder-instructions.js';

const DECODE = fileURLToPath(new URL('./apps/decode.js', import.meta.url));
const HANDLERS = fileURLToPath(new URL('./apps/handlers-load.js', import.meta.url));
/** Pairs of load slices, plain and recorded in turn; the figures are medians of the pairs' ratios. */
const PAIRS = 24;
/**
 * Processes of each kind, the pairs spread over them: two processes of the same service differ by
 * a few percent for the whole of their lives (how V8 compiled them, where their maps and names
 * fell in its caches), as much as the figure sought. Loaded in turn with one reference process,
 * pinned to a core, four plain processes ran 0-5 % slower than it and four recorded ones 5.6-11.7 %:
 * with three of each, the figure moved with which processes a run happened to start.
 */
const PROCESSES = 6;
/** Whole seconds: autocannon runs a fractional duration for the next whole second (0.5 runs 1 s). */
const SLICE_SECONDS = 1;
/** Load that fills the default 64 MiB ring of the recorded service and wraps it (fullRing). */
const FULL_RING_LOAD_SECONDS = 14;

const names = [
  'recorder.http_throughput_loss_pct',
  'recorder.http_p99_increase_pct',
  'recorder.http_cpu_per_request_increase_pct',
  'recorder.http_instructions_increase_pct',
  'recorder.http_l1_misses_increase_pct',
  'recorder.handler_overhead_ns',
  'recorder.ns_per_event',
  'recorder.decode_events_per_s',
  'recorder.decode_recorded_events_per_s',
  'recorder.decode_recorded_rss_mb',
  'recorder.crash_to_archive_ms',
  'recorder.crash_to_archive.sigkill_ms',
  'recorder.crash_to_archive.exception_ms',
  'recorder.crash_to_archive.full_ring_ms',
  'recorder.crash_to_archive.full_ring_stored_ms',
  'recorder.rss_overhead_mb',
  'recorder.start_plain_ms',
  'recorder.start_cold_ms',
  'recorder.start_cached_ms',
];

async function memory(port: number): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${port}/rss`)).json()) as { rss: number }).rss;
}

/**
 * Plain and recorded, both running, loaded in turn: short slices, alternated ABBA, so that the
 * machine's noise falls on both. A figure is the median over the pairs of the pair's own ratio:
 * on a shared machine the load of others moves throughput by tens of percent within a minute,
 * and a pair of one-second slices sees nearly the same machine (one service and one load
 * generator per run of a few seconds did not: the same code measured 9 % and 17 % apart). The
 * pairs go round PROCESSES processes of each kind: two plain processes measured 3.2 % apart over
 * twelve pairs, so one of each made the figure swing from 5 % to 13 % between runs.
 */
async function http(store: string): Promise<Measure[]> {
  const services = await Promise.all(Array.from({ length: PROCESSES }, () => Promise.all([start(false, store), start(true, store)])));
  const plain: { rps: number; p99: number; cpuUs: number }[] = [];
  const recorded: typeof plain = [];
  try {
    for (const s of services.flat()) await load(s.port, 1); // warm-up: JIT and instrumentation caches
    for (let pair = 0; pair < PAIRS; pair++) {
      const [plainService, recordedService] = services[pair % PROCESSES]!;
      const order = [[plainService, plain], [recordedService, recorded]] as const;
      for (const [s, into] of Math.floor(pair / PROCESSES) % 2 === 0 ? order : [...order].reverse()) into.push(await load(s.port, SLICE_SECONDS, existsSync(`/proc/${s.pid}/stat`) ? s.pid : undefined));
    }
    const [plainService, recordedService] = services[0]!;
    const rss = { plain: await memory(plainService.port), recorded: await memory(recordedService.port) };
    /** The median over the pairs of recorded / plain, as a percentage change. */
    const change = (of: (x: (typeof plain)[number]) => number) => round((median(recorded.map((r, i) => of(r) / of(plain[i]!))) - 1) * 100, 1);
    const mid = (xs: typeof plain, of: (x: (typeof plain)[number]) => number) => round(median(xs.map(of)));
    const how = `an HTTP service (routing, JSON, 4 layers of its functions, awaits) on loopback, ${PROCESSES} processes plain and ${PROCESSES} recorded all running, autocannon 16 connections on each in turn, ${PAIRS} pairs of ${SLICE_SECONDS} s slices (ABBA) spread over the processes, the median of the pairs' ratios`;
    return [
      { name: 'recorder.http_throughput_loss_pct', value: -change((x) => x.rps), unit: '%', note: `${how}: ${mid(plain, (x) => x.rps)} req/s plain, ${mid(recorded, (x) => x.rps)} recorded (medians)` },
      { name: 'recorder.http_p99_increase_pct', value: change((x) => x.p99), unit: '%', note: `p99 latency of every response of a slice: ${mid(plain, (x) => x.p99)} ms plain, ${mid(recorded, (x) => x.p99)} ms recorded (medians)` },
      ...(plain.some((x) => Number.isNaN(x.cpuUs)) ? [] : [{ name: 'recorder.http_cpu_per_request_increase_pct', value: change((x) => x.cpuUs), unit: '%', note: `CPU time of the service's process per request: ${mid(plain, (x) => x.cpuUs)} µs plain, ${mid(recorded, (x) => x.cpuUs)} µs recorded (medians)` }]),
      { name: 'recorder.rss_overhead_mb', value: round((rss.recorded - rss.plain) / 1024 / 1024, 1), unit: 'MB', note: `resident memory after the load, recorded minus plain, with the default 64 MiB ring (all of it: its pages are made resident when recording starts)` },
    ];
  } finally {
    await Promise.all(services.flat().map(stop));
  }
}

/** Processes of the in-process handler load, plain and recorded in turn (ABBA). */
const HANDLER_PAIRS = 4;

/**
 * What recording adds to the CPU time of the service's own code a request: its handlers called in
 * process (apps/handlers-load.ts), plain and under `--import hindsight/register`, each process's
 * median round, in pairs of processes alternated; the median of the pairs' differences. Without the
 * loopback network and the load generator it moves much less with the machine's other loads than
 * the HTTP figures, which it explains.
 */
function handlerOverhead(dir: string): Measure {
  const spool = path.join(dir, 'handlers-spool');
  const run = (recorded: boolean): number => {
    const args = recorded ? ['--import', 'hindsight/register', HANDLERS] : [HANDLERS];
    // the load itself is not traced: it stands for Node's HTTP server, which is not either
    const env = { HINDSIGHT_RECORDING_DIR: spool, HINDSIGHT_EXCLUDE: path.basename(HANDLERS) };
    const out = runNode(args, 'the in-process handler load', { cwd: path.dirname(HANDLERS), env });
    return median((JSON.parse(out) as { nsPerRequest: number[] }).nsPerRequest);
  };
  const plain: number[] = [];
  const recorded: number[] = [];
  for (let pair = 0; pair < HANDLER_PAIRS; pair++) {
    if (pair % 2 === 0) plain.push(run(false)), recorded.push(run(true));
    else recorded.push(run(true)), plain.push(run(false));
  }
  const added = median(recorded.map((r, i) => r - plain[i]!));
  return {
    name: 'recorder.handler_overhead_ns',
    value: round(added, 0),
    unit: 'ns',
    note: `CPU time a request of the HTTP service's handlers, called in process (no network): ${round(median(plain), 0)} ns plain, ${round(median(recorded), 0)} ns recorded (medians of ${HANDLER_PAIRS} pairs of processes, ABBA)`,
  };
}

/** Cost of one event written into a shared-memory ring (mixed kinds, as instrumented code writes them). */
function nsPerEvent(dir: string): Measure {
  const ring = new RingWriter(mapShared(path.join(dir, 'ring'), ringBytes(64 * 1024 * 1024)), process.pid);
  const kinds = [EventKind.Enter, EventKind.Statement, EventKind.Branch, EventKind.Statement, EventKind.Statement, EventKind.Exit];
  const n = 10_000_000;
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    ring.activate(1);
    for (let i = 0; i < n; i++) ring.write(kinds[i % 6]!, i & 1023, 1);
    times.push(((performance.now() - t0) * 1e6) / n);
  }
  return { name: 'recorder.ns_per_event', value: round(median(times), 1), unit: 'ns', note: '10 million events into the 64 MiB shared-memory ring, median of 5' };
}

/** Decoding and indexing a ring of 5 million events of nested calls. */
function decode(): Measure {
  const sites: Site[] = [];
  for (let f = 0; f < 100; f++) {
    sites.push({ kind: 'function', file: `/app/m${f % 10}.ts`, line: f * 10 + 1, column: 1, functionName: `f${f}` });
    for (let k = 0; k < 3; k++) sites.push({ kind: 'statement', file: `/app/m${f % 10}.ts`, line: f * 10 + 2 + k, column: 3, functionName: `f${f}` });
  }
  const buffer = new ArrayBuffer(ringBytes(128 * 1024 * 1024));
  const ring = new RingWriter(buffer, 1);
  ring.activate(1);
  const n = 5_000_000;
  let written = 0;
  const call = (f: number, depth: number) => {
    ring.write(EventKind.Enter, f * 4, 1);
    ring.write(EventKind.Statement, f * 4 + 1, 1);
    if (depth < 6) call((f * 7 + depth) % 100, depth + 1);
    ring.write(EventKind.Statement, f * 4 + 2, 1);
    ring.write(EventKind.Exit, f * 4, 1);
    written += 4;
  };
  for (let r = 0; written < n; r++) call(r % 100, 0);
  const recording = { ring: new Uint8Array(buffer), modules: [{ url: '/app', base: 0, sites }] };
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const ex = decodeRecording(recording);
    times.push(ex.length / ((performance.now() - t0) / 1000));
  }
  return { name: 'recorder.decode_events_per_s', value: Math.round(median(times)), unit: 'events/s', note: `${written} events of nested calls: ring read, symbolicated and indexed into an Execution, median of 3` };
}

/** A real recording: the HTTP service recorded under load until its 64 MiB ring wrapped, then killed. */
interface FullRing {
  readonly id: string;
  /** From the death of the process to its recording committed, as the supervisor measured it. */
  readonly archiveMs: number;
  /** From the death of the process to its ring copied into the store (read from its file until then). */
  readonly ringStoredMs: number;
  readonly events: number;
  readonly wrapped: boolean;
}

/**
 * The HTTP service recorded under load long enough for its 64 MiB ring to wrap (about 1.5 million
 * slots a second here), then SIGKILLed: a crash after the service has run a while, when the whole
 * ring is archived.
 */
async function fullRing(store: string): Promise<FullRing> {
  const s = await start(true, store);
  await load(s.port, FULL_RING_LOAD_SECONDS);
  const closed = new Promise((r) => s.child.once('close', r));
  process.kill(s.pid, 'SIGKILL');
  await closed;
  return recordJson<FullRing>(s.output());
}

/**
 * Decoding a real recording (fullRing), in a process of its own (apps/decode.ts). Unlike decode()
 * above (one activation, no quiet statements), it has the recorder's sparse statements to put
 * back and an activation per async call.
 */
function decodeRecorded(store: string, full: FullRing): Measure[] {
  const { events, rates, addedBytes } = JSON.parse(runNode([DECODE, store, full.id], 'the decode of the recording')) as { events: number; rates: number[]; addedBytes: number };
  const how = `the HTTP service recorded under load${full.wrapped ? ' until its 64 MiB ring wrapped' : ' (its 64 MiB ring did not wrap)'} (${full.events} ring events, ${events} decoded with the quiet statements put back), decoded in a process of its own`;
  return [
    { name: 'recorder.decode_recorded_events_per_s', value: Math.round(median(rates)), unit: 'events/s', note: `${how}: ring read, statements put back, symbolicated and indexed, median of 3` },
    { name: 'recorder.decode_recorded_rss_mb', value: round(addedBytes / 1024 / 1024, 1), unit: 'MB', note: `resident memory the first decode added: the Execution and what building it left (${how})` },
  ];
}

/**
 * Start-up under the recorder, of a program of about 150 modules (hindsight's own CLI, every
 * module traced, printing its help): plain, recorded with an empty transform cache (every
 * module instrumented), and recorded again with the cache the first start filled. Wall time to
 * exit, median of 3, the three alternated.
 */
function startUp(dir: string): Measure[] {
  const program = [CLI, '--help'];
  const plain: number[] = [];
  const cold: number[] = [];
  const cached: number[] = [];
  const run = (args: string[]) => {
    const t0 = performance.now();
    runNode(args, 'a start-up run');
    return performance.now() - t0;
  };
  for (let r = 0; r < 3; r++) {
    const cache = path.join(dir, `transforms-${r}`);
    const recorded = [CLI, '--store', path.join(dir, 'start.db'), 'record', '--include', path.join(path.dirname(CLI), '..', '**'), '--transform-cache', cache, '--', process.execPath, ...program];
    plain.push(run(program));
    cold.push(run(recorded));
    cached.push(run(recorded));
  }
  const how = `hindsight's own CLI printing its help (every command loaded), every one of its modules traced; wall time, median of 3`;
  return [
    { name: 'recorder.start_plain_ms', value: round(median(plain)), unit: 'ms', note: `${how}: not recorded` },
    { name: 'recorder.start_cold_ms', value: round(median(cold)), unit: 'ms', note: `${how}: recorded, every module instrumented (an empty transform cache)` },
    { name: 'recorder.start_cached_ms', value: round(median(cached)), unit: 'ms', note: `${how}: recorded again, the modules read back from the transform cache` },
  ];
}

/**
 * From the death of the recorded process to its recording stored, as the supervisor measures it:
 * killed and thrown just after it started (a ring of a few events), and killed with its ring full
 * (fullRing).
 */
async function crashToArchive(store: string, full: FullRing): Promise<Measure[]> {
  const sigkill: number[] = [];
  const exception: number[] = [];
  for (let r = 0; r < 3; r++) {
    const killed = await start(true, store);
    const done = new Promise((res) => killed.child.once('close', res));
    process.kill(killed.pid, 'SIGKILL');
    await done;
    sigkill.push(archiveMs(killed.output()));
    const thrown = await start(true, store, 'crash');
    await new Promise((res) => thrown.child.once('close', res));
    exception.push(archiveMs(thrown.output()));
  }
  return [
    { name: 'recorder.crash_to_archive_ms', value: round(Math.max(median(sigkill), median(exception), full.archiveMs)), unit: 'ms', note: 'the largest of sigkill_ms, exception_ms and full_ring_ms below: from the death to the recording committed' },
    { name: 'recorder.crash_to_archive.sigkill_ms', value: round(median(sigkill)), unit: 'ms', note: 'the recorded service SIGKILLed: from the exit seen by the supervisor to the recording committed (listed, debuggable, the notice printed), median of 3' },
    { name: 'recorder.crash_to_archive.exception_ms', value: round(median(exception)), unit: 'ms', note: 'the same for an uncaught exception' },
    { name: 'recorder.crash_to_archive.full_ring_ms', value: round(full.archiveMs), unit: 'ms', note: `the service SIGKILLed after ${FULL_RING_LOAD_SECONDS} s under load: ${full.wrapped ? 'its 64 MiB ring full' : 'its ring not yet full'} (${full.events} events), one run; its ring is read from its file until it is copied in (below)` },
    { name: 'recorder.crash_to_archive.full_ring_stored_ms', value: round(full.ringStoredMs), unit: 'ms', note: 'the same, to its ring copied into the store' },
  ];
}

function archiveMs(output: string): number {
  return recordJson<{ archiveMs: number }>(output).archiveMs;
}

/** What `hindsight record --json` printed of its recording (after the program's own output). */
function recordJson<T>(output: string): T {
  return JSON.parse(output.slice(output.indexOf('{'))) as T;
}

/** Runs Node with `args` in a process of its own (without the bench's NODE_OPTIONS), to its end: its stdout; `what` names it when it fails. */
function runNode(args: string[], what: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const out = spawnSync(process.execPath, args, { cwd: opts.cwd, env: { ...process.env, NODE_OPTIONS: '', ...opts.env }, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${what} failed: ${out.stderr}`);
  return out.stdout;
}

export const recorderBenchmark: Benchmark = {
  prefix: 'recorder.',
  names,
  async run(only) {
    const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-bench-recorder-'));
    // rings in memory, where the recorder keeps them (a ring in a file on disk costs more: standalone.ts)
    const rings = mkdtempSync(path.join(memoryFolder() ?? tmpdir(), 'hindsight-bench-rings-'));
    const store = path.join(dir, 'store.db');
    try {
      const out: Measure[] = [];
      if (only('recorder.ns_per_event')) out.push(nsPerEvent(rings));
      if (only('recorder.handler_overhead_ns')) out.push(handlerOverhead(rings));
      if (only('recorder.decode_events_per_s')) out.push(decode());
      // a recording of the service with its ring full: archived (crash_to_archive) and decoded (decode_recorded)
      const needsFull = names.some((n) => (n.startsWith('recorder.crash') || n.startsWith('recorder.decode_recorded')) && only(n));
      const full = needsFull ? await fullRing(store) : undefined;
      if (full && names.some((n) => n.startsWith('recorder.crash') && only(n))) out.push(...(await crashToArchive(store, full)));
      if (full && names.some((n) => n.startsWith('recorder.decode_recorded') && only(n))) out.push(...decodeRecorded(store, full));
      if (names.some((n) => n.startsWith('recorder.start_') && only(n))) out.push(...startUp(dir));
      if (only('recorder.http_instructions_increase_pct') || only('recorder.http_l1_misses_increase_pct')) out.push(...(await httpInstructions(APP, dir)));
      if (['recorder.http_throughput_loss_pct', 'recorder.http_p99_increase_pct', 'recorder.http_cpu_per_request_increase_pct', 'recorder.rss_overhead_mb'].some(only)) out.push(...(await http(store)));
      return out;
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(rings, { recursive: true, force: true });
    }
  },
};
