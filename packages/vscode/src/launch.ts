/**
 * Launch configurations of type `hindsight`, and the `vscode://hindsight.hindsight/debug?…` links that
 * open one. Pure: no `vscode` import, so it is unit-tested under plain Node.
 */

/** A launch configuration as the adapter's `launch` request receives it (see hindsight's src/dap/launch.ts). */
export interface HindsightLaunch {
  type: 'hindsight';
  request: 'launch';
  name: string;
  /** The compiled module that exports the workflows (workflow runs only). */
  workflows?: string;
  /** A workflow id or run id in the store. */
  run?: string;
  /** An exported history file. */
  history?: string;
  /** A recording id in the store, or an exported recording file. */
  recording?: string;
  store?: string;
  cwd?: string;
}

/** The keys the adapter reads from a launch configuration, beside type, request and name. */
export const LAUNCH_KEYS = ['workflows', 'run', 'history', 'recording', 'store', 'cwd'] as const;

export function runConfig(o: { run: string; workflows: string; store?: string; cwd?: string }): HindsightLaunch {
  return omitUndefined({ type: 'hindsight', request: 'launch', name: `Hindsight: run ${o.run}`, workflows: o.workflows, run: o.run, store: o.store, cwd: o.cwd });
}

export function recordingConfig(o: { recording: string; store?: string; cwd?: string }): HindsightLaunch {
  return omitUndefined({ type: 'hindsight', request: 'launch', name: `Hindsight: recording ${o.recording}`, recording: o.recording, store: o.store, cwd: o.cwd });
}

/** What a debug link asks for: the session to start and, optionally, the trace event to go to once it stops. */
export interface DebugLink {
  readonly config: HindsightLaunch;
  readonly event?: number;
}

/** A link that cannot be opened; the message is one line that says what a good link looks like. */
export class LinkError extends Error {
  override readonly name = 'LinkError';
}

const LINK_PARAMS = ['run', 'recording', 'store', 'workflows', 'event'];
const SHAPE = 'vscode://hindsight.hindsight/debug?run=<id>&workflows=<module.js>&store=<file>[&event=<n>] or ?recording=<id>&store=<file>[&event=<n>]';

/**
 * Parses the path and query of a debug link. `defaults` fill what the link leaves out (the
 * `hindsight.store` setting, the workflows module of the workspace's launch configuration).
 * Relative paths stay relative: the adapter resolves them from `cwd`.
 */
export function parseDebugLink(path: string, query: string, defaults: { store?: string; workflows?: string; cwd?: string } = {}): DebugLink {
  if (path.replace(/\/+$/, '') !== '/debug') throw new LinkError(`the Hindsight link path must be /debug, not '${path}'; a link looks like ${SHAPE}`);
  const params = new URLSearchParams(query);
  for (const key of new Set(params.keys())) {
    if (!LINK_PARAMS.includes(key)) throw new LinkError(`the Hindsight link has an unknown parameter '${key}'; it takes ${LINK_PARAMS.join(', ')}`);
    if (params.getAll(key).length > 1) throw new LinkError(`the Hindsight link gives '${key}' more than once`);
  }
  const value = (key: string): string | undefined => {
    const v = params.get(key);
    if (v === null) return undefined;
    if (v.trim() === '') throw new LinkError(`the Hindsight link's '${key}' is empty`);
    return v;
  };
  const run = value('run');
  const recording = value('recording');
  const store = value('store') ?? defaults.store;
  const event = eventIndex(value('event'));
  if (run !== undefined && recording !== undefined) throw new LinkError(`the Hindsight link names both a run and a recording; keep one`);
  if (recording !== undefined) {
    if (params.has('workflows')) throw new LinkError(`the Hindsight link for recording ${recording} has 'workflows', which only workflow runs take`);
    return withEvent(recordingConfig({ recording, store, cwd: defaults.cwd }), event);
  }
  if (run === undefined) throw new LinkError(`the Hindsight link names no run or recording; a link looks like ${SHAPE}`);
  const workflows = value('workflows') ?? defaults.workflows;
  if (workflows === undefined) throw new LinkError(`the Hindsight link for run ${run} has no workflows=<compiled module.js> and no launch configuration gives one; add it to the link`);
  return withEvent(runConfig({ run, workflows, store, cwd: defaults.cwd }), event);
}

/** The link that opens a recording (the same as the recorder prints after a crash). */
export function recordingLink(recording: string, store: string, event?: number): string {
  const q = new URLSearchParams({ recording, store });
  if (event !== undefined) q.set('event', String(event));
  return `vscode://hindsight.hindsight/debug?${q.toString()}`;
}

function eventIndex(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new LinkError(`the Hindsight link's event must be a trace event index (0, 1, 2…), not '${text}'`);
  return Number(text);
}

function withEvent(config: HindsightLaunch, event: number | undefined): DebugLink {
  return event === undefined ? { config } : { config, event };
}

function omitUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
