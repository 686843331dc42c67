import type { Command } from 'commander';
import pc from 'picocolors';
import { profile, requestRoots, requests, type FunctionTime, type Request } from '../../../analysis/index.js';
import { InvalidInputError } from '../../../common/errors.js';
import type { Execution } from '../../../trace/index.js';
import { intFlag } from '../../flags.js';
import { printJson, println } from '../../output/json.js';
import { renderTable } from '../../output/table.js';
import { plural } from '../../output/values.js';
import { demotion } from '../../../recorder/index.js';
import { ms, unknownEntry } from './latency.js';
import { loadRecording } from './recording.js';

const ORDERS = ['self', 'total', 'calls'] as const;
type Order = (typeof ORDERS)[number];

interface ProfileFlags {
  by: Order;
  limit: number;
  group?: string;
  json?: boolean;
}

/** `hindsight trace profile <recordingId>`: where the time went, per function, as a profiler's bottom-up view. */
export function registerProfile(trace: Command): void {
  trace
    .command('profile <recordingId>')
    .description('where the time went: per function, its self time, its total time and its calls, as a profiler shows them (for any program: a service, a batch job, a CLI)')
    .option('--by <order>', `sort by ${ORDERS.join(', ')}`, orderFlag, 'self')
    .option('--limit <n>', 'show the first n functions', (v) => intFlag('--limit', v), 25)
    .option('--group <name>', 'only the requests of this entry point (a name `trace latency` lists)')
    .option('--json', 'print JSON (every function)')
    .action(profileAction);
}

function orderFlag(text: string): Order {
  if ((ORDERS as readonly string[]).includes(text)) return text as Order;
  throw new InvalidInputError(`--by ${JSON.stringify(text)} is not one of ${ORDERS.join(', ')}; self is the time in a function's own code, total with what it called`);
}

function profileAction(id: string, flags: ProfileFlags, cmd: Command): void {
  const { execution: ex, meta } = loadRecording(cmd, id);
  const group = flags.group === undefined ? undefined : requestsOf(ex, id, flags.group);
  const p = profile(ex, group ? { roots: group.flatMap(requestRoots) } : {});
  const functions = [...p.functions].sort((a, b) => b[flags.by] - a[flags.by] || b.self - a.self);
  if (flags.json) return printJson({ recording: id, ...(group ? { group: flags.group, requests: group.length } : {}), span: p.span, running: p.running, partial: ex.partial, functions });
  const share = (v: number) => (p.running > 0 ? `${((v / p.running) * 100).toFixed(1)} %` : '-');
  const who = group ? `the ${plural(group.length, 'request')} of ${flags.group} ran traced code` : 'traced code ran';
  println(`${pc.bold(id)}: ${who} for ${ms(p.running)} of the ${ms(p.span)} the trace spans${ex.partial ? ' (the ring wrapped: the trace starts mid-program, and calls before it are not counted)' : ''}`);
  const shown = functions.slice(0, flags.limit);
  println(renderTable(['Function', 'Calls', 'Self', 'Self %', 'Total', 'Total %', 'Where'], shown.map((f) => [f.name, String(f.calls), ms(f.self), share(f.self), ms(f.total), share(f.total), where(f)])));
  if (functions.length > shown.length) println(pc.dim(`${functions.length - shown.length} more functions; --limit ${functions.length} shows them all`));
  for (const d of meta.demoted ?? []) println(pc.yellow(demotion(d, "its later calls are not counted, their time is their callers' self time")));
  println(pc.dim('Self: in its own code and the untraced code it called; total: with the traced functions it called and awaited, not the time it waited. The clock is read at least every 64 events; the time between two readings, untraced code\'s too, is spread evenly over the events between them, so the figures of functions that run briefly among untraced code are estimates.'));
}

/** The requests of entry point `entry`, the ones the trace holds only part of too; an error that names the entry points when there are none. */
function requestsOf(ex: Execution, id: string, entry: string): Request[] {
  const all = requests(ex);
  const of = all.filter((r) => r.entry === entry);
  if (of.length === 0) throw unknownEntry(id, entry, 'request', [...new Set(all.map((r) => r.entry))]);
  return of;
}

function where(f: FunctionTime): string {
  return f.file ? `${f.file}:${f.line}` : '';
}
