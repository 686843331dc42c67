/**
 * Instrumented replay: a recorded workflow run, replayed against workflow code transformed so that
 * every site reports itself, becomes an Execution that the Cursor navigates.
 *
 *   const { execution, replay } = await recordExecution(history, 'dist/workflows.js');
 *   const cursor = new Cursor(execution);
 *
 * instrument() is the transform (compiled JS + its source map -> instrumented JS, map, sites);
 * loadInstrumented() imports an instrumented copy of a workflows module and its local imports.
 */
export { instrument, type Instrumented } from './instrument.js';
export { loadInstrumented, INSTRUMENTED_DIR, type InstrumentedWorkflows } from './load.js';
export { recordExecution, type RecordedExecution, type TimelineEntry } from './record.js';
export { ReplayRuntime, replayRuntime, RUNTIME_KEY, type Probe, type ProbeSink } from './runtime.js';
