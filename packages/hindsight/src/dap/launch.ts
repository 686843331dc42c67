import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '../client/index.js';
import { startRecordingSession, startSession, type DebugSession, type RunInfo, type SessionStart } from '../debugger/index.js';
import { parseHistoryFile, type RecordedEvent } from '../history/index.js';
import { fromRecordingFile, isRecordingFile, RECORDING_ID, recoverOrphans, storedRecording } from '../recorder/index.js';
import { defaultStorePath, openRecordings, openStore, type Recording } from '../store/index.js';
import { DapError } from './errors.js';

/** The `launch` request's arguments (a launch configuration of type `hindsight`). */
export interface LaunchArguments {
  /** An exported history file (`hindsight workflow export`). */
  readonly history?: string;
  /** A workflow id or run id in the store. */
  readonly run?: string;
  /** A flight recording: its id in the store (rec-…) or an exported recording file (`hindsight trace export`). */
  readonly recording?: string;
  /** The store's SQLite file (default: $HINDSIGHT_STORE, else .hindsight/hindsight.db under cwd). */
  readonly store?: string;
  /** For a workflow run: the compiled module that exports the workflows, the code that ran. */
  readonly workflows?: string;
  /** Folder that relative paths are resolved from (default: the adapter's working folder). */
  readonly cwd?: string;
}

export interface OpenRun {
  readonly session: DebugSession;
  readonly start: SessionStart;
  /** The thread's name, when not the run's own (`child <type> <id>`). */
  readonly name?: string;
}

/** What a launch opens: the run or recording, a workflow run's child runs (each its own thread), and what to tell about them. */
export interface Opened {
  readonly main: OpenRun;
  readonly children: readonly OpenRun[];
  readonly notes: readonly string[];
}

/** A run's history as the store or a file holds it. */
interface Loaded {
  readonly events: RecordedEvent[];
  readonly run: RunInfo;
}

const USAGE = 'launch takes { workflows: "<compiled module.js>", and history: "<file.json>" or run: "<workflow or run id>" } or { recording: "<rec-… or exported recording file>" }, with store: "<sqlite file>" for ids';

/** Told how far the decode of a recording of `events` ring events is, from 0 to 1 (the editor shows it). */
export type Decoding = (events: number) => (fraction: number) => void;

/**
 * Checks the arguments and opens the run (replayed) or the recording (decoded, `decoding` told
 * how far) in a session; every problem is a one-line DapError.
 */
export async function openRun(raw: unknown, decoding?: Decoding): Promise<Opened> {
  const args = checkArguments(raw);
  const base = args.cwd ?? process.cwd();
  if (args.recording !== undefined) return { main: openRecording(args.recording, args, base, decoding), children: [], notes: [] };
  const workflows = path.resolve(base, args.workflows!);
  if (!existsSync(workflows)) throw new DapError('HS_E_DAP_LAUNCH_ARGS', `no workflows module at ${workflows}; point workflows at the compiled module (.js) that exports the workflows`);
  const { main, children } = args.history !== undefined ? { main: await fromFile(path.resolve(base, args.history)), children: [] } : await fromStore(args.run!, storeFile(args, base));
  const opened = { main: await startSession(main.events, main.run, workflows), children: [] as OpenRun[], notes: [] as string[] };
  for (const child of children) {
    const { session, start } = await startSession(child.events, child.run, workflows);
    const name = `child ${child.run.workflowType} ${child.run.workflowId}`;
    if (start.stop) opened.children.push({ session, start, name });
    else {
      await session.close();
      opened.notes.push(`${name} is not a thread: ${start.notes.join('; ') || 'it has no trace'}`);
    }
  }
  return opened;
}

function checkArguments(raw: unknown): LaunchArguments {
  if (typeof raw !== 'object' || raw === null) throw new DapError('HS_E_DAP_LAUNCH_ARGS', `no launch arguments; ${USAGE}`);
  const a = raw as Record<string, unknown>;
  for (const key of ['history', 'run', 'recording', 'store', 'workflows', 'cwd']) {
    if (a[key] !== undefined && typeof a[key] !== 'string') throw new DapError('HS_E_DAP_LAUNCH_ARGS', `launch argument '${key}' must be a string, not ${JSON.stringify(a[key])}`);
  }
  if (a.recording !== undefined) {
    const other = ['history', 'run'].find((k) => a[k] !== undefined);
    if (other) throw new DapError('HS_E_DAP_LAUNCH_ARGS', `launch takes 'recording' or '${other}', not both`);
    return a as unknown as LaunchArguments;
  }
  if (!a.workflows) throw new DapError('HS_E_DAP_LAUNCH_ARGS', `launch needs 'workflows', the compiled module that exports the workflows; ${USAGE}`);
  if (a.history === undefined && a.run === undefined) throw new DapError('HS_E_DAP_LAUNCH_ARGS', `launch needs 'history' (a file) or 'run' (an id in the store) for a workflow run, or 'recording'; ${USAGE}`);
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

async function fromFile(file: string): Promise<Loaded> {
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

/** A run in the store and its child runs, children of children included, in the order they were started. */
async function fromStore(id: string, file: string): Promise<{ main: Loaded; children: Loaded[] }> {
  const store = await openStore({ path: file });
  try {
    const client = new Client({ store });
    const load = async (runId: string): Promise<Loaded> => {
      const run = await client.describe(runId);
      return { events: await client.history(run.runId), run: { workflowId: run.workflowId, runId: run.runId, workflowType: run.workflowType } };
    };
    const main = await load(id);
    const children: Loaded[] = [];
    for (let k = -1; k < children.length; k++) {
      const parent = k === -1 ? main : children[k]!;
      for (const e of parent.events) if (e.type === 'ChildStarted') children.push(await load(e.runId));
    }
    return { main, children };
  } finally {
    await store.close();
  }
}

/** A flight recording, by id in the store or as an exported file; its listings come from its code bundle. */
function openRecording(target: string, args: LaunchArguments, base: string, decoding?: Decoding): OpenRun {
  const file = path.resolve(base, target);
  const start = (recording: Recording, sources: Map<string, string>) => startRecordingSession(recording, { bundle: sources, progress: decoding?.(recording.meta.events) });
  if (existsSync(file)) return start(...recordingFile(file));
  if (!RECORDING_ID.test(target)) {
    throw new DapError('HS_E_DAP_LAUNCH_ARGS', `'recording' is neither a recording id (rec-…) nor a file: ${file} does not exist; \`hindsight trace list\` shows the recordings`);
  }
  const store = storeFile(args, base);
  const recordings = openRecordings({ path: store });
  try {
    // rings of programs recorded without a supervisor and killed outright become recordings now
    recoverOrphans(store, recordings);
    const { recording, sources } = storedRecording(recordings, target);
    return start(recording, sources);
  } finally {
    recordings.close();
  }
}

function recordingFile(file: string): [Recording, Map<string, string>] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DapError('HS_E_RECORDING_FILE_INVALID', `${file} is not a recording file (${(err as Error).message}); write one with \`hindsight trace export <rec-id> -o ${path.basename(file)}\``);
  }
  if (!isRecordingFile(json)) throw new DapError('HS_E_RECORDING_FILE_INVALID', `${file} is not a recording file; write one with \`hindsight trace export <rec-id> -o ${path.basename(file)}\``);
  const { recording, sources } = fromRecordingFile(json, file);
  return [recording, sources];
}
