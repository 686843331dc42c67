/**
 * Instrumented replay: a recorded workflow run, replayed against workflow code transformed so that
 * every site reports itself, becomes an Execution that the Cursor navigates.
 *
 *   const { execution, replay } = await recordExecution(history, 'dist/workflows.js');
 *   const cursor = new Cursor(execution);
 *
 * loadInstrumented() imports an instrumented copy (see instrument/) of a workflows module and its
 * local imports; ReplayValues answers value questions by re-executing in a worker paused at a point.
 */
export { loadInstrumented, INSTRUMENTED_DIR, type InstrumentedWorkflows } from './load.js';
export { recordExecution, type RecordedExecution, type TimelineEntry } from './record.js';
export { ReplayValues } from './values/source.js';
