/** Hindsight: durable workflows you can debug backwards. */
export * from './workflow/index.js';
export * from './client/index.js';
export { Worker, type WorkerOptions, type WorkerEvent, loadWorkflows, replayHistory } from './engine/index.js';
export { openStore, defaultStorePath, type Store } from './store/index.js';
export { HindsightError, ManualClock, systemClock, type Clock } from './common/index.js';
