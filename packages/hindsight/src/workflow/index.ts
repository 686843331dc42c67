/** Authoring workflows: what user code imports as `hindsight/workflow`. */
export { step, workflow, isWorkflowDefinition } from './define.js';
export type {
  RetryPolicy,
  StepOptions,
  StepContext,
  StepDefinition,
  StepFn,
  WorkflowDefinition,
  WorkflowFn,
  WorkflowOptions,
} from './define.js';
export type { WorkflowContext, ChildOptions, SignalWaitOptions } from './context.js';
export {
  NonRetryableError,
  StepFailedError,
  StepTimeoutError,
  StepLostError,
  ChildWorkflowFailedError,
  CancelledError,
  NonDeterminismError,
  DeterminismViolationError,
} from './errors.js';
export type { Duration } from '../common/duration.js';
