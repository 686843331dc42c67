/**
 * Runs and recordings of a store, from `hindsight workflow list --json` and `hindsight trace list --json`,
 * in the order the pickers show them: what went wrong first. Pure (no `vscode` import).
 */
import { CliError, cliJson, type Cli } from './cli.js';

/** The fields of the CLI's RunRecord that the picker shows. */
export interface RunRow {
  readonly runId: string;
  readonly workflowId: string;
  readonly workflowType: string;
  readonly status: string;
  readonly eventCount: number;
  readonly createdAt: number;
  readonly error: { readonly message?: string } | null;
}

/** The fields of the CLI's RecordingMeta that the picker shows. */
export interface RecordingRow {
  readonly id: string;
  readonly createdAt: number;
  readonly trigger: string;
  readonly reason: string;
  readonly command: readonly string[];
  readonly events: number;
  readonly error?: { readonly name: string; readonly message: string };
}

/** `workflow list --json` prints a page `{ runs, nextCursor }`. */
export function parseRuns(json: unknown): RunRow[] {
  const runs = (json as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(runs)) throw new CliError('hindsight workflow list --json did not print { runs: [...] }; is the hindsight package older than this extension?');
  return runs.filter((r): r is RunRow => typeof r?.runId === 'string' && typeof r?.workflowId === 'string' && typeof r?.status === 'string');
}

/** `trace list --json` prints an array of recordings. */
export function parseRecordings(json: unknown): RecordingRow[] {
  if (!Array.isArray(json)) throw new CliError('hindsight trace list --json did not print a list of recordings; is the hindsight package older than this extension?');
  return json.filter((r): r is RecordingRow => typeof r?.id === 'string' && typeof r?.trigger === 'string');
}

/** Failed runs first, then blocked ones (their code diverged), then the rest; each group keeps the CLI's newest-first order. */
export function orderRuns(runs: readonly RunRow[]): RunRow[] {
  const rank = (s: string): number => (s === 'FAILED' ? 0 : s === 'BLOCKED' ? 1 : 2);
  return stableSort(runs, (r) => rank(r.status));
}

/** Crashes first, then snapshots and normal exits; each group newest first, as the CLI lists them. */
export function orderRecordings(recs: readonly RecordingRow[]): RecordingRow[] {
  return stableSort(recs, (r) => (r.trigger === 'crash' ? 0 : 1));
}

function stableSort<T>(items: readonly T[], rank: (t: T) => number): T[] {
  return items.map((item, i) => ({ item, i, r: rank(item) })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.item);
}

/** The store flag for the CLI, when one is set (else the CLI's default: $HINDSIGHT_STORE, then .hindsight/). */
const storeArgs = (store: string | undefined): string[] => (store ? ['--store', store] : []);

export async function listRuns(cli: Cli, cwd: string, store?: string, limit = 200): Promise<RunRow[]> {
  return orderRuns(parseRuns(await cliJson(cli, ['workflow', 'list', '--limit', String(limit), ...storeArgs(store)], cwd)));
}

export async function listRecordings(cli: Cli, cwd: string, store?: string): Promise<RecordingRow[]> {
  return orderRecordings(parseRecordings(await cliJson(cli, ['trace', 'list', ...storeArgs(store)], cwd)));
}

/** A picker line: what it is, how it ended, and the error in a few words. */
export interface PickLine {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly detail?: string;
}

export function runLine(r: RunRow, now = Date.now()): PickLine {
  const icon = r.status === 'FAILED' ? '$(error)' : r.status === 'BLOCKED' ? '$(warning)' : r.status === 'COMPLETED' ? '$(pass)' : '$(circle-outline)';
  const detail = r.error?.message;
  return { id: r.runId, label: `${icon} ${r.workflowId}`, description: `${r.workflowType} · ${r.status} · ${r.eventCount} events · ${ago(now - r.createdAt)}`, ...(detail ? { detail } : {}) };
}

export function recordingLine(r: RecordingRow, now = Date.now()): PickLine {
  const icon = r.trigger === 'crash' ? '$(error)' : '$(record)';
  const detail = r.error ? `${r.error.name}: ${r.error.message}` : r.reason;
  return { id: r.id, label: `${icon} ${r.id}`, description: `${r.command.join(' ')} · ${r.events} events · ${ago(now - r.createdAt)}`, detail };
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}
