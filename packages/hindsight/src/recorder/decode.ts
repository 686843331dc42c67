import type { Recording } from '../store/index.js';
import { ExecutionBuilder, SiteTable, type Execution, type Site } from '../trace/index.js';
import { openRing } from './ring.js';

/** Events read from the ring at a time: columns small enough to stay in the cache, reused. */
const BLOCK = 16384;

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
  const ring = openRing(recording.ring);
  const n = ring.length;
  // sized once: the builder hands its columns over without copying them when they are exactly full
  const builder = new ExecutionBuilder(new SiteTable(sites), { capacity: n });
  const m = Math.min(n, BLOCK);
  const block = { kinds: new Uint8Array(m), sites: new Uint32Array(m), activations: new Uint32Array(m), times: new Float64Array(m) };
  for (let from = 0; from < n; from += BLOCK) {
    const to = Math.min(n, from + BLOCK);
    ring.read(from, to, block);
    builder.appendColumns(block.kinds, block.sites, block.activations, block.times, 0, to - from);
  }
  return builder.build();
}
