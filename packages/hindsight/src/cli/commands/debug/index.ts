import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { HindsightError } from '../../../common/errors.js';
import { COMMAND_NAMES, startRecordingSession, startSession, type CommandResult, type DebugSession, type RunInfo, type SessionStart } from '../../../debugger/index.js';
import type { RecordedEvent } from '../../../history/index.js';
import { fromRecordingFile, isRecordingFile, partsOf, RECORDING_ID, storedRecording } from '../../../recorder/index.js';
import type { Recording } from '../../../store/index.js';
import { readHistoryFile } from '../../files.js';
import { jsonLine, println } from '../../output/json.js';
import { withDecodingBar } from '../../output/progress.js';
import { withClient } from '../../store.js';
import { withRecordings } from '../trace/index.js';
import { renderResult, renderStart } from './render.js';

interface DebugFlags {
  workflows?: string;
  commands?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('debug <target>')
    .description('debug backwards and forwards: a workflow run (a workflow or run id, or a history file from `workflow export`) or a flight recording (rec-...)')
    .option('--workflows <module.js>', 'for a workflow run: the compiled module that exports the workflows (the code that ran)')
    .option('--commands <file>', 'run these commands (one a line, # comments) and exit, instead of the interactive prompt')
    .option('--json', 'print one JSON object per command: {command, stop | result | error}')
    .action(debugAction);
}

async function debugAction(target: string, flags: DebugFlags, cmd: Command): Promise<void> {
  const script = flags.commands === undefined ? undefined : await readScript(flags.commands);
  const { session, start } = RECORDING_ID.test(target) ? openRecording(target, cmd) : ((await recordingFileAt(target)) ?? (await openRun(target, flags, cmd)));
  if (flags.json) println(jsonLine({ command: 'start', result: { kind: 'start', ...start } }));
  else for (const l of renderStart(start)) println(l);

  const print = (r: CommandResult) => {
    if (flags.json) println(jsonLine(r));
    else for (const l of renderResult(r)) println(l);
  };
  try {
    if (script) await scripted(session, script, print, !flags.json);
    else await interactive(session, print);
  } finally {
    await session.close();
  }
}

async function scripted(session: DebugSession, script: string[], print: (r: CommandResult) => void, echo: boolean): Promise<void> {
  for (const line of script) {
    if (echo) println(`(hindsight) ${line}`);
    const r = await session.execute(line);
    print(r);
    if (r.result?.kind === 'quit') break;
  }
}


async function openRun(target: string, flags: DebugFlags, cmd: Command): Promise<{ session: DebugSession; start: SessionStart }> {
  if (!flags.workflows) {
    throw new HindsightError('HS_E_USAGE', 'a workflow run is debugged against its code: pass --workflows <module.js>, the compiled module that exports the workflows');
  }
  const { events, run } = await loadHistory(target, cmd);
  return startSession(events, run, flags.workflows);
}

/** A recording in the store, with its code bundle; a launcher's (npm start), the program it started in its place, said. */
function openRecording(id: string, cmd: Command): { session: DebugSession; start: SessionStart } {
  let instead: string | undefined;
  const { recording, sources } = withRecordings(cmd, (r) => {
    const { main, program } = partsOf(r, id);
    if (main && program) instead = `${id} (${main.command.join(' ')}) ran no traced code itself (a launcher, such as npm): this is the ${program.part!.kind} it started, ${program.part!.id} (${program.command.join(' ')}), ${program.id}`;
    return storedRecording(r, program?.id ?? id);
  });
  const { session, start } = recordingSession(recording, sources);
  return { session, start: instead ? { ...start, notes: [instead, ...start.notes] } : start };
}

/** A session over a recording, its decode shown by a bar on a terminal (a full ring of a busy service takes seconds). */
function recordingSession(recording: Recording, sources: Map<string, string>): { session: DebugSession; start: SessionStart } {
  return withDecodingBar(recording.meta.events, (progress) => startRecordingSession(recording, { bundle: sources, progress }));
}

/** An exported recording file (`hindsight trace export`), when the target is one. */
async function recordingFileAt(target: string): Promise<{ session: DebugSession; start: SessionStart } | undefined> {
  if (!existsSync(target) || !target.endsWith('.json')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(await readFile(target, 'utf8'));
  } catch {
    return undefined; // not ours to judge: the history reader says what is wrong with it
  }
  if (!isRecordingFile(json)) return undefined;
  const { recording, sources } = fromRecordingFile(json, target);
  return recordingSession(recording, sources);
}

/** A history file when the target names one (or looks like one), else a workflow or run id in the store. */
async function loadHistory(target: string, cmd: Command): Promise<{ events: RecordedEvent[]; run: RunInfo }> {
  if (existsSync(target) || target.endsWith('.json')) {
    const file = await readHistoryFile(target);
    return { events: file.events, run: { workflowId: file.run.workflowId, runId: file.run.runId, workflowType: file.run.workflowType } };
  }
  return withClient(
    cmd,
    async (client) => {
      const run = await client.describe(target);
      return { events: await client.history(run.runId), run: { workflowId: run.workflowId, runId: run.runId, workflowType: run.workflowType } };
    },
    { mustExist: true },
  );
}

async function readScript(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new HindsightError('HS_E_FILE_NOT_FOUND', `cannot read the command file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** The prompt: tab completes command names; an empty line repeats the last command, as in gdb. */
async function interactive(session: DebugSession, print: (r: CommandResult) => void): Promise<void> {
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: '(hindsight) ',
    completer: (line: string): [string[], string] => {
      if (/\s/.test(line)) return [[], line];
      const hits = COMMAND_NAMES.filter((n) => n.startsWith(line));
      return [hits.length ? hits : [...COMMAND_NAMES], line];
    },
  });
  let last = '';
  rl.prompt();
  // one command at a time: the next line waits until this one has answered
  for await (const input of rl) {
    const line = input.trim() === '' ? last : input.trim();
    if (line !== '' && !line.startsWith('#')) {
      last = line;
      const r = await session.execute(line);
      print(r);
      if (r.result?.kind === 'quit') break;
    }
    rl.prompt();
  }
  rl.close();
}
