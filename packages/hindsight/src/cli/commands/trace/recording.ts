import type { Command } from 'commander';
import { capturedCall, decodeRecordingWithArguments } from '../../../recorder/index.js';
import type { RecordingMeta } from '../../../store/index.js';
import type { Execution } from '../../../trace/index.js';
import { withDecodingBar } from '../../output/progress.js';
import { notFound, withRecordings } from './index.js';

/**
 * A recording of the command's store, decoded (a typed error when the store does not hold it):
 * its Execution, its meta, and each frame's captured arguments (`--capture-args`), by parameter name.
 */
export function loadRecording(cmd: Command, id: string): { execution: Execution; meta: RecordingMeta; frameArgs: (frame: number) => Record<string, string> | undefined } {
  const rec = withRecordings(cmd, (r) => r.get(id));
  if (!rec) throw notFound(id);
  const { execution, args } = withDecodingBar(rec.meta.events, (progress) => decodeRecordingWithArguments(rec, { progress }));
  const frameArgs = (f: number) => {
    const values = capturedCall(execution, args, f).values;
    return values && Object.fromEntries(values.map(({ name, preview }) => [name, preview]));
  };
  return { execution, meta: rec.meta, frameArgs };
}
