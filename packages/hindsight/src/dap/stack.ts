import path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DebugSession } from '../debugger/index.js';
import type { BacktraceFrame } from '../timetravel/index.js';

/** One frame of the cursor's backtrace, as DAP shows it; `index` is where its values are read. */
export interface FrameAt {
  readonly id: number;
  readonly index: number;
  readonly frame: DebugProtocol.StackFrame;
}

/**
 * The cursor's backtrace as DAP stack frames, innermost first: the TypeScript file, line and column
 * the sites name (the instrumenter maps them through the source maps). The innermost frame stands at
 * the cursor's event, each caller at the event that called the frame below it. Frame ids are
 * `firstId + level`, fresh at every stop.
 */
export function stackFrames(session: DebugSession, firstId: number): FrameAt[] {
  const ex = session.cursor.execution;
  return session.cursor.backtrace().map((f: BacktraceFrame, level): FrameAt => {
    const index = f.index === -1 ? f.enterIndex : f.index;
    const site = ex.length > 0 && index >= 0 ? ex.siteOf(index) : undefined;
    const name = f.site?.functionName ?? site?.functionName ?? '<unknown>';
    const frame: DebugProtocol.StackFrame = {
      id: firstId + level,
      name: f.synthetic ? `${name} (caller not in the trace)` : name,
      line: site?.line ?? 0,
      column: site?.column ?? 0,
      ...(site ? { source: { name: path.basename(site.file), path: site.file } } : {}),
      ...(f.synthetic || !site ? { presentationHint: 'subtle' as const } : {}),
    };
    return { id: firstId + level, index, frame };
  });
}
