import type { Command } from 'commander';
import pc from 'picocolors';
import type { Client, WorkflowHandle } from '../../../client/index.js';
import type { RunRecord } from '../../../store/index.js';
import { durationFlag, jsonArrayFlag, jsonFlag } from '../../flags.js';
import { printJson, println } from '../../output/json.js';
import { paintStatus } from '../../output/style.js';
import { pretty } from '../../output/values.js';
import { withClient } from '../../store.js';

/**
 * Handles act on a workflow id (the newest run of a continue-as-new chain);
 * users may paste either a run id or a workflow id.
 */
async function handleFor(client: Client, id: string): Promise<{ run: RunRecord; handle: WorkflowHandle }> {
  const run = await client.describe(id);
  return { run, handle: client.getHandle(run.workflowId) };
}

/** Opens the store, does `act` to the workflow `id` names, and hands back its run as it was before. */
function actOn(cmd: Command, id: string, act: (handle: WorkflowHandle) => Promise<void>): Promise<RunRecord> {
  return withClient(cmd, async (client) => {
    const { run, handle } = await handleFor(client, id);
    await act(handle);
    return run;
  }, { mustExist: true });
}

export function register(group: Command): void {
  group
    .command('signal <id> <name>')
    .description('send a signal to a running workflow')
    .option('--payload <json>', 'signal payload as JSON')
    .action(async (id: string, name: string, flags: { payload?: string }, cmd: Command) => {
      const payload = jsonFlag('--payload', flags.payload);
      const run = await actOn(cmd, id, (handle) => handle.signal(name, payload));
      println(`${pc.green('signalled')} ${name} to workflow ${pc.bold(run.workflowId)}`);
    });

  group
    .command('query <id> <name>')
    .description('ask a running workflow a question; its worker answers from the workflow\'s state now')
    .option('--args <json-array>', 'query arguments as a JSON array')
    .option('--json', 'print JSON')
    .action(async (id: string, name: string, flags: { args?: string; json?: boolean }, cmd: Command) => {
      const args = jsonArrayFlag('--args', flags.args);
      const { run, result } = await withClient(cmd, async (client) => {
        const { run, handle } = await handleFor(client, id);
        return { run, result: await handle.query(name, ...args) };
      }, { mustExist: true });
      if (flags.json) return printJson({ workflowId: run.workflowId, runId: run.runId, query: name, result });
      println(pretty(result));
    });

  group
    .command('cancel <id>')
    .description('ask a workflow to cancel; its cleanup code (finally, compensations) still runs')
    .option('--reason <text>', 'why, recorded in the history', 'cancelled by request')
    .action(async (id: string, flags: { reason: string }, cmd: Command) => {
      const run = await actOn(cmd, id, (handle) => handle.cancel(flags.reason));
      println(`${pc.yellow('cancel requested')} for workflow ${pc.bold(run.workflowId)}; its worker winds it down`);
    });

  group
    .command('terminate <id>')
    .description('end a workflow at once; no workflow code runs, not even cleanup')
    .option('--reason <text>', 'why, recorded in the history', 'terminated by request')
    .action(async (id: string, flags: { reason: string }, cmd: Command) => {
      const run = await actOn(cmd, id, (handle) => handle.terminate(flags.reason));
      println(`${paintStatus('TERMINATED')} workflow ${pc.bold(run.workflowId)}`);
    });

  group
    .command('result <id>')
    .description('wait for a workflow\'s result and print it')
    .option('--timeout <duration>', 'give up after this long', '30s')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: { timeout: string; json?: boolean }, cmd: Command) => {
      const timeout = durationFlag('--timeout', flags.timeout);
      const { run, result } = await withClient(cmd, async (client) => {
        const { handle } = await handleFor(client, id);
        const result = await handle.result({ timeout });
        return { run: await handle.describe(), result };
      }, { mustExist: true });
      if (flags.json) return printJson({ workflowId: run.workflowId, runId: run.runId, status: run.status, result });
      println(pretty(result));
    });
}
