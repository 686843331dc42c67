export type { Store } from './store.js';
export * from './types.js';
export { StoreError } from './errors.js';
export { openStore, defaultStorePath, type OpenStoreOptions } from './open.js';
