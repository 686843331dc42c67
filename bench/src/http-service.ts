// The recorder benchmark's HTTP service (apps/shop.ts): started plain or recorded, stopped, and
// loaded with autocannon. Shared by recorder.bench.ts and compare-recorders.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { ownProcesses, percentile } from './harness.js';

export const APP = fileURLToPath(new URL('./apps/shop.js', import.meta.url));
/** This checkout's CLI. */
export const CLI = path.join(path.dirname(createRequire(import.meta.url).resolve('hindsight')), 'cli', 'main.js');

export interface Service {
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  /** What the supervisor printed (the recording as JSON, when one was archived). */
  readonly output: () => string;
}

/**
 * The shop service, plain or under `hindsight record` (its folder is the working folder, so it is
 * traced by default); `cli`: another build's, `flags`: more of `record`'s (compare-recorders.ts).
 */
export async function start(recorded: boolean, store: string, mode = '', cli = CLI, flags: readonly string[] = []): Promise<Service> {
  const args = recorded ? [cli, '--store', store, 'record', '--json', ...flags, '--', process.execPath, APP, mode] : [APP, mode];
  const child = spawn(process.execPath, args.filter(Boolean), { cwd: path.dirname(APP), env: { ...process.env, NODE_OPTIONS: '' } });
  child.stderr!.resume();
  const service = { ...(await listening(child)), child };
  ownProcesses(child, service.pid);
  return service;
}

/**
 * The port and pid the service prints once it listens (`listening <port> <pid>`), and all it
 * prints; an error if it exits before.
 */
export function listening(child: ChildProcess): Promise<{ port: number; pid: number; output: () => string }> {
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /listening (\d+) (\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), pid: Number(m[2]), output: () => out });
    });
    child.once('exit', (code) => reject(new Error(`the service exited (${code}) before listening: ${out}`)));
  });
}

export async function stop(s: Service): Promise<void> {
  const closed = new Promise((r) => s.child.once('close', r));
  process.kill(s.pid, 'SIGTERM');
  await closed;
}

/**
 * Throughput and the 99th percentile of latency under load. The latencies are taken from every
 * response at the clock's resolution (autocannon's own percentiles are whole milliseconds, too
 * coarse where a request takes about one).
 */
export async function load(port: number, seconds: number, pid?: number): Promise<{ rps: number; p99: number; cpuUs: number }> {
  const requests = Array.from({ length: 16 }, (_, i) => ({ method: 'GET' as const, path: `/quote/${i * 13}` }));
  const latencies: number[] = [];
  const cpu0 = pid ? cpuMs(pid) : 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon({ url: `http://127.0.0.1:${port}`, connections: 16, duration: seconds, requests }, (err, r) => (err ? reject(err) : resolve(r)));
    run.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
  const cpuUs = pid ? ((cpuMs(pid) - cpu0) * 1000) / result.requests.total : NaN;
  // the time it ran, not the time asked for
  return { rps: result.requests.total / result.duration, p99: percentile(latencies, 99), cpuUs };
}

/**
 * CPU time the service's process has used, ms (user and system, all its threads; Linux's /proc).
 * Per request, it is what recording costs whatever else the machine is doing: throughput on a
 * shared machine moves with the other loads, the CPU a request takes much less. Each thread's
 * scheduler statistics count it in nanoseconds; /proc/<pid>/stat, the fallback, counts in ticks
 * of 10 ms, which a one-second slice of about 300 ms of CPU time rounds by up to 3 %.
 */
function cpuMs(pid: number): number {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) ns += threadNs(pid, task);
    return ns / 1e6;
  } catch {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  }
}

/** A thread's time on the CPU, ns (its schedstat's first field); 0 for a thread that ended since it was listed. */
function threadNs(pid: number, task: string): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') return 0;
    throw err;
  }
}
