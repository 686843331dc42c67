import type { Execution } from '../trace/index.js';
import { walkLanes } from './lanes.js';
import { frameNamer } from './names.js';

/** One event of the Chrome Trace Event Format (the JSON Object Format's `traceEvents`). */
export interface ChromeTraceEvent {
  readonly name: string;
  readonly ph: 'B' | 'E' | 'M';
  /** Microseconds. */
  readonly ts?: number;
  readonly pid: number;
  readonly tid: number;
  readonly cat?: string;
  readonly args?: Record<string, string | number | Readonly<Record<string, string>>>;
}

export interface ChromeTrace {
  readonly traceEvents: ChromeTraceEvent[];
  readonly displayTimeUnit: 'ms';
  readonly otherData: Record<string, string | number>;
}

export interface ExportOptions {
  /** The process's name in the viewer (default: hindsight). */
  readonly name?: string;
  /** The process id to show (default 1). */
  readonly pid?: number;
  /** Values to show with a frame's call (a recording's captured arguments, by name), in its B event's args. */
  readonly frameArgs?: (frame: number) => Readonly<Record<string, string>> | undefined;
}

/**
 * The execution in the Chrome Trace Event Format, which Perfetto and chrome://tracing open: one
 * B and one E event per frame, named after its function, with `file:line` and the activation in
 * args; each lane (see walkLanes) is a thread whose events nest properly. Timestamps are µs from the
 * execution's clock, in event order.
 */
export function chromeTrace(ex: Execution, options: ExportOptions = {}): ChromeTrace {
  const pid = options.pid ?? 1;
  const name = frameNamer(ex);
  const events: ChromeTraceEvent[] = [{ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: options.name ?? 'hindsight' } }];
  const lanes = walkLanes(ex, (open, f, lane, time) => {
    const n = name(f);
    const ts = Math.round(time * 1000);
    if (open) events.push({ name: n.name, cat: 'function', ph: 'B', ts, pid, tid: lane + 1, args: withArguments({ at: `${n.file}:${n.line}`, activation: ex.frameActivation(f), frame: f }, options.frameArgs?.(f)) });
    else events.push({ name: n.name, cat: 'function', ph: 'E', ts, pid, tid: lane + 1 });
  });
  for (let lane = 0; lane < lanes; lane++) events.push({ name: 'thread_name', ph: 'M', pid, tid: lane + 1, args: { name: `lane ${lane + 1}` } });
  return { traceEvents: events, displayTimeUnit: 'ms', otherData: { exporter: 'hindsight', events: ex.length, frames: ex.frameCount } };
}

/** A call's captured arguments go under `arguments`, beside what every B event says. */
function withArguments(args: Record<string, string | number>, captured: Readonly<Record<string, string>> | undefined): NonNullable<ChromeTraceEvent['args']> {
  return captured ? { ...args, arguments: captured } : args;
}
