/**
 * The flight recorder: always-on control-flow tracing of a Node.js process into a ring in shared
 * memory that survives the process's death, archived by a supervising parent with the code it
 * ran, and decoded into the same Execution the debugger navigates.
 *
 *   const { recording } = await record({ command: ['node', 'app.js'], store: '.hindsight/hindsight.db' });
 *   const execution = decodeRecording(openRecordings().get(recording.id)!);
 */
export { record, type RecordOptions, type RecordResult } from './supervisor.js';
export { decodeRecording, decodeRecordingWithArguments, demotedSites, type DecodeOptions } from './decode.js';
export { capturedCall, readValuesRing, VALUES_RING_CALLS, type CapturedValue, type NamedValue } from './values-ring.js';
export { RingWriter } from './ring.js';
export { ringBytes, TIME_EVERY } from './ring-layout.js';
export { readRing, ringEventCount, type RingContents, type RingEvents } from './ring-reader.js';
export { DEFAULT_RING_BYTES } from './config.js';
export { snapshot } from './snapshot.js';
export { demotion, endedAs, howItEnded, snapshotWhy } from './archive.js';
export { recoverOrphans } from './standalone.js';
export { mapShared } from './shared-memory.js';
export { memoryFolder } from './spool.js';
export { toRecordingFile, fromRecordingFile, isRecordingFile, partsOf, storedRecording, recordingNotFound, RECORDING_ID, type RecordingFile } from './file.js';
