/**
 * The real timer functions, captured when the engine loads, before the
 * determinism guards wrap the globals: engine code must never be mistaken
 * for workflow code.
 */
export const realSetImmediate = globalThis.setImmediate;
export const realSetTimeout = globalThis.setTimeout;
export const realSetInterval = globalThis.setInterval;
export const realClearTimeout = globalThis.clearTimeout;
export const realClearInterval = globalThis.clearInterval;
export const realRandom = Math.random;
