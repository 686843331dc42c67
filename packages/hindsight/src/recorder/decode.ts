import type { Recording } from '../store/index.js';
import { ExecutionBuilder, SiteTable, type EventKind, type Execution, type Site } from '../trace/index.js';
import { readRing } from './ring.js';

const UNKNOWN: Site = { kind: 'statement', file: '<unknown module>', line: 0, column: 0, functionName: '<unknown>' };

/**
 * A recording's ring decoded into an Execution: each event symbolicated through the site tables of
 * the modules that were loaded (TypeScript file, line and function). A ring that wrapped starts in
 * the middle of the program: the builder gives the returns whose calls were overwritten synthetic
 * frames, so nothing fails.
 */
export function decodeRecording(recording: Pick<Recording, 'ring' | 'modules'>): Execution {
  const sites: Site[] = [];
  for (const m of recording.modules) m.sites.forEach((s, i) => (sites[m.base + i] = s));
  // a module whose table line was torn by the process dying: its events name an unknown site
  for (let i = 0; i < sites.length; i++) sites[i] ??= UNKNOWN;
  const { events } = readRing(recording.ring);
  const builder = new ExecutionBuilder(new SiteTable(sites), { capacity: events.length + 16 });
  const { kinds, sites: ids, activations, times } = events;
  for (let i = 0; i < events.length; i++) builder.append(kinds[i] as EventKind, ids[i]!, activations[i]!, times[i]!);
  return builder.build();
}
