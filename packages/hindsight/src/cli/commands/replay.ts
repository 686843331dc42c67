import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import pc from 'picocolors';
import { HindsightError } from '../../common/errors.js';
import { loadWorkflows, replayHistory, type LoadedWorkflows } from '../../engine/index.js';
import type { RecordedEvent } from '../../history/index.js';
import type { WorkflowDefinition } from '../../workflow/index.js';
import { readHistoryFile } from '../files.js';
import { printJson, println } from '../output/json.js';
import { plural } from '../output/values.js';
import { withClient } from '../store.js';

interface ReplayFlags {
  workflows: string;
  run?: string;
  json?: boolean;
}

/** One history to check, from a file or straight from the store. */
interface Source {
  source: string;
  events: RecordedEvent[];
}

interface Outcome {
  source: string;
  ok: boolean;
  events: number;
  /** New events the code would record beyond an open run's history. */
  wouldRecord: number;
  divergence?: { code: string; message: string; eventId?: number };
}

export function register(program: Command): void {
  program
    .command('replay [history...]')
    .description('check that workflow code still replays recorded histories (for CI); exits 1 if any diverges')
    .requiredOption('--workflows <module.js>', 'compiled module that exports the workflows')
    .option('--run <workflowId>', 'also replay this run straight from the store')
    .option('--json', 'print JSON')
    .action(replayAction);
}

async function replayAction(files: string[], flags: ReplayFlags, cmd: Command): Promise<void> {
  if (files.length === 0 && !flags.run) {
    throw new HindsightError('HS_E_USAGE', 'nothing to replay; pass history files (from `hindsight workflow export`) or --run <workflowId>');
  }
  const loaded = await loadWorkflows(flags.workflows);
  // A damaged file is a broken CI setup, not a divergence: fail at once, before any replay.
  const sources: Source[] = [];
  for (const file of files) sources.push({ source: file, events: (await readHistoryFile(file)).events });
  if (flags.run) {
    const runId = flags.run;
    const events = await withClient(cmd, (client) => client.history(runId), { mustExist: true });
    sources.push({ source: `run ${runId}`, events });
  }

  const outcomes = await replayAll(sources, loaded, !flags.json && sources.length > 1 && process.stdout.isTTY === true);
  const diverged = outcomes.filter((o) => !o.ok);
  if (flags.json) printJson({ ok: diverged.length === 0, workflows: loaded.modulePath, code: loaded.code.hash, results: outcomes });
  else for (const o of outcomes) println(outcomeLine(o));

  if (diverged.length > 0) {
    const first = diverged[0]!;
    throw new HindsightError(
      'HS_E_REPLAY_DIVERGED',
      `${diverged.length} of ${outcomes.length} ${outcomes.length === 1 ? 'history' : 'histories'} diverge${diverged.length === 1 ? 's' : ''} ` +
        `from ${flags.workflows}; first: ${first.source}: ${first.divergence!.message}`,
    );
  }
}

async function replayAll(sources: Source[], loaded: LoadedWorkflows, progress: boolean): Promise<Outcome[]> {
  const bar = progress
    ? new cliProgress.SingleBar(
        { format: 'replaying {bar} {value}/{total} {source}', stream: process.stdout, clearOnComplete: true, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(sources.length, 0, { source: '' });
  const byName = new Map(loaded.workflows.map((w) => [w.name, w]));
  const outcomes: Outcome[] = [];
  try {
    for (const s of sources) {
      bar?.update(outcomes.length, { source: s.source });
      outcomes.push(await replayOne(s, byName));
    }
    bar?.update(outcomes.length, { source: '' });
  } finally {
    bar?.stop();
  }
  return outcomes;
}

async function replayOne(s: Source, workflows: Map<string, WorkflowDefinition>): Promise<Outcome> {
  let result;
  try {
    result = await replayHistory(s.events, workflows);
  } catch (err) {
    // A history of a workflow the module does not have: say which file.
    if (HindsightError.is(err)) throw new HindsightError(err.code, `${s.source}: ${err.message}`, { cause: err });
    throw err;
  }
  const outcome: Outcome = { source: s.source, ok: result.ok, events: result.events, wouldRecord: result.wouldRecord.length };
  if (result.divergence) {
    const d = result.divergence;
    const eventId = 'details' in d ? d.details.eventId : undefined;
    outcome.divergence = { code: d.code, message: d.message, ...(eventId !== undefined ? { eventId } : {}) };
  } else if (!result.ok) {
    outcome.divergence = { code: 'HS_E_NON_DETERMINISM', message: 'the history is closed, but the code did not finish when replayed against it' };
  }
  return outcome;
}

function outcomeLine(o: Outcome): string {
  if (!o.ok) return `${pc.red('DIVERGED')} ${o.source}: ${o.divergence!.message}`;
  const goesOn = o.wouldRecord > 0 ? pc.dim(`; open run, the code would go on with ${plural(o.wouldRecord, 'new event')}`) : '';
  return `${pc.green('OK')}       ${o.source} ${pc.dim(`(${o.events} events)`)}${goesOn}`;
}
