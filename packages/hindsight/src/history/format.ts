import { HindsightError } from '../common/errors.js';
import { EVENT_TYPES, type RecordedEvent } from './events.js';

/**
 * The history export format, version 1 (documented in docs/history-format.md).
 * A file says what it is (`format`, `version`) instead of being guessed from
 * its name, so old files stay readable and foreign files are refused clearly.
 */
export const HISTORY_FORMAT = 'hindsight.history';
export const HISTORY_VERSION = 1;

export interface HistoryFile {
  format: typeof HISTORY_FORMAT;
  version: typeof HISTORY_VERSION;
  exportedAt: string;
  run: {
    workflowId: string;
    runId: string;
    workflowType: string;
    taskQueue: string;
    status: string;
    createdAt: number;
    closedAt: number | null;
  };
  events: RecordedEvent[];
}

export class HistoryFormatError extends HindsightError {
  constructor(source: string, problem: string) {
    super('HS_E_HISTORY_FILE', `${source}: ${problem}`);
  }
}

const KNOWN_TYPES = new Set<string>(EVENT_TYPES);

/** Parses and checks an exported history; every problem is one line that says what to do. */
export function parseHistoryFile(text: string, source = 'history file'): HistoryFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const truncated = /end of (JSON )?input|Unterminated/i.test((err as Error).message);
    throw new HistoryFormatError(
      source,
      truncated
        ? 'the file ends too early (truncated); export it again with `hindsight workflow export`'
        : `not valid JSON (${(err as Error).message}); pass a file written by \`hindsight workflow export\``,
    );
  }
  return checkHistoryFile(data, source);
}

export function checkHistoryFile(data: unknown, source = 'history file'): HistoryFile {
  const fail = (problem: string): never => {
    throw new HistoryFormatError(source, problem);
  };
  if (typeof data !== 'object' || data === null) fail('not a Hindsight history (expected a JSON object)');
  const file = data as Partial<HistoryFile>;
  if (file.format !== HISTORY_FORMAT) fail(`not a Hindsight history (format is ${JSON.stringify(file.format)}, expected "${HISTORY_FORMAT}")`);
  if (file.version !== HISTORY_VERSION) {
    fail(`history format version ${JSON.stringify(file.version)} is not supported (this hindsight reads version ${HISTORY_VERSION}); upgrade hindsight`);
  }
  const run = file.run;
  if (!run || typeof run.workflowId !== 'string' || typeof run.runId !== 'string' || typeof run.workflowType !== 'string') {
    fail('the "run" section is missing workflowId, runId or workflowType; export the history again');
  }
  if (!Array.isArray(file.events) || file.events.length === 0) fail('the history has no events; export the history again');
  file.events!.forEach((e, i) => {
    const where = `event ${i + 1}`;
    if (typeof e !== 'object' || e === null) fail(`${where} is not an object`);
    if (e.id !== i + 1) fail(`${where} has id ${JSON.stringify(e.id)}, expected ${i + 1} (events missing or out of order: the file is damaged)`);
    if (!KNOWN_TYPES.has(e.type)) fail(`${where} has unknown type ${JSON.stringify(e.type)}; it may come from a newer hindsight`);
    if (typeof e.ts !== 'number') fail(`${where} has no timestamp`);
  });
  const first = file.events![0]!;
  if (first.type !== 'WorkflowStarted') fail('the first event is not WorkflowStarted; the file is damaged');
  if (first.type === 'WorkflowStarted' && first.runId !== run!.runId) fail('the run id of the file and of its WorkflowStarted event differ; the file is damaged');
  return file as HistoryFile;
}
