import type { DebugProtocol } from '@vscode/debugprotocol';
import { backtraceAt, type BacktraceFrame } from '../timetravel/index.js';
import type { Execution } from '../trace/index.js';
import type { SourceBook } from './sources.js';

/** One frame of the cursor's backtrace, as DAP shows it; `index` is where its values are read. */
export interface FrameAt {
  readonly id: number;
  readonly index: number;
  readonly frame: DebugProtocol.StackFrame;
}

/**
 * The backtrace at event `index` (the cursor's, or where another request stood) as DAP stack frames, innermost first: the TypeScript file, line and column
 * the sites name (the instrumenter maps them through the source maps). The innermost frame stands at
 * the cursor's event (`returned`: just after it returned, so its caller is the innermost: Cursor.returned),
 * each caller at the event that called the frame below it. Frame ids are `firstId + level`, fresh at every stop.
 */
export function stackFrames(ex: Execution, index: number, firstId: number, sources: SourceBook, returned = false): FrameAt[] {
  // an async stack trace's boundary (a continuation's giver follows): a label, as VS Code shows one
  const frames = backtraceAt(ex, index, returned).flatMap((f): (BacktraceFrame | 'label')[] => (f.continued ? ['label', f] : [f]));
  return frames.map((f, level): FrameAt => {
    if (f === 'label') return { id: firstId + level, index: -1, frame: { id: firstId + level, name: 'continuation of', line: 0, column: 0, presentationHint: 'label' } };
    // a caller with no place in the trace stands at its entry; a synthetic one has none there either (its enterIndex 0 is another frame's event)
    const index = f.index !== -1 ? f.index : f.synthetic ? -1 : f.enterIndex;
    const site = ex.length > 0 && index >= 0 ? ex.siteOf(index) : undefined;
    const place = ex.length > 0 && index >= 0 ? ex.placeOf(index) : undefined;
    const name = f.site?.functionName ?? site?.functionName ?? '<unknown>';
    const frame: DebugProtocol.StackFrame = {
      id: firstId + level,
      name: f.callerLost ? `${name} (caller not in the trace)` : name,
      line: place?.line ?? 0,
      column: place?.column ?? 0,
      ...(place ? { source: sources.source(place.file) } : {}),
      ...(f.synthetic || !place ? { presentationHint: 'subtle' as const } : {}),
    };
    return { id: firstId + level, index, frame };
  });
}
