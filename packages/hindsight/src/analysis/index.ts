/**
 * Latency analysis of an Execution: requests (root async activations), their latency per entry
 * point, what makes the slow tail slow, where the time went per function, and exports that trace
 * viewers open.
 *
 *   const report = latency(execution);                 // per entry point: count, p50, p90, p99, max, histogram
 *   const why = explainTail(execution, 'handle');      // why.summary: "the slow requests call `flush` before `get` ..."
 *   const { functions } = profile(execution);           // per function: calls, self and total time
 *   writeFileSync('trace.json', JSON.stringify(chromeTrace(execution)));   // Perfetto, chrome://tracing
 *   writeFileSync('trace.speedscope.json', JSON.stringify(speedscope(execution)));
 *
 * Depends on the trace model only.
 */
export { requests, requestRoots, isRootActivation, type Request } from './requests.js';
export { latency, type LatencyReport, type GroupLatency, type AnalysisOptions } from './latency.js';
export { explainTail, type TailExplanation, type TailOptions, type PathDifference, type PathUse, type RequestSet } from './tail.js';
export { percentile, histogram, type Bucket } from './stats.js';
export { chromeTrace, type ChromeTrace, type ChromeTraceEvent, type ExportOptions } from './chrome.js';
export { speedscope, type SpeedscopeFile, type SpeedscopeFrame, type SpeedscopeProfile } from './speedscope.js';
export { walkLanes, type LaneVisitor } from './lanes.js';
export { profile, type Profile, type ProfileOptions, type FunctionTime } from './profile.js';
