/** Running workflows: what user code imports as `hindsight/worker`. */
export { Worker, type WorkerOptions } from './worker.js';
export type { WorkerEvent } from './worker-events.js';
export { loadWorkflows, fingerprint, fingerprintOf, type LoadedWorkflows } from './load.js';
export { replayHistory, type ReplayOptions, type ReplayResult } from './replay.js';
export { localBus, type LocalBus } from './local-bus.js';
