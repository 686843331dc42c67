import { ENV } from './config.js';
import { writeNote } from './note.js';

/** The message a recorded process sends its supervisor to ask for a snapshot. */
export interface SnapshotRequest {
  readonly hindsight: 'snapshot';
  readonly reason: string;
}

export function isSnapshotRequest(m: unknown): m is SnapshotRequest {
  return typeof m === 'object' && m !== null && (m as { hindsight?: unknown }).hindsight === 'snapshot';
}

/**
 * Where a worker thread or child process writes its requests (set when it records into a part
 * folder), on the thread's global object: the program's `snapshot` may be another copy of this
 * module than the recorder's own (hindsight/register is a bundle of its own: scripts/bundle.mjs).
 */
const PART_REQUESTS = Symbol.for('hindsight.partRequests');
const thread = globalThis as unknown as Record<symbol, string | undefined>;

/**
 * A worker thread has no channel to the supervisor, and a child process's is to the program that
 * forked it (a cluster's primary would get the request as a message of its own): both write their
 * requests into a file of their folder, which the supervisor looks at.
 */
export function askThroughFile(file: string): void {
  thread[PART_REQUESTS] = file;
}

/**
 * Archives the flight recorder's ring now, with `reason`, while the program goes on: its recent
 * history, as a crash would have left it. Returns false when the process is not recorded under
 * `hindsight record` (then it does nothing).
 */
export function snapshot(reason: string): boolean {
  if (!process.env[ENV.dir]) return false;
  const partRequests = thread[PART_REQUESTS];
  if (partRequests) return writeNote(partRequests, `${JSON.stringify({ reason })}\n`);
  if (!process.send) return false;
  const request: SnapshotRequest = { hindsight: 'snapshot', reason };
  process.send(request);
  return true;
}
