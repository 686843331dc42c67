import { Event } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Answer, HindsightDebugAdapter } from './adapter.js';
import { DapError, readOnly } from './errors.js';

/**
 * Which DAP request does what: each one a debugger command (movements), a question to the session
 * (state at the cursor), or a refusal. The adapter serializes them and turns failures into error responses.
 */
type Handler = (a: HindsightDebugAdapter, args: any) => Promise<Answer> | Answer;

/** Requests that would change a recorded run, refused as such. */
const MUTATING = ['setVariable', 'setExpression', 'writeMemory', 'restartFrame', 'restart'];

export const CAPABILITIES: DebugProtocol.Capabilities = {
  supportsConfigurationDoneRequest: true,
  supportsStepBack: true,
  supportsConditionalBreakpoints: true,
  supportsLogPoints: true,
  supportsHitConditionalBreakpoints: true,
  supportsFunctionBreakpoints: true,
  supportsEvaluateForHovers: true,
  supportsGotoTargetsRequest: true,
  supportsStepInTargetsRequest: true,
  supportsLoadedSourcesRequest: true,
  supportsExceptionInfoRequest: true,
  supportsDataBreakpoints: true,
  exceptionBreakpointFilters: [{ filter: 'thrown', label: 'Thrown Exceptions', description: 'Stop where an exception is thrown out of a function, going forward or back', default: false }],
  supportsSetVariable: false,
  supportsRestartRequest: false,
  supportsTerminateRequest: true,
};

const move = (command: string): Handler => (a, args: { threadId?: number }) => a.move(command, args.threadId);

/** gotoEvent: a trace index, or the history event id the code reached. */
function gotoEvent(a: HindsightDebugAdapter, args: { index?: unknown; historyId?: unknown }): Promise<Answer> {
  if (Number.isInteger(args.index)) return a.move(`goto ${args.index as number}`);
  if (Number.isInteger(args.historyId)) return a.move(`goto #${args.historyId as number}`);
  throw new DapError('HS_E_DAP_BAD_ARGS', `hindsight/gotoEvent takes { index: <trace event> } or { historyId: <history event id> }; got ${JSON.stringify(args)}`);
}

export const HANDLERS: Record<string, Handler> = {
  initialize: (a, args) => a.initialize(args),
  launch: (a, args) => a.launch(args),
  attach: () => {
    throw new DapError('HS_E_DAP_UNSUPPORTED', "attach is not supported: a recorded run is opened with launch (history or run, and workflows)");
  },
  configurationDone: (a) => a.configurationDone(),
  disconnect: (a) => a.disconnect(),
  terminate: (a) => a.disconnect(),
  threads: (a) => a.threads(),
  setBreakpoints: async (a, args: DebugProtocol.SetBreakpointsArguments) => {
    const book = a.breakpoints('setBreakpoints');
    if (!args.source?.path) throw new DapError('HS_E_DAP_BAD_ARGS', 'setBreakpoints needs source.path');
    const wanted = (args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }))).map((b) => ({ ...b, line: a.lineIn(b.line) }));
    const set = await book.setLines(args.source.path, wanted, (output) => a.sendEvent(new Event('output', { category: 'console', output })));
    // conditions are sampled by re-execution: the values sources have moved
    a.valuesMoved();
    return { body: { breakpoints: set.map((b) => (b.line === undefined ? b : { ...b, line: a.lineOut(b.line) })) } };
  },
  setFunctionBreakpoints: async (a, args: DebugProtocol.SetFunctionBreakpointsArguments) => {
    const result = await a.breakpoints('setFunctionBreakpoints').setFunctions(args.breakpoints ?? []);
    a.valuesMoved();
    return { body: { breakpoints: result } };
  },
  setExceptionBreakpoints: async (a, args: DebugProtocol.SetExceptionBreakpointsArguments) => {
    const set = await a.breakpoints('setExceptionBreakpoints').setThrown((args.filters ?? []).includes('thrown'));
    return { body: { breakpoints: set } };
  },
  stackTrace: (a, args) => a.stackTrace(args),
  scopes: (a, args) => a.scopes(args),
  variables: (a, args) => a.variables(args),
  evaluate: (a, args) => a.evaluate(args),
  next: move('next'),
  // a target (stepInTargets): into that call of the statement
  stepIn: (a, args: DebugProtocol.StepInArguments) => a.move(args.targetId !== undefined ? `step-into ${args.targetId}` : 'step', args.threadId),
  stepInTargets: (a, args) => a.stepInTargets(args),
  stepOut: move('finish'),
  continue: move('continue'),
  stepBack: move('reverse-next'),
  reverseContinue: move('reverse-continue'),
  reverseStepIn: move('reverse-step'),
  reverseStepOut: move('reverse-finish'),
  'hindsight/reverseStepIn': move('reverse-step'),
  'hindsight/reverseStepOut': move('reverse-finish'),
  gotoTargets: (a, args) => a.gotoTargets(args),
  goto: (a, args) => a.goto(args),
  'hindsight/gotoEvent': (a, args) => gotoEvent(a, args),
  'hindsight/timeline': (a, args) => a.timeline(args),
  'hindsight/whatIf': (a, args) => a.whatIf(args),
  loadedSources: (a) => a.loadedSources(),
  source: (a, args) => a.source(args),
  exceptionInfo: (a, args) => a.exceptionInfo(args),
  dataBreakpointInfo: (a, args) => a.dataBreakpointInfo(args),
  setDataBreakpoints: (a, args) => a.setDataBreakpoints(args),
  pause: (a) => {
    a.run('pause');
    throw new DapError('HS_E_DAP_NOT_RUNNING', 'nothing is running: a recorded run is always paused; step or continue to move in time');
  },
  ...Object.fromEntries(MUTATING.map((c) => [c, () => Promise.reject(readOnly(c))])),
};

