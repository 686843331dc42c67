import type { DebugSession, RequestLanes, SessionStart } from '../debugger/index.js';
import { BreakpointBook } from './breakpoints.js';
import { DapError, notLaunched } from './errors.js';
import type { GotoTargets } from './goto.js';
import { SourceBook } from './sources.js';
import type { FrameAt } from './stack.js';
import { VariableRefs } from './values.js';

/** One run the launch opened (a workflow run, one of its child runs, or a recording), as a thread. */
export interface OpenedRun {
  /** Its DAP thread (a recording's threads are its request lanes instead). */
  readonly thread: number;
  readonly name: string;
  readonly session: DebugSession;
  readonly start: SessionStart;
  readonly refs: VariableRefs;
  readonly sources: SourceBook;
  /** A recording's request lanes, its threads. */
  readonly lanes?: RequestLanes;
  /** goto targets handed out, over the execution they were made for (a what-if replaces it). */
  goto?: GotoTargets;
}

/** References of one run are numbered from thread x this: the variables request finds its run by number. */
const REFS_PER_RUN = 1_000_000;

/**
 * The runs of a launch and which one a request is about: by thread (movements, stacks), by frame id
 * (scopes, evaluate) or by variables reference. The current run is the one that stopped last; requests
 * that name no thread are about it.
 */
export class OpenedRuns {
  readonly all: readonly OpenedRun[];
  /** Breakpoints are the editor's, for all runs at once. */
  readonly breakpoints: BreakpointBook;
  current: OpenedRun;
  /** Frames handed out since the last stop, each with its run. */
  readonly #frames = new Map<number, { run: OpenedRun; at: FrameAt }>();
  #nextFrameId = 1;

  constructor(opened: readonly { session: DebugSession; start: SessionStart; name?: string }[]) {
    this.all = opened.map(({ session, start, name }, k) => {
      const thread = k + 1;
      const lanes = session.lanes;
      return {
        thread,
        name: name ?? `${start.run.workflowType} ${start.run.workflowId}`,
        session,
        start,
        refs: new VariableRefs(() => session.values, k * REFS_PER_RUN + 1),
        sources: new SourceBook(session.bundle),
        ...(lanes ? { lanes } : {}),
      };
    });
    this.current = this.all[0]!;
    this.breakpoints = new BreakpointBook(this.all.map((r) => r.session));
  }

  /** The run of a thread: a workflow run's own thread, or (a recording) the one run whatever lane. */
  byThread(threadId: number | undefined, command: string): OpenedRun {
    if (threadId === undefined || this.all.length === 1) return this.current;
    const run = this.all.find((r) => r.thread === threadId);
    if (!run) throw new DapError('HS_E_DAP_NO_THREAD', `'${command}': no thread ${threadId}; ask threads for this run's threads`);
    return run;
  }

  /** The run and event a frame shows; the current run's cursor when no frame is given. */
  byFrame(frameId: number | undefined, command: string): { run: OpenedRun; index: number } {
    if (frameId === undefined) return { run: this.current, index: this.current.session.cursor.frameEvent };
    const f = this.#frames.get(frameId);
    if (!f) throw new DapError('HS_E_DAP_STALE_FRAME', `frame ${frameId} is not a frame of this stop; ask for the stack trace again`);
    return { run: f.run, index: f.at.index };
  }

  byReference(reference: number): OpenedRun {
    return this.all.find((r) => r.refs.owns(reference)) ?? this.current;
  }

  /** Frame ids for a stack: fresh at every stack request, good until the next stop. */
  frameIds(run: OpenedRun, make: (firstId: number) => FrameAt[]): FrameAt[] {
    const frames = make(this.#nextFrameId);
    this.#nextFrameId += frames.length;
    for (const at of frames) this.#frames.set(at.id, { run, at });
    return frames;
  }

  /** At each stop: every frame and variables reference handed out so far is invalid. */
  stopped(run: OpenedRun): void {
    this.current = run;
    this.#frames.clear();
    for (const r of this.all) r.refs.reset();
  }

  async close(): Promise<void> {
    for (const r of this.all) await r.session.close();
  }
}

export function requireRuns(runs: OpenedRuns | undefined, command: string): OpenedRuns {
  if (!runs) throw notLaunched(command);
  return runs;
}
