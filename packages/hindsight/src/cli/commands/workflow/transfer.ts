import type { Command } from 'commander';
import pc from 'picocolors';
import { HindsightError } from '../../../common/errors.js';
import { readHistoryFile, writeFileAtomic } from '../../files.js';
import { printJson, println } from '../../output/json.js';
import { paintStatus } from '../../output/style.js';
import { withClient } from '../../store.js';

export function register(group: Command): void {
  group
    .command('export <id>')
    .description('write a run\'s history as a history file (format hindsight.history v1), to replay or debug elsewhere')
    .option('-o, --output <file>', 'file to write (default: stdout)')
    .action(async (id: string, flags: { output?: string }, cmd: Command) => {
      const file = await withClient(cmd, (client) => client.exportHistory(id), { mustExist: true });
      const text = `${JSON.stringify(file, null, 2)}\n`;
      if (!flags.output) {
        process.stdout.write(text);
        return;
      }
      await writeFileAtomic(flags.output, text);
      // stderr, so that `export -o f` and `export > f` leave stdout alike for scripts.
      process.stderr.write(`${pc.green('exported')} ${file.events.length} events of ${file.run.workflowId} (run ${file.run.runId}) to ${flags.output}\n`);
    });

  group
    .command('import <file>')
    .description('store an exported history as a run of this store; an open run goes on under this store\'s workers')
    .option('--json', 'print JSON')
    .action(async (file: string, flags: { json?: boolean }, cmd: Command) => {
      const history = await readHistoryFile(file);
      const run = await withClient(cmd, async (client) => {
        const run = await client.importHistory(history, file);
        // The store is idempotent on the workflow id: it hands back the run it already has
        // and writes nothing, which importHistory does not report.
        if (run.runId !== history.run.runId) {
          throw new HindsightError(
            'HS_E_WORKFLOW_EXISTS',
            `workflow id ${history.run.workflowId} already has run ${run.runId} in ${client.store.location}; nothing was imported (import into another store)`,
          );
        }
        return run;
      });
      if (flags.json) return printJson({ workflowId: run.workflowId, runId: run.runId, status: run.status, events: run.eventCount });
      println(`${pc.green('imported')} ${run.workflowType} workflow ${pc.bold(run.workflowId)} run ${run.runId}: ${paintStatus(run.status)}, ${run.eventCount} events`);
    });
}
