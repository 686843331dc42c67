export * from './errors.js';
export * from './duration.js';
export * from './clock.js';
export { recordable } from './serialize.js';
export { memoryAddon } from './memory.js';
export { Slots } from './slots.js';
export { readAt, withFile, writeAtomically } from './files.js';
export { plural } from './words.js';
