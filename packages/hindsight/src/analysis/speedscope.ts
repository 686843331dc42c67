import type { Execution } from '../trace/index.js';
import type { ExportOptions } from './chrome.js';
import { walkLanes } from './lanes.js';
import { frameName } from './names.js';

/** The speedscope file format (https://www.speedscope.app/file-format-schema.json), evented profiles only. */
export interface SpeedscopeFile {
  readonly $schema: 'https://www.speedscope.app/file-format-schema.json';
  readonly shared: { readonly frames: SpeedscopeFrame[] };
  readonly profiles: SpeedscopeProfile[];
  readonly name: string;
  readonly activeProfileIndex: number;
  readonly exporter: string;
}

export interface SpeedscopeFrame {
  readonly name: string;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
}

export interface SpeedscopeProfile {
  readonly type: 'evented';
  readonly name: string;
  readonly unit: 'milliseconds';
  readonly startValue: number;
  readonly endValue: number;
  readonly events: { readonly type: 'O' | 'C'; readonly frame: number; readonly at: number }[];
}

/**
 * The execution as a speedscope file: one evented profile per lane (see walkLanes), each a
 * balanced sequence of opens and closes in time order; `shared.frames` holds one entry per
 * function. Every profile spans the whole execution, so the lanes line up in time.
 */
export function speedscope(ex: Execution, options: ExportOptions = {}): SpeedscopeFile {
  const frames: SpeedscopeFrame[] = [];
  const index = new Map<number, number>();
  const frameIndex = (f: number) => {
    const site = ex.frameSite(f);
    let k = index.get(site);
    if (k === undefined) {
      const n = frameName(ex, f);
      k = frames.push(n.file ? { name: n.name, file: n.file, line: n.line, col: n.column } : { name: n.name }) - 1;
      index.set(site, k);
    }
    return k;
  };
  const startValue = ex.length ? ex.time(0) : 0;
  const endValue = ex.length ? ex.time(ex.length - 1) : 0;
  const profiles: SpeedscopeProfile[] = [];
  walkLanes(ex, (open, f, lane, at) => {
    const profile = (profiles[lane] ??= { type: 'evented', name: `lane ${lane + 1}`, unit: 'milliseconds', startValue, endValue, events: [] });
    profile.events.push({ type: open ? 'O' : 'C', frame: frameIndex(f), at });
  });
  const name = options.name ?? 'hindsight';
  return { $schema: 'https://www.speedscope.app/file-format-schema.json', shared: { frames }, profiles, name, activeProfileIndex: 0, exporter: 'hindsight' };
}
