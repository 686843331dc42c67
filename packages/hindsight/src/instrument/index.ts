/**
 * Instrumentation shared by both capture modes: instrument() turns compiled JavaScript (with its
 * source map) into code that reports every function entry and exit, statement, await and branch
 * to the process's ProbeRuntime, with a Site table naming the TypeScript file, line and function
 * of each. Replay records those reports into an Execution; the flight recorder into its ring.
 */
export { instrument, withInlineMap, type Instrumented, type InstrumentOptions, type ScopeNames } from './instrument.js';
export { ProbeRuntime, probeRuntime, RUNTIME_KEY, PROGRESS_KIND, type Probe, type ProbeSink, type EventWriter, type ValueVisitor, type ValuePoint } from './runtime.js';
export { readInputMap } from './input-map.js';
