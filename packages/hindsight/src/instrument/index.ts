/**
 * Instrumentation shared by both capture modes: instrument() turns compiled JavaScript (with its
 * source map) into code that reports every function entry and exit, statement, await and branch
 * to the process's ProbeRuntime, with a Site table naming the TypeScript file, line and function
 * of each. Replay records those reports into an Execution; the flight recorder into its ring.
 */
export { isTypeScript, withInlineMap } from './output-map.js';
export { instrument, type Instrumented, type InstrumentOptions } from './instrument.js';
export { instrumenterId, type TransformStore } from './store.js';
export type { ScopeNames } from './names.js';
export { ProbeRuntime, probeRuntime, RUNTIME_KEY } from './runtime.js';
export { CONTINUES_KIND, PROGRESS_KIND, type Probe, type ProbeSink, type EventWriter, type ValueVisitor, type ValuePoint } from './probe.js';
export { readInputMap } from './input-map.js';
