/** Starting and inspecting runs: what user code imports as `hindsight/client`. */
export { Client, WorkflowHandle, type ClientOptions, type StartOptions } from './client.js';
export { WorkflowNotFoundError, WorkflowFailedError, WorkflowBlockedError, ResultTimeoutError } from './errors.js';
