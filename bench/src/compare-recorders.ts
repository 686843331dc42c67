// Two builds of the recorder, or two settings, side by side, on the same minutes of the same machine:
//
//   node bench/dist/compare-recorders.js <other checkout>/packages/hindsight/dist/src/cli/main.js [rounds]
//   node bench/dist/compare-recorders.js <this or another CLI> [rounds] -- --inlining-budget 4000
//
// (the flags after `--` are `hindsight record`'s, for the other). The benchmark's HTTP service
// runs plain, recorded by this checkout and recorded by the other build, PROCESSES processes of
// each, all at once; each round loads one process of each in turn (in alternating order) for a
// second. Prints each build's throughput loss and the CPU time its process takes a request,
// against plain, each the median over the rounds of the round's own ratio, as
// `{"name","value","unit"}` lines. Across days the machine moves the bench's figure by points;
// side by side, a change's effect shows.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { median, round, type Measure } from './harness.js';
import { CLI, load, start, stop, type Service } from './http-service.js';

const PROCESSES = 3;
const dashes = process.argv.indexOf('--', 2);
const [otherArg, roundsArg] = process.argv.slice(2, dashes < 0 ? undefined : dashes);
// the services run in the app's folder
const other = otherArg && path.resolve(otherArg);
/** `hindsight record`'s flags for the other. */
const otherFlags = dashes < 0 ? [] : process.argv.slice(dashes + 1);
/** The other, as its figures' notes name it. */
const otherName = [other, ...otherFlags].join(' ');
if (!other || !existsSync(other)) {
  console.error(`compare-recorders: give the other build's CLI (…/packages/hindsight/dist/src/cli/main.js)${otherArg ? `: ${otherArg} does not exist` : ''}`);
  process.exit(2);
}
const rounds = Number(roundsArg ?? 24);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`compare-recorders: rounds must be a whole number above 0, not ${roundsArg}`);
  process.exit(2);
}

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-compare-'));
const kinds = ['plain', 'this', 'other'] as const;
const startKind = (kind: (typeof kinds)[number]) => start(kind !== 'plain', path.join(dir, `${kind}.db`), '', kind === 'other' ? other : CLI, kind === 'other' ? otherFlags : []);
const services: Record<(typeof kinds)[number], Service>[] = [];
try {
  for (let p = 0; p < PROCESSES; p++) {
    const [plain, here, there] = await Promise.all(kinds.map(startKind));
    services.push({ plain: plain!, this: here!, other: there! });
  }
  for (const group of services) for (const kind of kinds) await load(group[kind].port, 1); // warm-up
  const losses = { this: [] as number[], other: [] as number[] };
  const cpu = { this: [] as number[], other: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const group = services[r % PROCESSES]!;
    const order = r % 2 === 0 ? kinds : [...kinds].reverse();
    const got = {} as Record<(typeof kinds)[number], Awaited<ReturnType<typeof load>>>;
    for (const kind of order) got[kind] = await load(group[kind].port, 1, group[kind].pid);
    for (const build of ['this', 'other'] as const) {
      losses[build].push(1 - got[build].rps / got.plain.rps);
      cpu[build].push(got[build].cpuUs / got.plain.cpuUs - 1);
    }
  }
  const how = `${PROCESSES} processes each of plain and both builds, all running, ${rounds} rounds of 1 s slices in turn, the median of the rounds' ratios`;
  const measures: Measure[] = [
    { name: 'compare.http_throughput_loss_pct.this', value: round(median(losses.this) * 100, 1), unit: '%', note: `this checkout (${how})` },
    { name: 'compare.http_throughput_loss_pct.other', value: round(median(losses.other) * 100, 1), unit: '%', note: `${otherName} (${how})` },
    { name: 'compare.http_cpu_per_request_increase_pct.this', value: round(median(cpu.this) * 100, 1), unit: '%', note: `this checkout: CPU time of the service's process a request (${how})` },
    { name: 'compare.http_cpu_per_request_increase_pct.other', value: round(median(cpu.other) * 100, 1), unit: '%', note: `${otherName}: CPU time of the service's process a request (${how})` },
  ];
  for (const m of measures) console.log(JSON.stringify({ name: m.name, value: m.value, unit: m.unit }));
} finally {
  await Promise.all(services.flatMap((group) => kinds.map((kind) => stop(group[kind]))));
  rmSync(dir, { recursive: true, force: true });
}
