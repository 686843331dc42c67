import { HindsightError } from '../common/errors.js';
import type { FailureInfo } from '../history/index.js';

export class WorkflowNotFoundError extends HindsightError {
  constructor(id: string) {
    super('HS_E_WORKFLOW_NOT_FOUND', `no workflow run with id ${id}; list runs with \`hindsight workflow list\``);
  }
}

/** `result()` of a run that did not complete. */
export class WorkflowFailedError extends HindsightError {
  constructor(
    readonly workflowId: string,
    readonly status: string,
    readonly failure: FailureInfo | null,
  ) {
    super(
      'HS_E_WORKFLOW_FAILED',
      `workflow ${workflowId} ended ${status}${failure ? `: ${failure.name}: ${failure.message}` : ''}`,
    );
  }
}

export class WorkflowBlockedError extends HindsightError {
  constructor(workflowId: string, reason: string) {
    super('HS_E_RUN_BLOCKED', `workflow ${workflowId} is BLOCKED and waits for fixed code or a fork: ${reason}`);
  }
}

export class ResultTimeoutError extends HindsightError {
  constructor(workflowId: string, ms: number) {
    super('HS_E_RESULT_TIMEOUT', `workflow ${workflowId} did not finish within ${ms}ms; is a worker running for its task queue?`);
  }
}
