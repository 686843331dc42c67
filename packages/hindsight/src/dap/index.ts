/**
 * `hindsight dap`: the Debug Adapter Protocol over the debugger (DebugSession, Cursor, ValueSource),
 * for editors. A translation layer: every answer comes from the debugger's own commands and indexes.
 */
export { HindsightDebugAdapter, type AdapterOptions } from './adapter.js';
export { serveStdio, serveTcp } from './serve.js';
export type { LaunchArguments } from './launch.js';
export { DapError } from './errors.js';
