/** Time travel over an Execution: the Cursor and its breakpoints. Front ends (CLI, DAP, web) are thin clients of this. */
export { Cursor, backtraceAt, type Direction, type Stop, type StopReason, type BacktraceFrame } from './cursor.js';
export type { Breakpoint, BreakpointLocation, BreakpointSpec } from './breakpoints.js';
