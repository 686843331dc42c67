import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '../client/index.js';
import { startSession, type DebugSession, type RunInfo, type SessionStart } from '../debugger/index.js';
import { parseHistoryFile, type RecordedEvent } from '../history/index.js';
import { defaultStorePath, openStore } from '../store/index.js';
import { DapError } from './errors.js';

/** The `launch` request's arguments (a launch configuration of type `hindsight`). */
export interface LaunchArguments {
  /** An exported history file (`hindsight workflow export`). */
  readonly history?: string;
  /** A workflow id or run id in the store. */
  readonly run?: string;
  /** The store's SQLite file (default: $HINDSIGHT_STORE, else .hindsight/hindsight.db under cwd). */
  readonly store?: string;
  /** The compiled module that exports the workflows: the code that ran. */
  readonly workflows: string;
  /** Folder that relative paths are resolved from (default: the adapter's working folder). */
  readonly cwd?: string;
}

export interface OpenRun {
  readonly session: DebugSession;
  readonly start: SessionStart;
}

const USAGE = 'launch takes { workflows: "<compiled module.js>", and history: "<file.json>" or run: "<workflow or run id>" (with store: "<sqlite file>") }';

/** Checks the arguments, loads the history and replays it into a session; every problem is a one-line DapError. */
export async function openRun(raw: unknown): Promise<OpenRun> {
  const args = checkArguments(raw);
  const base = args.cwd ?? process.cwd();
  const workflows = path.resolve(base, args.workflows);
  if (!existsSync(workflows)) throw new DapError('HS_E_DAP_LAUNCH_ARGS', `no workflows module at ${workflows}; point workflows at the compiled module (.js) that exports the workflows`);
  const { events, run } = args.history !== undefined ? await fromFile(path.resolve(base, args.history)) : await fromStore(args.run!, storeFile(args, base));
  return startSession(events, run, workflows);
}

function checkArguments(raw: unknown): LaunchArguments {
  if (typeof raw !== 'object' || raw === null) throw new DapError('HS_E_DAP_LAUNCH_ARGS', `no launch arguments; ${USAGE}`);
  const a = raw as Record<string, unknown>;
  for (const key of ['history', 'run', 'store', 'workflows', 'cwd']) {
    if (a[key] !== undefined && typeof a[key] !== 'string') throw new DapError('HS_E_DAP_LAUNCH_ARGS', `launch argument '${key}' must be a string, not ${JSON.stringify(a[key])}`);
  }
  if (!a.workflows) throw new DapError('HS_E_DAP_LAUNCH_ARGS', `launch needs 'workflows', the compiled module that exports the workflows; ${USAGE}`);
  if (a.history === undefined && a.run === undefined) throw new DapError('HS_E_DAP_LAUNCH_ARGS', `launch needs 'history' (a file) or 'run' (an id in the store); ${USAGE}`);
  if (a.history !== undefined && a.run !== undefined) throw new DapError('HS_E_DAP_LAUNCH_ARGS', `launch takes 'history' or 'run', not both`);
  return a as unknown as LaunchArguments;
}

function storeFile(args: LaunchArguments, base: string): string {
  const given = args.store ?? process.env.HINDSIGHT_STORE ?? defaultStorePath();
  const file = path.resolve(base, given.replace(/^sqlite:(\/\/)?/i, ''));
  // a store that does not exist would be created empty, and the run reported unknown: say the real mistake
  if (!existsSync(file)) throw new DapError('HS_E_STORE_NOT_FOUND', `no store at ${file}; set 'store' in the launch configuration to the store your workers use`);
  return file;
}

async function fromFile(file: string): Promise<{ events: RecordedEvent[]; run: RunInfo }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DapError('HS_E_FILE_NOT_FOUND', `the history file ${file} does not exist; write one with \`hindsight workflow export <id> -o ${path.basename(file)}\``);
    throw new DapError('HS_E_FILE_READ', `cannot read the history file ${file}: ${(err as Error).message}`);
  }
  const parsed = parseHistoryFile(text, file);
  return { events: parsed.events, run: { workflowId: parsed.run.workflowId, runId: parsed.run.runId, workflowType: parsed.run.workflowType } };
}

async function fromStore(id: string, file: string): Promise<{ events: RecordedEvent[]; run: RunInfo }> {
  const store = await openStore({ path: file });
  try {
    const client = new Client({ store });
    const run = await client.describe(id);
    return { events: await client.history(run.runId), run: { workflowId: run.workflowId, runId: run.runId, workflowType: run.workflowType } };
  } finally {
    await store.close();
  }
}
