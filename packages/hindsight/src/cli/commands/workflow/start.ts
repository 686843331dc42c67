import type { Command } from 'commander';
import pc from 'picocolors';
import { loadWorkflows } from '../../../engine/index.js';
import type { WorkflowDefinition } from '../../../workflow/index.js';
import { durationFlag, jsonFlag } from '../../flags.js';
import { printJson, println } from '../../output/json.js';
import { paintStatus } from '../../output/style.js';
import { pretty } from '../../output/values.js';
import { withClient } from '../../store.js';

interface StartFlags {
  input?: string;
  workflowId?: string;
  taskQueue?: string;
  workflows?: string;
  wait?: boolean;
  timeout?: string;
  json?: boolean;
}

export function register(group: Command): void {
  group
    .command('start <workflowType>')
    .description('start a run of a workflow; prints its workflow id and run id')
    .option('--input <json>', 'workflow input as JSON, e.g. \'{"orderId": 42}\'')
    .option('--workflow-id <id>', 'the run\'s workflow id; starting the same id again returns the existing run (default: a new UUID)')
    .option('--task-queue <queue>', 'task queue (default: the workflow\'s own, else "default")')
    .option('--workflows <module.js>', 'check the workflow name against this module before starting')
    .option('--wait', 'wait for the result and print it')
    .option('--timeout <duration>', 'with --wait: give up after this long')
    .option('--json', 'print JSON')
    .action(startAction);
}

async function startAction(workflowType: string, flags: StartFlags, cmd: Command): Promise<void> {
  const input = jsonFlag('--input', flags.input);
  const timeout = flags.timeout === undefined ? undefined : durationFlag('--timeout', flags.timeout);
  const workflows = flags.workflows ? (await loadWorkflows(flags.workflows)).workflows : undefined;
  // The definition, when known, brings its own default task queue.
  const target: WorkflowDefinition | string = workflows?.find((w) => w.name === workflowType) ?? workflowType;

  await withClient(
    cmd,
    async (client) => {
      // Client.start is idempotent on the workflow id and does not say whether it created a run.
      const before = flags.workflowId ? await client.store.findRun(flags.workflowId) : null;
      const handle = await client.start(target, input, {
        ...(flags.workflowId ? { workflowId: flags.workflowId } : {}),
        ...(flags.taskQueue ? { taskQueue: flags.taskQueue } : {}),
      });
      const run = await handle.describe();
      const created = before === null || before.runId !== run.runId;
      if (!flags.json) {
        println(
          created
            ? `${pc.green('started')} ${run.workflowType} workflow ${pc.bold(run.workflowId)} run ${run.runId} on task queue ${run.taskQueue}`
            : `${pc.yellow('exists')} workflow ${pc.bold(run.workflowId)} has run ${run.runId} (${paintStatus(run.status)}) already; not started again`,
        );
      }
      if (!flags.wait) {
        if (flags.json) printJson({ workflowId: run.workflowId, runId: run.runId, workflowType: run.workflowType, taskQueue: run.taskQueue, created });
        return;
      }
      if (!flags.json && process.stderr.isTTY) {
        process.stderr.write(pc.dim(`waiting for the result (a worker must serve task queue '${run.taskQueue}')...\n`));
      }
      const result = await handle.result(timeout === undefined ? {} : { timeout });
      const done = await handle.describe();
      if (flags.json) {
        printJson({ workflowId: done.workflowId, runId: done.runId, workflowType: done.workflowType, taskQueue: done.taskQueue, created, status: done.status, result });
      } else {
        println(`${paintStatus(done.status)} result:`);
        println(pretty(result));
      }
    },
    workflows ? { workflows } : {},
  );
}
