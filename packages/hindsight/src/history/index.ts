export * from './events.js';
export * from './format.js';
