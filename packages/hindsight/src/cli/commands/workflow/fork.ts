import type { Command } from 'commander';
import pc from 'picocolors';
import { intFlag } from '../../flags.js';
import { printJson, println } from '../../output/json.js';
import { withClient } from '../../store.js';

export function register(group: Command): void {
  group
    .command('fork <id>')
    .description('start a new run that keeps a run\'s history before an event and runs anew from there (the fix-and-rerun path)')
    .requiredOption('--at <eventId>', 'first event not kept: the new run goes on from here (see `workflow history`)')
    .option('--workflow-id <id>', 'workflow id of the new run (default: <source>~fork-<id>)')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: { at: string; workflowId?: string; json?: boolean }, cmd: Command) => {
      const atEvent = intFlag('--at', flags.at);
      const { source, run } = await withClient(cmd, async (client) => {
        const source = await client.describe(id);
        const handle = await client.fork(id, { atEvent, ...(flags.workflowId ? { workflowId: flags.workflowId } : {}) });
        return { source, run: await handle.describe() };
      }, { mustExist: true });
      if (flags.json) {
        return printJson({ workflowId: run.workflowId, runId: run.runId, forkedFrom: { workflowId: source.workflowId, runId: source.runId, eventId: atEvent } });
      }
      println(run.workflowId);
      if (process.stdout.isTTY) {
        println(pc.dim(`forked ${source.workflowId} at event ${atEvent} as run ${run.runId}; a worker for task queue '${run.taskQueue}' carries it on`));
      }
    });
}
