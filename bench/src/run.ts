import Table from 'cli-table3';
import { analysisBenchmark } from './analysis.bench.js';
import { engineBenchmark } from './engine.bench.js';
import { timetravelBenchmark } from './timetravel.bench.js';
import { valuesBenchmark } from './values.bench.js';
import { recorderBenchmark } from './recorder.bench.js';
import { dapBenchmark } from './dap.bench.js';
import type { Benchmark, Measure } from './harness.js';

/**
 * `npm run bench` prints a table; `npm run bench -- --json [prefix]` prints one
 * {"name","value","unit"} object per line for the measures whose names start
 * with the prefix. Later issues add their benchmarks to this list.
 */
const benchmarks: Benchmark[] = [engineBenchmark, timetravelBenchmark, valuesBenchmark, recorderBenchmark, analysisBenchmark, dapBenchmark];

const args = process.argv.slice(2);
const json = args.includes('--json');
const prefix = args.find((a) => !a.startsWith('--')) ?? '';
const only = (name: string) => name.startsWith(prefix);

const selected = benchmarks.filter((b) => b.names.some(only));
if (selected.length === 0) {
  const known = benchmarks.flatMap((b) => b.names).join(', ');
  process.stderr.write(`no benchmark measure starts with '${prefix}'; known measures: ${known}\n`);
  process.exit(1);
}

const results: Measure[] = [];
for (const b of selected) {
  for (const m of await b.run(only)) {
    if (!only(m.name)) continue;
    results.push(m);
    if (json) process.stdout.write(`${JSON.stringify({ name: m.name, value: m.value, unit: m.unit })}\n`);
  }
}

if (!json) {
  const table = new Table({ head: ['measure', 'value', 'unit', 'how'], wordWrap: true, colWidths: [30, 12, 10, 70] });
  for (const m of results) table.push([m.name, m.value, m.unit, m.note ?? '']);
  process.stdout.write(`${table.toString()}\n`);
}
