import { ENV } from './config.js';

/** The message a recorded process sends its supervisor to ask for a snapshot. */
export interface SnapshotRequest {
  readonly hindsight: 'snapshot';
  readonly reason: string;
}

export function isSnapshotRequest(m: unknown): m is SnapshotRequest {
  return typeof m === 'object' && m !== null && (m as { hindsight?: unknown }).hindsight === 'snapshot';
}

/**
 * Archives the flight recorder's ring now, with `reason`, while the program goes on: its recent
 * history, as a crash would have left it. Returns false when the process is not recorded under
 * `hindsight record` (then it does nothing).
 */
export function snapshot(reason: string): boolean {
  if (!process.env[ENV.dir] || !process.send) return false;
  const request: SnapshotRequest = { hindsight: 'snapshot', reason };
  process.send(request);
  return true;
}
