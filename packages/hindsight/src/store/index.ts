export type { Store } from './store.js';
export * from './types.js';
export { StoreError } from './errors.js';
export { openStore, openRecordings, defaultStorePath, type OpenStoreOptions } from './open.js';
export type * from './recordings.js';
