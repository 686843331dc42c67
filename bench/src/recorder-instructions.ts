// What recording costs the HTTP service in instructions and level 1 cache misses a request:
// figures the machine's other loads do not move, beside the throughput figures (recorder.bench.ts), which they do.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { ownProcesses, round, type Measure } from './harness.js';
import { listening } from './http-service.js';

/** Requests before counting: the JIT settles (V8 compiles on the service's own thread here). */
const WARM_UP = 20_000;
const COUNTED = 12_000;
/** Where V8's garbage collector starts its work: left out, its share depends on when it happens to run. */
const COLLECTOR = ['v8::internal::Heap::MarkCompact()', 'v8::internal::Heap::Scavenge()', 'v8::internal::IncrementalMarking::Step(', 'v8::internal::Heap::StartIncrementalMarking('];

/**
 * Instructions a request of the HTTP service (`app`), plain and recorded (`--import
 * hindsight/register`), counted by valgrind's callgrind over COUNTED requests after WARM_UP: user
 * space only (the service's code, Node's and V8's, not the kernel's), the garbage collector left
 * out, V8 made deterministic (one thread, fixed seeds); and the level 1 cache misses of those
 * instructions in callgrind's model of this machine's caches, which the CPU a request rises with
 * beyond the instructions. Empty without valgrind.
 */
export async function httpInstructions(app: string, dir: string): Promise<Measure[]> {
  if (spawnSync('valgrind', ['--version']).status !== 0) return [];
  const [plain, recorded] = await Promise.all([perRequest(app, dir, false), perRequest(app, dir, true)]);
  const how = `counted by callgrind over ${COUNTED} requests after ${WARM_UP} (user space, garbage collection left out, one V8 thread, fixed seeds)`;
  const misses = (c: Counts) => c.I1mr + c.D1mr + c.D1mw;
  return [
    {
      name: 'recorder.http_instructions_increase_pct',
      value: round((recorded.Ir / plain.Ir - 1) * 100, 1),
      unit: '%',
      note: `instructions a request of the HTTP service, ${how}: ${Math.round(plain.Ir)} plain, ${Math.round(recorded.Ir)} recorded; repeatable to a few % of the plain figure (64.0-66.6 k plain seen in runs of one build: code loaded besides moves V8's inline caches)`,
    },
    {
      name: 'recorder.http_l1_misses_increase_pct',
      value: round((misses(recorded) / misses(plain) - 1) * 100, 1),
      unit: '%',
      note: `level 1 cache misses a request of the same instructions in callgrind's model of this machine's caches (instruction fetches, data reads, data writes): ${[plain, recorded].map((c) => `${Math.round(c.I1mr)} + ${Math.round(c.D1mr)} + ${Math.round(c.D1mw)}`).join(' plain, ')} recorded`,
    },
  ];
}

/** Events counted a request: instructions and level 1 misses (callgrind's names). */
interface Counts {
  readonly Ir: number;
  readonly I1mr: number;
  readonly D1mr: number;
  readonly D1mw: number;
}

async function perRequest(app: string, dir: string, recorded: boolean): Promise<Counts> {
  const out = path.join(dir, `callgrind-${recorded ? 'recorded' : 'plain'}.out`);
  const node = [process.execPath, '--single-threaded', '--hash-seed=1', '--random-seed=1', ...(recorded ? ['--import', 'hindsight/register'] : []), app];
  const child = spawn('valgrind', ['--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', '--cache-sim=yes', `--callgrind-out-file=${out}`, ...node], {
    cwd: path.dirname(app),
    env: { ...process.env, NODE_OPTIONS: '', HINDSIGHT_RECORDING_DIR: path.join(dir, 'instructions-spool') },
  });
  child.stderr!.resume();
  ownProcesses(child);
  const closed = new Promise((resolve) => child.once('close', resolve));
  const { port, pid } = await listening(child);
  // the counted requests go over the warm-up's connections: over new ones, the service ran
  // two-thirds more instructions a request, recompiling as it went
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  await requests(port, agent, WARM_UP);
  execFileSync('callgrind_control', ['--instr=on', String(pid)], { stdio: 'ignore' });
  await requests(port, agent, COUNTED);
  execFileSync('callgrind_control', ['--instr=off', String(pid)], { stdio: 'ignore' });
  agent.destroy();
  process.kill(pid, 'SIGTERM');
  await closed;
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', out], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\n');
  const events = annotated.find((l) => /^Ir\s/.test(l))!.trim().split(/\s+/);
  const total = counts(events, annotated.find((l) => l.includes('PROGRAM TOTALS'))!);
  const collector = COLLECTOR.map((entry) => annotated.find((l) => l.includes(entry))).filter((l) => l !== undefined).map((l) => counts(events, l));
  const net = (e: keyof Counts) => (total[e] - collector.reduce((sum, c) => sum + c[e], 0)) / COUNTED;
  return { Ir: net('Ir'), I1mr: net('I1mr'), D1mr: net('D1mr'), D1mw: net('D1mw') };
}

/** The counts of one line of callgrind_annotate's output, a column per event ('.': none), each followed by its percentage. */
function counts(events: string[], line: string): Counts {
  const columns = line.replace(/\(\s*[\d.]+%\)/g, ' ').trim().split(/\s+/).slice(0, events.length);
  const of = (e: keyof Counts) => {
    const text = columns[events.indexOf(e)] ?? '.';
    return text === '.' ? 0 : Number(text.replaceAll(',', ''));
  };
  return { Ir: of('Ir'), I1mr: of('I1mr'), D1mr: of('D1mr'), D1mw: of('D1mw') };
}

/** `n` requests of the quote route over the agent's 4 kept-alive connections, one after the other on each. */
async function requests(port: number, agent: http.Agent, n: number): Promise<void> {
  let sent = 0;
  const get = (i: number) =>
    new Promise<void>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: `/quote/${(i % 16) * 13}`, agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
    });
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (sent < n) await get(sent++);
  }));
}
