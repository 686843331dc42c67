/**
 * The debugger's front-end-free core: a DebugSession takes commands as text (gdb names and
 * aliases) and returns structured results. The CLI parses and prints; the DAP server reuses it.
 */
export {
  DebugSession,
  COMMAND_NAMES,
  NOT_CAPTURED,
  type CommandResult,
  type ResultBody,
  type StopView,
  type Position,
  type BreakpointView,
  type FrameLine,
  type SourceListing,
  type SessionOptions,
} from './session.js';
export { startSession, type SessionStart, type RunInfo } from './start.js';
