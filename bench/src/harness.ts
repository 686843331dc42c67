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
