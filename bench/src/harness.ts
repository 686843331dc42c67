import type { ChildProcess } from 'node:child_process';

/** One figure a benchmark reports. Names are stable: scripts compare them from run to run. */
export interface Measure {
  name: string;
  value: number;
  unit: string;
  /** What was measured and how, for the human table. */
  note?: string;
}

/** A group of measures whose names share a prefix (`engine.`, `dap.` ...). */
export interface Benchmark {
  prefix: string;
  /** Every name this benchmark reports, so a prefix filter can skip it without running it. */
  names: string[];
  run(only: (name: string) => boolean): Promise<Measure[]>;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const round = (v: number, digits = 2): number => Number(v.toFixed(digits));

/** The processes a benchmark started and that still run: taken down with it if it is interrupted. */
const owned = new Set<() => readonly (number | undefined)[]>();
let interruptible = false;

/**
 * Takes `child`, and the processes `more` (its program, under a supervisor), down with the
 * benchmark if it is interrupted (Ctrl-C, a SIGTERM), the others first: left running, they would go
 * on loading the machine the next measurement runs on.
 */
export function ownProcesses(child: ChildProcess, ...more: number[]): void {
  const pids = () => [...more, child.pid];
  owned.add(pids);
  child.once('close', () => owned.delete(pids));
  if (interruptible) return;
  interruptible = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      for (const all of owned) for (const pid of all()) kill(pid);
      process.exit(code);
    });
  }
}

function kill(pid: number | undefined): void {
  try {
    if (pid !== undefined) process.kill(pid, 'SIGKILL');
  } catch {
    // it ended already
  }
}
