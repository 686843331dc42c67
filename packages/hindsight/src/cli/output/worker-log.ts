import pc from 'picocolors';
import type { WorkerEvent } from '../../engine/index.js';
import { jsonLine } from './json.js';
import { paintStatus, shortId } from './style.js';
import { clockTime } from './time.js';

export type LogMode = 'json' | 'pretty';
export const LOG_MODES: readonly LogMode[] = ['json', 'pretty'];

export interface ReadyInfo {
  workerId: string;
  workflows: string[];
  taskQueue: string;
  store: string;
}

/**
 * The ready line is a contract: the demo and scripts wait for a line with
 * `"type":"ready"` before they start runs, so its JSON keys must not change.
 */
export function readyLine(info: ReadyInfo, mode: LogMode): string {
  if (mode === 'json') {
    return jsonLine({ type: 'ready', workerId: info.workerId, workflows: info.workflows, taskQueue: info.taskQueue, store: info.store });
  }
  const names = info.workflows.join(', ');
  return `${pc.green('worker')} ${pc.bold(info.workerId)} ready: ${info.workflows.length} workflow${info.workflows.length === 1 ? '' : 's'} (${names}) on task queue ${pc.bold(info.taskQueue)}, store ${info.store}`;
}

export function stoppedLine(workerId: string, stats: Record<string, number>, mode: LogMode): string {
  if (mode === 'json') return jsonLine({ type: 'stopped', workerId, ...stats });
  return `${pc.dim('worker')} ${workerId} stopped: claimed ${stats.claimed ?? 0}, closed ${stats.closed ?? 0}, blocked ${stats.blocked ?? 0}`;
}

export function workerEventLine(event: WorkerEvent, at: number, mode: LogMode): string {
  if (mode === 'json') return jsonLine({ ...event, time: new Date(at).toISOString() });
  const run = 'runId' in event ? shortId(event.runId) : '--------';
  return `${pc.dim(clockTime(at))} ${pc.dim(run)} ${describe(event)}`;
}

function describe(e: WorkerEvent): string {
  switch (e.type) {
    case 'run-claimed':
      return `${pc.cyan('claimed')}  ${e.workflowType} ${e.workflowId}${e.replayed > 1 ? pc.dim(` (replayed ${e.replayed} events)`) : ''}`;
    case 'step-executed':
      return e.ok ? `${pc.green('step ok')}  ${e.step}` : `${pc.red('step failed')}  ${e.step}`;
    case 'step-retrying':
      return `${pc.yellow('retrying')} ${e.step}: attempt ${e.attempt} failed: ${e.error}`;
    case 'run-closed':
      return `${pc.bold('closed')}   ${e.workflowId} ${paintStatus(e.status)}`;
    case 'run-blocked':
      return `${pc.magenta('blocked')}  ${e.reason}`;
    case 'run-released':
      return pc.dim('released (idle; lease given back)');
    case 'lease-lost':
      return `${pc.yellow('lease lost')} another worker took the run over`;
    case 'store-error':
      return `${pc.red('store error')} ${e.message}`;
    default:
      return jsonLine(e);
  }
}
