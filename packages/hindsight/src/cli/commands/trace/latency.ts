import type { Command } from 'commander';
import pc from 'picocolors';
import { explainTail, latency, requests, type GroupLatency, type TailExplanation } from '../../../analysis/index.js';
import { HindsightError } from '../../../common/errors.js';
import { printJson, println } from '../../output/json.js';
import { renderTable } from '../../output/table.js';
import { plural } from '../../output/values.js';
import { demotedSites, demotion } from '../../../recorder/index.js';
import { loadRecording } from './recording.js';

interface LatencyFlags {
  json?: boolean;
  group?: string;
}

/** `hindsight trace latency <recordingId>`: per entry point, percentiles, a histogram and why the slow tail is slow. */
export function registerLatency(trace: Command): void {
  trace
    .command('latency <recordingId>')
    .description('request latency per entry point (p50, p90, p99, max), a histogram, and what the slow requests do that the typical ones do not')
    .option('--group <name>', 'only this entry point (a function name from the table)')
    .option('--json', 'print JSON')
    .action(latencyAction);
}

function latencyAction(id: string, flags: LatencyFlags, cmd: Command): void {
  const { execution: ex, meta } = loadRecording(cmd, id);
  const list = requests(ex);
  const report = latency(ex, { requests: list });
  if (report.requests === 0) {
    throw new HindsightError('HS_E_NO_REQUESTS', `recording ${id} holds no complete request (an async call started from the event loop that began and ended in it); record for longer, or with a larger --ring; for where a program without requests spent its time: hindsight trace profile ${id}`);
  }
  const groups = report.groups.filter((g) => g.count > 0 && (flags.group === undefined || g.entry === flags.group));
  if (groups.length === 0) {
    throw unknownEntry(id, flags.group!, 'complete request', report.groups.filter((g) => g.count > 0).map((g) => g.entry));
  }
  const demoted = demotedSites(ex, meta.demoted);
  const tails = new Map(groups.filter((g) => g.count >= 2).map((g) => [g.entry, explainTail(ex, g.entry, { requests: list, limit: 8, demoted })]));
  if (flags.json) {
    return printJson({ recording: id, requests: report.requests, partial: report.partial, groups: groups.map((g) => ({ ...g, tail: tails.get(g.entry) ?? null })), demoted: meta.demoted ?? [] });
  }
  println(`${pc.bold(id)}: ${report.requests} requests${report.partial ? ` (${report.partial} more the trace holds only part of, not counted)` : ''}`);
  println(renderTable(['Entry point', 'Requests', 'p50', 'p90', 'p99', 'max'], groups.map((g) => [g.entry, String(g.count), ms(g.p50), ms(g.p90), ms(g.p99), ms(g.max)])));
  // a histogram of one request says no more than its row: a service's module bodies are as many as its modules
  const once = groups.length > 1 ? groups.filter((g) => g.count === 1) : [];
  for (const g of groups.filter((g) => !once.includes(g))) {
    println();
    println(pc.bold(`${g.entry}`) + pc.dim(` (${plural(g.count, 'request')})`));
    for (const line of histogramLines(g)) println(line);
    const tail = tails.get(g.entry);
    if (tail) for (const line of tailLines(tail)) println(line);
  }
  if (once.length > 0) println(`\n${plural(once.length, 'entry point')} with one request (${once.length === 1 ? 'its time is' : 'their times are'} in the table): ${once.map((g) => g.entry).join(', ')}`);
  for (const d of meta.demoted ?? []) println(pc.yellow(demotion(d, 'call paths go through it without naming it, as they do after its demotion')));
}

/** `--group` names no entry point of the recording: the error that names those it has. */
export function unknownEntry(id: string, entry: string, what: string, known: readonly string[]): HindsightError {
  return new HindsightError('HS_E_UNKNOWN_GROUP', `no ${what} enters at ${JSON.stringify(entry)} in ${id}; the entry points are: ${known.join(', ') || 'none'}`);
}

const BAR = 40;

/** One line per bucket: its range, a bar scaled to the fullest bucket, the count. */
export function histogramLines(g: GroupLatency): string[] {
  const most = Math.max(1, ...g.histogram.map((b) => b.count));
  const ranges = g.histogram.map((b) => `${ms(b.from)} – ${ms(b.to)}`);
  const width = Math.max(...ranges.map((r) => r.length));
  return g.histogram.map((b, i) => `  ${ranges[i]!.padStart(width)}  ${'█'.repeat(Math.round((b.count / most) * BAR)).padEnd(BAR)}  ${b.count}`);
}

function tailLines(t: TailExplanation): string[] {
  const out = ['', `  Slow tail: ${t.slow.count} slowest (mean ${ms(t.slow.meanDuration)}) against ${t.typical.count} typical (mean ${ms(t.typical.meanDuration)})`, `  ${pc.yellow(t.summary)}`];
  const shown = t.paths.filter((p) => p.addedTime > 0 || p.addedCalls !== 0);
  if (shown.length === 0) return out;
  const rows = shown.map((p) => [p.path.join(' > '), calls(p.slow.calls), calls(p.typical.calls), ms(p.slow.time), ms(p.typical.time), added(p.addedTime)]);
  out.push(renderTable(['Call path', 'Calls slow', 'Calls typical', 'Time slow', 'Time typical', 'Adds'], rows).replace(/^/gm, '  '));
  return out;
}

const calls = (c: number) => String(Number(c.toFixed(2)));

/** The time a path adds to a slow request, signed: one the typical requests spend longer in takes time away. */
export function added(v: number): string {
  return v < 0 ? `-${ms(-v)}` : `+${ms(v)}`;
}

/** A duration in ms for people: 3 significant digits, seconds from 1000 ms. */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return '-';
  if (v >= 1000) return `${Number((v / 1000).toPrecision(3))} s`;
  return `${Number(v.toPrecision(3))} ms`;
}
