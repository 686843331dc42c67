import { CLOSING_EVENTS, type RecordedEvent } from '../history/index.js';
import type { WorkflowDefinition } from '../workflow/define.js';
import type { DeterminismViolationError, NonDeterminismError } from '../workflow/errors.js';
import { HindsightError } from '../common/errors.js';
import { afterChain } from './activation.js';
import { installDeterminismGuards } from './determinism.js';
import { RunMachine } from './machine.js';

export interface ReplayResult {
  /** Events of the history the code went through. */
  events: number;
  /** The code does what the history says; false with `divergence` otherwise. */
  ok: boolean;
  divergence?: NonDeterminismError | DeterminismViolationError;
  /** New events the code would record beyond the history (a run that is still open goes on). */
  wouldRecord: RecordedEvent[];
  /** Steps the code asked for beyond the history (a replay runs none; they record nothing until they finish). */
  wouldRun: { seq: number; name: string; args: unknown[] }[];
}

export interface ReplayOptions {
  /** Told of each history event as the code reaches it (see `MachineOptions.onReplayed`); only observes. */
  onReplayed?: (event: RecordedEvent) => void;
}

/**
 * Re-runs workflow code against a recorded history without any side effect:
 * no step runs, nothing is written. Says whether the code still matches.
 */
export function replayHistory(
  history: RecordedEvent[],
  workflows: WorkflowDefinition[] | Map<string, WorkflowDefinition>,
  opts: ReplayOptions = {},
): Promise<ReplayResult> {
  installDeterminismGuards();
  const byName = workflows instanceof Map ? workflows : new Map(workflows.map((w) => [w.name, w]));
  const started = history[0];
  if (!started || started.type !== 'WorkflowStarted') {
    return Promise.reject(new HindsightError('HS_E_HISTORY_INVALID', 'a history must begin with WorkflowStarted; the file or run is damaged'));
  }
  const def = byName.get(started.workflowType);
  if (!def) {
    const known = [...byName.keys()].join(', ') || 'none';
    return Promise.reject(
      new HindsightError('HS_E_UNKNOWN_WORKFLOW', `the history is a run of '${started.workflowType}', which the workflows module does not export (it exports: ${known})`),
    );
  }
  const closed = history.some((e) => CLOSING_EVENTS.has(e.type));
  return new Promise((resolve) => {
    const wouldRecord: RecordedEvent[] = [];
    const wouldRun: ReplayResult['wouldRun'] = [];
    let settled = false;
    const machine = new RunMachine({
      def,
      history,
      wallClock: () => history[history.length - 1]!.ts,
      onRecord: (e) => wouldRecord.push(e),
      ...(opts.onReplayed ? { onReplayed: opts.onReplayed } : {}),
      onActivationDone: (m) => {
        for (const o of m.takeOutputs()) if (o.type === 'step') wouldRun.push({ seq: o.seq, name: o.step.name, args: o.args });
        if (settled || (m.replaying && m.state === 'running')) return;
        settled = true;
        const divergence = m.blockedBy ?? undefined;
        // The caller's code must not run inside the chain, where it would pass for workflow code.
        afterChain(() => resolve({
          events: history.length,
          ok: !divergence && (!closed || m.state === 'closed'),
          ...(divergence ? { divergence } : {}),
          wouldRecord,
          wouldRun,
        }));
      },
    });
    machine.start();
  });
}
