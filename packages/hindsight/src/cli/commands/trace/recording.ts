import type { Command } from 'commander';
import { decodeRecording } from '../../../recorder/index.js';
import type { Execution } from '../../../trace/index.js';
import { notFound, withRecordings } from './index.js';

/** A recording of the command's store, decoded; a typed error when the store does not hold it. */
export function loadExecution(cmd: Command, id: string): Execution {
  const rec = withRecordings(cmd, (r) => r.get(id));
  if (!rec) throw notFound(id);
  return decodeRecording(rec);
}
