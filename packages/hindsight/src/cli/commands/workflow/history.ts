import type { Command } from 'commander';
import pc from 'picocolors';
import { eventDetails } from '../../output/events.js';
import { printJson, println } from '../../output/json.js';
import { renderTable } from '../../output/table.js';
import { offset } from '../../output/time.js';
import { withClient } from '../../store.js';

export function register(group: Command): void {
  group
    .command('history <id>')
    .description('the events of a run\'s history (by run id or workflow id)')
    .option('--json', 'print the events as JSON')
    .action(async (id: string, flags: { json?: boolean }, cmd: Command) => {
      const events = await withClient(cmd, (client) => client.history(id), { mustExist: true });
      if (flags.json) return printJson(events);
      const t0 = events[0]?.ts ?? 0;
      const rows = events.map((e) => [String(e.id), offset(e.ts - t0), e.type, eventDetails(e, t0)]);
      println(renderTable(['id', 'time', 'type', 'details'], rows));
      println(pc.dim(`${events.length} events; the time is counted from the start of the run`));
    });
}
