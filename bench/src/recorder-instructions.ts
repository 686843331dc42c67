// What recording costs the HTTP service in instructions a request: a figure the machine's other
// loads do not move, beside the throughput figures (recorder.bench.ts), which they do.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { round, type Measure } from './harness.js';
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
 * out, V8 made deterministic (one thread, fixed seeds). Undefined without valgrind.
 */
export async function httpInstructions(app: string, dir: string): Promise<Measure | undefined> {
  if (spawnSync('valgrind', ['--version']).status !== 0) return undefined;
  const [plain, recorded] = await Promise.all([instructionsPerRequest(app, dir, false), instructionsPerRequest(app, dir, true)]);
  return {
    name: 'recorder.http_instructions_increase_pct',
    value: round((recorded / plain - 1) * 100, 1),
    unit: '%',
    note: `instructions a request of the HTTP service, counted by callgrind over ${COUNTED} requests after ${WARM_UP} (user space, garbage collection left out, one V8 thread, fixed seeds): ${Math.round(plain)} plain, ${Math.round(recorded)} recorded; repeatable to about 1 % of the plain figure (code loaded besides moves V8's inline caches)`,
  };
}

async function instructionsPerRequest(app: string, dir: string, recorded: boolean): Promise<number> {
  const out = path.join(dir, `callgrind-${recorded ? 'recorded' : 'plain'}.out`);
  const node = [process.execPath, '--single-threaded', '--hash-seed=1', '--random-seed=1', ...(recorded ? ['--import', 'hindsight/register'] : []), app];
  const child = spawn('valgrind', ['--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', `--callgrind-out-file=${out}`, ...node], {
    cwd: path.dirname(app),
    env: { ...process.env, NODE_OPTIONS: '', HINDSIGHT_RECORDING_DIR: path.join(dir, 'instructions-spool') },
  });
  child.stderr!.resume();
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
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', out], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const total = Number(/([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS/.exec(annotated)![1]!.replaceAll(',', ''));
  const collector = COLLECTOR.reduce((sum, entry) => sum + inclusive(annotated, entry), 0);
  return (total - collector) / COUNTED;
}

/** The inclusive count of the first function whose line holds `entry`, 0 when it never ran. */
function inclusive(annotated: string, entry: string): number {
  const line = annotated.split('\n').find((l) => l.includes(entry));
  return line ? Number(/^\s*([\d,]+)/.exec(line)![1]!.replaceAll(',', '')) : 0;
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
