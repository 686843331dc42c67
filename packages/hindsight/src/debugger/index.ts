/**
 * The debugger's front-end-free core: a DebugSession takes commands as text (gdb names and
 * aliases) and returns structured results. The CLI parses and prints; the DAP server reuses it.
 */
export { DebugSession, type SessionOptions } from './session.js';
export { COMMAND_NAMES } from './commands/index.js';
export { formatOffset } from './commands/history.js';
export type { CommandResult, ResultBody, StopView, Position, BreakpointView, FrameLine, SourceListing, WatchChange, LogLine, HistoryLine, HistoryNote, ThreadLine } from './types.js';
export type { DivergenceView, RunOutcome, TracePlace, WhatIfView } from './types.js';
export { startSession, type SessionStart, type RunInfo, type Failure } from './start.js';
export { startRecordingSession } from './recording.js';
export { RequestLanes, type LaneThread, type LaneEntry } from './lanes.js';
