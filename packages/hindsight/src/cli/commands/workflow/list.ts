import type { Command } from 'commander';
import pc from 'picocolors';
import type { RunFilter, RunRecord } from '../../../store/index.js';
import { intFlag, sinceFlag, statusesFlag } from '../../flags.js';
import { printJson, println } from '../../output/json.js';
import { paintStatus } from '../../output/style.js';
import { renderTable } from '../../output/table.js';
import { formatDuration, localTime } from '../../output/time.js';
import { withClient } from '../../store.js';

interface ListFlags {
  status?: string;
  type?: string;
  workflowId?: string;
  taskQueue?: string;
  since?: string;
  limit: string;
  cursor?: string;
  json?: boolean;
}

export function register(group: Command): void {
  group
    .command('list')
    .description('list runs, newest first')
    .option('--status <statuses>', 'only these statuses, comma-separated (e.g. RUNNING,BLOCKED)')
    .option('--type <workflowType>', 'only runs of this workflow')
    .option('--workflow-id <id>', 'only runs of this workflow id')
    .option('--task-queue <queue>', 'only runs on this task queue')
    .option('--since <when>', 'only runs started since an ISO date or a duration ago (1h, 2 days)')
    .option('--limit <n>', 'runs per page', '50')
    .option('--cursor <cursor>', 'the next page, from the previous page\'s hint')
    .option('--json', 'print JSON')
    .action(listAction);
}

async function listAction(flags: ListFlags, cmd: Command): Promise<void> {
  const filter: RunFilter = {};
  if (flags.status) filter.status = statusesFlag('--status', flags.status);
  if (flags.type) filter.workflowType = flags.type;
  if (flags.workflowId) filter.workflowId = flags.workflowId;
  if (flags.taskQueue) filter.taskQueue = flags.taskQueue;
  if (flags.since) filter.since = sinceFlag('--since', flags.since, Date.now());
  const limit = intFlag('--limit', flags.limit);

  const page = await withClient(cmd, (client) => client.list(filter, { limit, ...(flags.cursor ? { cursor: flags.cursor } : {}) }), { mustExist: true });
  if (flags.json) return printJson(page);
  if (page.runs.length === 0) {
    println(pc.dim(flags.cursor ? 'no more runs' : 'no runs match; start one with `hindsight workflow start <workflowType>`'));
    return;
  }
  const now = Date.now();
  println(renderTable(['workflow id', 'type', 'status', 'events', 'started', 'took'], page.runs.map((r) => row(r, now))));
  if (page.nextCursor) println(pc.dim(`more runs: add --cursor ${page.nextCursor}`));
}

function row(r: RunRecord, now: number): string[] {
  // An imported run is created at import time but keeps its recorded close: no duration then.
  const took =
    r.closedAt === null
      ? pc.dim(`${formatDuration(now - r.createdAt)} so far`)
      : r.closedAt >= r.createdAt
        ? formatDuration(r.closedAt - r.createdAt)
        : `closed ${localTime(r.closedAt)}`;
  return [r.workflowId, r.workflowType, paintStatus(r.status), String(r.eventCount), localTime(r.createdAt), took];
}
