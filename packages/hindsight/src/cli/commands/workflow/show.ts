import type { Command } from 'commander';
import pc from 'picocolors';
import type { FailureInfo } from '../../../history/index.js';
import type { RunRecord } from '../../../store/index.js';
import { printJson, println } from '../../output/json.js';
import { paintStatus } from '../../output/style.js';
import { formatDuration, localTime, offset } from '../../output/time.js';
import { buildTimeline, type TimelineEntry, type TimelineState } from '../../output/timeline.js';
import { failureLine, plural, pretty } from '../../output/values.js';
import { withClient } from '../../store.js';

export function register(group: Command): void {
  group
    .command('show <id>')
    .description('a run (by run id or workflow id): status, input, result or error, and a timeline of its history')
    .option('--json', 'print JSON')
    .action(showAction);
}

async function showAction(id: string, flags: { json?: boolean }, cmd: Command): Promise<void> {
  const { run, events } = await withClient(
    cmd,
    async (client) => {
      const run = await client.describe(id);
      return { run, events: await client.store.readHistory(run.runId) };
    },
    { mustExist: true },
  );
  const timeline = buildTimeline(events);
  if (flags.json) return printJson({ run, timeline });
  printRun(run, timeline);
  println();
  println(pc.bold('timeline'));
  printTimeline(timeline);
}

function printRun(run: RunRecord, timeline: TimelineEntry[]): void {
  const field = (name: string, value: string) => println(`${pc.dim(name.padEnd(11))}${value}`);
  field('workflow', `${pc.bold(run.workflowId)} ${pc.dim(`(${run.workflowType}, task queue ${run.taskQueue})`)}`);
  field('run', run.runId);
  field('status', paintStatus(run.status));
  field('started', localTime(run.createdAt));
  if (run.closedAt !== null) {
    const took = run.closedAt >= run.createdAt ? ` ${pc.dim(`after ${formatDuration(run.closedAt - run.createdAt)}`)}` : '';
    field('closed', `${localTime(run.closedAt)}${took}`);
  }
  else field('updated', localTime(run.updatedAt));
  if (run.leaseOwner && run.closedAt === null) field('worker', run.leaseOwner);
  if (run.parentRunId) field('parent', run.parentRunId);
  if (run.fingerprint) field('code', run.fingerprint);
  if (run.wakeAt !== null && run.closedAt === null) field('wakes', localTime(run.wakeAt));
  field('input', indent(pretty(run.input)));
  if (run.status === 'COMPLETED') field('result', indent(pretty(run.result)));
  if (run.error) field('error', indent(failureText(run.error)));
  // The run's error is raised inside the engine; the step or child that failed holds the stack in user code.
  for (const e of timeline) {
    if (e.error && e.kind !== 'end') field(`${e.kind} #${e.eventId}`, indent(`${pc.bold(e.name)} failed: ${failureText(e.error)}`));
  }
  if (run.blockedReason) field('blocked', pc.magenta(run.blockedReason));
}

/** Frames of hindsight itself and of Node say nothing about the user's code. */
const INTERNAL_FRAME = /\/hindsight\/dist\/src\/|\(node:|^at node:|node:internal|node:async_hooks/;

/** The error, the frames of its stack in user code, and its causes, as recorded. */
function failureText(f: FailureInfo): string {
  const head = pc.red(failureLine(f));
  const frames = f.stack ? f.stack.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('at ')) : [];
  const own = frames.filter((l) => !INTERNAL_FRAME.test(l));
  const hidden = frames.length - own.length;
  const lines = own.map((l) => `  ${pc.dim(l)}`);
  if (hidden > 0) lines.push(`  ${pc.dim(`(${plural(hidden, 'frame')} inside hindsight or node hidden; --json has them all)`)}`);
  const cause = f.cause ? [`caused by ${failureText(f.cause)}`] : [];
  return [head, ...lines, ...cause].join('\n');
}

const STATE_PAINT: Record<TimelineState, (s: string) => string> = {
  ok: pc.green,
  failed: pc.red,
  pending: pc.cyan,
  cancelled: pc.yellow,
  info: (s) => s,
};

function printTimeline(entries: TimelineEntry[]): void {
  for (const e of entries) {
    const at = `#${e.eventId}`.padEnd(5);
    const when = offset(e.offsetMs).padEnd(9);
    const kind = e.kind.padEnd(7);
    println(`  ${pc.dim(at)}${pc.dim(when)}${kind}${STATE_PAINT[e.state](e.name)}  ${e.summary}`);
    for (const r of e.retries ?? []) println(pc.dim(`${' '.repeat(23)}attempt ${r.attempt}: ${failureLine(r.error)}`));
  }
}

function indent(text: string): string {
  return text.split('\n').join(`\n${' '.repeat(11)}`);
}
