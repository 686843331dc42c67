/**
 * The trace model: sites, events, and the immutable, indexed Execution every front end reads.
 * Both capture paths (workflow replay, flight recorder) feed an ExecutionBuilder:
 *
 *   const b = new ExecutionBuilder(siteTable);
 *   b.append(EventKind.Enter, site, activation, timeMs);   // ... in time order
 *   const execution = b.build();                           // immutable; indexes built in O(n)
 *
 * Execution: columnar events (kind, site, frame, time), a call tree of frames (enter, exit,
 * parent, call site, activation, synthetic, depth), and sorted occurrence lists per site, per
 * function (its Enter events) and per frame, so navigation is binary search, never a scan.
 */
export { ANONYMOUS, SiteTable, type Site, type SiteKind } from './sites.js';
export { EventKind, eventKindName, type EventKindName } from './events.js';
export { ExecutionBuilder } from './builder.js';
export { ValuesNotCaptured, ValueError, returnedValue, type ValueSource, type Value, type Scope, type ScopesAt, type Evaluation, type Sample } from './values.js';
export { Execution, firstAfter, lastBefore, countBelow, type EventView, type FrameView, type Place } from './execution.js';
export { grow } from './columns.js';
