import { DebugSession as ProtocolSession, Event, Response } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { COMMAND_NAMES, type CommandResult, type StopView } from '../debugger/index.js';
import type { BreakpointBook } from './breakpoints.js';
import { CAPABILITIES, HANDLERS } from './handlers.js';
import { DapError, describeError, oneLine } from './errors.js';
import { GotoTargets } from './goto.js';
import { openRun } from './launch.js';
import { plainResult, replCommand, stripAnsi } from './repl.js';
import { stackFrames } from './stack.js';
import { stoppedBody } from './stops.js';
import { OpenedRuns, requireRuns, type OpenedRun } from './threads.js';
import { whatIfCommand, type WhatIfArguments } from './whatif.js';

export interface AdapterOptions {
  /** How the REPL shows a debugger command's answer (the CLI passes its own renderer). */
  render?: (r: CommandResult) => string[];
  /** Called once the client has disconnected and the run is closed (stdio: exit; TCP: end the socket). */
  onEnd?: () => void;
}

/** What a handler answers: the response body, and events to send after the response (a stop). */
export type Answer = { body?: unknown; after?: () => void } | void;

/**
 * The Debug Adapter Protocol over one DebugSession: it translates requests to the session's
 * commands, cursor and ValueSource and adds nothing of its own to debugging. Requests are answered
 * one at a time, in order, because a value question must not see the cursor move under it. Every
 * failure is an error response with one line and its HS_E_ code; the adapter keeps serving.
 */
export class HindsightDebugAdapter extends ProtocolSession {
  #queue: Promise<void> = Promise.resolve();
  #runs: OpenedRuns | undefined;
  /** The client counts lines from 1 (DAP's default) or from 0; the sites count from 1. */
  #linesFrom1 = true;
  /** The client shows progress (initialize's supportsProgressReporting). */
  #progressShown = false;
  #progressCount = 0;
  readonly #options: AdapterOptions;

  constructor(options: AdapterOptions = {}) {
    super();
    this.#options = options;
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    this.#queue = this.#queue.then(() => this.#handle(request));
  }

  /** The open runs; requests that need them fail plainly before launch. */
  runs(command: string): OpenedRuns {
    return requireRuns(this.#runs, command);
  }

  /** The run a request is about: the thread's, or the current one. */
  run(command: string, threadId?: number): OpenedRun {
    return this.runs(command).byThread(threadId, command);
  }

  breakpoints(command: string): BreakpointBook {
    return this.runs(command).breakpoints;
  }

  /** Something re-executed the runs (breakpoint conditions, watches): value references must walk again. */
  valuesMoved(): void {
    for (const r of this.#runs?.all ?? []) r.refs.moved();
  }

  initialize(args: DebugProtocol.InitializeRequestArguments): Answer {
    this.#linesFrom1 = args.linesStartAt1 !== false;
    this.#progressShown = args.supportsProgressReporting === true;
    return { body: CAPABILITIES };
  }

  /** A line from the client, in the sites' 1-based count. */
  lineIn(line: number): number {
    return this.#linesFrom1 ? line : line + 1;
  }

  /** A 1-based line, in the client's count. */
  lineOut(line: number): number {
    return this.#linesFrom1 ? line : line - 1;
  }

  async #handle(request: DebugProtocol.Request): Promise<void> {
    const response = new Response(request) as DebugProtocol.Response;
    try {
      const handler = HANDLERS[request.command];
      if (!handler) throw unsupported(request.command);
      const answer = await handler(this, request.arguments ?? {});
      if (answer?.body !== undefined) response.body = answer.body;
      this.sendResponse(response);
      answer?.after?.();
    } catch (err) {
      this.#sendError(response, err);
    }
  }

  #sendError(response: DebugProtocol.Response, err: unknown): void {
    const { code, message } = describeError(err);
    // a bug, not a refusal: its stack is what a report needs (stderr is free in both transports)
    if (code === 'HS_E_DAP_INTERNAL') process.stderr.write(`hindsight dap: ${(err as Error)?.stack ?? String(err)}\n`);
    const text = `${message} [${code}]`;
    response.success = false;
    response.message = text;
    response.body = { error: { id: codeNumber(code), format: text.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')')), showUser: true } };
    this.sendResponse(response);
  }

  // ---- launching and ending

  /** Opens the run (with its child runs, each a thread) or the recording; the entry stop follows configurationDone. */
  async launch(args: unknown): Promise<Answer> {
    await this.close();
    // ended here too when the decode fails half way
    let decoding: ((fraction: number) => void) | undefined;
    const opened = openRun(args, this.#progressShown ? (events) => (decoding = this.#decoding(events)) : undefined);
    const { main, children, notes } = await opened.finally(() => decoding?.(1));
    if (!main.start.stop) {
      await Promise.all([main, ...children].map((r) => r.session.close()));
      throw new DapError('HS_E_DAP_NOTHING_TO_DEBUG', `nothing to debug: ${main.start.notes.join('; ') || 'the run has no trace'}`);
    }
    this.#runs = new OpenedRuns([main, ...children]);
    return {
      after: () => {
        for (const note of [...main.start.notes, ...notes]) this.sendEvent(new Event('output', { category: 'console', output: `${note}\n` }));
        // configuration (breakpoints) needs the run's code: the client configures once it is open
        this.sendEvent(new Event('initialized'));
      },
    };
  }

  /**
   * The decode of a recording, as the editor's progress (a full ring of a busy service takes
   * seconds): a percentage as it goes, ended when it is done. The decode runs without yielding;
   * over stdio, a pipe, the events are written as they are sent.
   */
  #decoding(events: number): (fraction: number) => void {
    const progressId = `decode-${++this.#progressCount}`;
    this.sendEvent(new Event('progressStart', { progressId, title: 'Decoding the recording', message: `${events.toLocaleString('en')} events recorded`, percentage: 0 }));
    let shown = 0;
    return (fraction) => {
      const percentage = Math.min(100, Math.round(fraction * 100));
      if (percentage <= shown) return;
      this.sendEvent(percentage === 100 ? new Event('progressEnd', { progressId }) : new Event('progressUpdate', { progressId, percentage }));
      shown = percentage;
    };
  }

  /** The entry stop comes once the client has set its breakpoints: after configurationDone, which follows launch. */
  configurationDone(): Answer {
    return { after: () => this.#runs && this.#entry() };
  }

  /** The first stop: the run's first event, its failure, or where its code diverges. */
  #entry(): void {
    const run = this.#runs!.all[0]!;
    const { start, session } = run;
    // where the cursor starts is the news: a failure or a divergence before a code version warning
    const why = start.notes.find((n) => /^the (run failed|code diverges)/.test(n)) ?? start.notes[0];
    const description = why ?? `${start.run.workflowType} ${start.run.workflowId}: ${start.status}, ${start.traceEvents} trace events`;
    this.#stopped(run, session.view(session.cursor.goto(start.stop!.index)), { entry: oneLine(description), exception: start.failure !== undefined });
  }

  async close(): Promise<void> {
    const runs = this.#runs;
    this.#runs = undefined;
    await runs?.close();
  }

  async disconnect(): Promise<Answer> {
    await this.close();
    return { after: () => this.#options.onEnd?.() };
  }

  // ---- moving in time

  /**
   * Runs a movement command of the session and stops where it lands. Given another request lane's
   * thread, the command starts from where that request stood: stepping it steps that request.
   */
  async move(command: string, threadId?: number): Promise<Answer> {
    const run = this.run(command, threadId);
    const { session, lanes } = run;
    if (lanes && threadId !== undefined && lanes.has(threadId) && threadId !== lanes.threadOf(session.cursor.index)) {
      const at = lanes.positionAt(threadId, session.cursor.index);
      if (at !== -1) session.cursor.goto(at);
    }
    const r = await session.execute(command);
    if (r.error) throw new DapError(r.error.code, r.error.message);
    if (!r.stop) throw new DapError('HS_E_DAP_INTERNAL', `'${command}' did not move the cursor`);
    const stop = r.stop;
    return { after: () => this.#stopped(run, stop) };
  }

  #stopped(run: OpenedRun, stop: StopView, first?: { entry: string; exception: boolean }): void {
    this.#runs!.stopped(run);
    const book = this.#runs!.breakpoints;
    const threadId = run.lanes?.threadOf(stop.index) ?? run.thread;
    const shown = stop.breakpoints ? { ...stop, breakpoints: book.dapIds(run.session, stop.breakpoints) } : stop;
    const body = stoppedBody(shown, { ...first, threadId, functionBreakpoint: (id) => book.isFunctionBreakpoint(id) });
    this.sendEvent(new Event('stopped', body));
  }

  gotoTargets(args: DebugProtocol.GotoTargetsArguments): Answer {
    const run = this.run('gotoTargets');
    if (!args.source?.path) throw new DapError('HS_E_DAP_BAD_ARGS', 'gotoTargets needs source.path and line');
    const cursor = run.session.cursor;
    if (run.goto?.execution !== cursor.execution) run.goto = new GotoTargets(cursor.execution);
    const targets = run.goto.targets(args.source.path, this.lineIn(args.line), cursor.index);
    return { body: { targets: targets.map((t) => ({ ...t, line: this.lineOut(t.line) })) } };
  }

  /** goto: the target line's next execution, or its previous one with `direction: 'reverse'`. */
  goto(args: DebugProtocol.GotoArguments & { direction?: string }): Promise<Answer> {
    const run = this.run('goto', args.threadId);
    const cursor = run.session.cursor;
    if (!run.goto || run.goto.execution !== cursor.execution) throw new DapError('HS_E_DAP_BAD_ARGS', `no goto target ${args.targetId}; ask gotoTargets for the line first`);
    return this.move(`goto ${run.goto.destination(args.targetId, cursor.index, args.direction === 'reverse')}`, run.thread);
  }

  // ---- state at the cursor

  /** A thread per workflow run and child run, or a recording's request lanes in flight at the cursor. */
  threads(): Answer {
    if (!this.#runs) return { body: { threads: [] } };
    const { all } = this.#runs;
    const { lanes, session } = all[0]!;
    const threads = lanes ? lanes.inFlight(session.cursor.index) : all.map((r) => ({ id: r.thread, name: r.name }));
    return { body: { threads } };
  }

  /** The stack of a thread: the cursor's, or where another request lane stood at this moment. */
  stackTrace(args: DebugProtocol.StackTraceArguments): Answer {
    const run = this.run('stackTrace', args.threadId);
    const cursor = run.session.cursor;
    const other = run.lanes && run.lanes.has(args.threadId) && args.threadId !== run.lanes.threadOf(cursor.index);
    const at = other ? run.lanes!.positionAt(args.threadId, cursor.index) : cursor.index;
    const frames = at === -1 ? [] : this.runs('stackTrace').frameIds(run, (firstId) => stackFrames(cursor.execution, at, firstId, run.sources, !other && cursor.returned));
    const start = args.startFrame ?? 0;
    const shown = frames.slice(start, args.levels ? start + args.levels : undefined);
    return { body: { stackFrames: shown.map((f) => ({ ...f.frame, line: this.lineOut(f.frame.line) })), totalFrames: frames.length } };
  }

  /**
   * stepInTargets: the calls the rest of the statement at the cursor makes, one per function
   * (Cursor.callsAhead), each at its function's line; stepIn takes one as its targetId.
   */
  stepInTargets(args: DebugProtocol.StepInTargetsArguments): Answer {
    const { run } = this.frame(args.frameId, 'stepInTargets');
    const ex = run.session.cursor.execution;
    const targets = run.session.cursor.callsAhead().map((i): DebugProtocol.StepInTarget => {
      const site = ex.siteOf(i);
      return { id: i, label: site?.functionName ?? '<unknown>', ...(site ? { line: this.lineOut(site.line), column: site.column } : {}) };
    });
    return { body: { targets } };
  }

  /** The run and event whose values a frame shows: the current run's cursor when no frame is given. */
  frame(frameId: number | undefined, command: string): { run: OpenedRun; index: number } {
    return this.runs(command).byFrame(frameId, command);
  }

  async scopes(args: DebugProtocol.ScopesArguments): Promise<Answer> {
    const { run, index } = this.frame(args.frameId, 'scopes');
    const { refs } = run;
    const at = await refs.scopes(index);
    // the caller just after a return: what the function returned, first among its locals
    const cursor = run.session.cursor;
    const returned = cursor.returned && index === cursor.frameEvent ? await refs.returned(cursor.index) : undefined;
    const scopes = at.scopes.map((s) => (returned && s.name === 'Locals' ? { ...s, variables: [returned, ...s.variables] } : s));
    if ((at.this || returned) && !scopes.some((s) => s.name === 'Locals')) scopes.unshift({ name: 'Locals', variables: returned ? [returned] : [] });
    return {
      body: {
        scopes: scopes.map((s): DebugProtocol.Scope => ({
          name: s.name,
          variablesReference: refs.scopeRef(index, s.name, s.variables, s.name === 'Locals' ? at.this : undefined),
          namedVariables: s.variables.length + (s.name === 'Locals' && at.this ? 1 : 0),
          // module bindings are many and rarely what one looks for: clients fetch them only when opened
          expensive: s.name === 'Module',
          ...(s.name === 'Arguments' ? { presentationHint: 'arguments' } : s.name === 'Locals' ? { presentationHint: 'locals' } : {}),
        })),
      },
    };
  }

  async variables(args: DebugProtocol.VariablesArguments): Promise<Answer> {
    const all = await this.runs('variables').byReference(args.variablesReference).refs.variables(args.variablesReference);
    const start = args.start ?? 0;
    return { body: { variables: args.count ? all.slice(start, start + args.count) : all.slice(start) } };
  }

  async evaluate(args: DebugProtocol.EvaluateArguments): Promise<Answer> {
    const { run, index } = this.frame(args.frameId, 'evaluate');
    const command = args.context === 'repl' ? replCommand(args.expression, COMMAND_NAMES) : undefined;
    if (command !== undefined) return this.#replCommand(run, command);
    const r = await run.refs.evaluate(index, args.expression);
    if (r.error !== undefined) throw new DapError('HS_E_DEBUG_EVAL', `${args.expression}: ${r.error}`);
    const oneLiner = args.context === 'hover' || args.context === 'watch' || args.context === 'variables';
    return {
      body: {
        result: oneLiner ? r.value.value : r.text,
        type: r.value.type,
        variablesReference: run.refs.valueRef(index, { expression: args.expression }, [], r.value),
      },
    };
  }

  #replCommand(run: OpenedRun, command: string): Promise<Answer> {
    return this.#command(run, command, (r) => ({ result: (this.#options.render ?? plainResult)(r).map(stripAnsi).join('\n'), variablesReference: 0 }));
  }

  /**
   * hindsight/whatIf: the run with a recorded step result or signal payload changed, or back to the
   * recorded run; the REPL's `set step …` for the editor's commands. Answers the what-if next to the
   * recorded run, and stops where the two part.
   */
  whatIf(args: WhatIfArguments): Promise<Answer> {
    const run = this.run('hindsight/whatIf', args.threadId);
    return this.#command(run, whatIfCommand(args), (r) => ({ whatif: r.result?.kind === 'whatif' ? r.result.whatif : null }));
  }

  /** A debugger command that may move the cursor, or put it in another execution (a what-if). */
  async #command(run: OpenedRun, command: string, body: (r: CommandResult) => object): Promise<Answer> {
    const before = { index: run.session.cursor.index, execution: run.session.cursor.execution };
    const r = await run.session.execute(command);
    // breakpoints with conditions, watches and what-ifs move the values source under the refs
    run.refs.moved();
    if (r.error) throw new DapError(r.error.code, r.error.message);
    const cursor = run.session.cursor;
    // a what-if (or back from one) puts the cursor in another execution: the editor must ask again
    const moved = cursor.index !== before.index || cursor.execution !== before.execution;
    const stop = r.stop ?? (moved ? run.session.view({ index: cursor.index, reason: 'goto' }) : undefined);
    return { body: body(r), ...(stop ? { after: () => this.#stopped(run, stop) } : {}) };
  }

  loadedSources(): Answer {
    const run = this.run('loadedSources');
    const ex = run.session.cursor.execution;
    const files = new Set<string>();
    for (let i = 0; i < ex.sites.size; i++) files.add(ex.sites.get(i)!.file);
    return { body: { sources: [...files].sort().map((f) => run.sources.source(f)) } };
  }

  /** A source by reference (the code bundle's version) or by path (the code the session reads). */
  source(args: DebugProtocol.SourceArguments): Answer {
    const run = this.run('source');
    const reference = args.source?.sourceReference ?? args.sourceReference;
    const file = args.source?.path;
    const content = reference ? run.sources.content(reference) : file ? run.session.readSource(file)?.join('\n') : undefined;
    if (content === undefined) throw new DapError('HS_E_DAP_NO_SOURCE', `the source ${file ?? `reference ${reference}`} is neither in the code bundle nor readable on this machine`);
    return { body: { content, mimeType: 'text/typescript' } };
  }

  /** dataBreakpointInfo: a variable can be watched where values exist; its dataId is the expression and the point it was shown at. */
  dataBreakpointInfo(args: DebugProtocol.DataBreakpointInfoArguments): Answer {
    const runs = this.runs('dataBreakpointInfo');
    const { run, index } = args.variablesReference ? { run: runs.byReference(args.variablesReference), index: -1 } : this.frame(args.frameId, 'dataBreakpointInfo');
    const unwatchable = run.session.values.unwatchable;
    if (unwatchable !== undefined) return { body: { dataId: null, description: unwatchable } };
    const at = args.variablesReference ? run.refs.expressionOf(args.variablesReference, args.name) : { point: index, expression: args.name };
    if (!at) return { body: { dataId: null, description: `${args.name} cannot be watched: it is not reachable by an expression` } };
    return { body: { dataId: JSON.stringify({ thread: run.thread, ...at }), description: `${at.expression} (changes in its frame, forwards and backwards)`, accessTypes: ['write'], canPersist: false } };
  }

  async setDataBreakpoints(args: DebugProtocol.SetDataBreakpointsArguments): Promise<Answer> {
    const runs = this.runs('setDataBreakpoints');
    const wanted = args.breakpoints.map((b) => {
      const { thread, ...at } = dataIdOf(b.dataId);
      return { session: runs.byThread(thread, 'setDataBreakpoints').session, ...at, ...(b.accessType ? { accessType: b.accessType } : {}), ...(b.condition ? { condition: b.condition } : {}), ...(b.hitCondition ? { hitCondition: b.hitCondition } : {}) };
    });
    const set = await this.breakpoints('setDataBreakpoints').setData(wanted);
    // each watch samples by re-execution: the values sources have moved
    this.valuesMoved();
    return { body: { breakpoints: set } };
  }

  /**
   * exceptionInfo: the error that ended the run or the process (the entry stop is where it was
   * thrown), or, at a stop of the exception filter `thrown`, the exception thrown there.
   */
  exceptionInfo(args: DebugProtocol.ExceptionInfoArguments): Answer {
    const { start, session } = this.run('exceptionInfo', args.threadId);
    const f = start.failure;
    const at = session.cursor.index;
    if ((!f || start.stop?.index !== at) && session.caughtAt(at)) {
      const where = session.position(at);
      return { body: { exceptionId: 'thrown', description: `an exception was thrown here, out of ${where.function ?? '<unknown>'} (line ${where.line ?? '?'})`, breakMode: 'always' } };
    }
    // a recording's status says how the process ended ('exited with code 1'), a run's what it is ('completed')
    if (!f) throw new DapError('HS_E_DAP_NO_EXCEPTION', start.source === 'recording' ? `no exception: the process ended (${start.status}), not of an error` : `no exception: the run is ${start.status}, not failed`);
    return { body: { exceptionId: f.name, description: f.message, breakMode: 'unhandled', details: { message: f.message, typeName: f.name, ...(f.stack ? { stackTrace: f.stack } : {}) } } };
  }

  /**
   * hindsight/timeline: for a workflow run, `info history` (each history event with the trace index
   * where the code reached it); for a recording, its request lanes (where each began and ended).
   */
  async timeline(args: { threadId?: number }): Promise<Answer> {
    const { session, lanes } = this.run('hindsight/timeline', args.threadId);
    if (lanes) return { body: { cursor: session.cursor.index, lanes: lanes.timeline() } };
    const r = await session.execute('info history');
    if (r.result?.kind !== 'history') throw new DapError(r.error?.code ?? 'HS_E_DAP_INTERNAL', r.error?.message ?? 'info history did not answer a history');
    return { body: { cursor: r.result.cursor, events: r.result.events } };
  }
}

function dataIdOf(dataId: string): { thread: number; expression: string; point: number } {
  try {
    const v = JSON.parse(dataId) as { thread?: unknown; expression?: unknown; point?: unknown };
    if (typeof v.expression === 'string' && Number.isInteger(v.point) && Number.isInteger(v.thread)) return { thread: v.thread as number, expression: v.expression, point: v.point as number };
  } catch {
    // fall through: not one of ours
  }
  throw new DapError('HS_E_DAP_BAD_ARGS', `data breakpoint id ${JSON.stringify(dataId)} was not made by this adapter; ask dataBreakpointInfo for the variable first`);
}

function unsupported(command: string): DapError {
  return new DapError('HS_E_DAP_UNSUPPORTED', `the hindsight adapter does not support the request '${command}'`);
}

/** A stable small number per HS_E_ code, for the DAP message id. */
function codeNumber(code: string): number {
  let h = 0;
  for (const c of code) h = (h * 31 + c.charCodeAt(0)) % 100_000;
  return 1000 + h;
}
