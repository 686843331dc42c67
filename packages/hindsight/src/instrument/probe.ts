/** The probes instrumented code calls, and what the runtime writes to: the contract between instrument() and ProbeRuntime. */
import type { EventKind, Site } from '../trace/index.js';
import type { GeneratorState } from './generators.js';
import type { ScopeNames } from './names.js';

/** Receives the events of instrumented code while a recording is on. */
export interface ProbeSink {
  event(kind: EventKind, site: number, activation: number): void;
}

/**
 * The recorder's fast path (a RingWriter): events are written as they happen, and the clock is
 * read only when asked (`time`), which the runtime does where traced code starts or stops running.
 */
export interface EventWriter {
  /**
   * Appends an event of `activation`, which is the one last given to activate(): a ring names the
   * activation only where it changes (the probes say where it may have), a sink is told it with
   * each event.
   */
  write(kind: EventKind, site: number, activation: number): void;
  /** The activation that runs from here on (traced code runs in it until the next call). */
  activate(activation: number): void;
  /** Events written so far: the index the next one will have. */
  readonly written: number;
  /** Records the current time at this point of the event stream; returns it (ms, from any fixed origin). */
  time(): number;
  /**
   * Whether the program may have waited (the event loop polled for I/O) since the last time
   * record: where an await resumes, the clock is read only then (within one burst of the event
   * loop's work, the records around it bound its time).
   */
  waited(): boolean;
}

/**
 * Visits value points during a re-execution (values variant only): the runtime asks `wants` after
 * each Statement and Enter event, and calls `visit` with a closure that evaluates in that scope.
 */
export interface ValueVisitor {
  /** Whether the value point of event `index` is to be visited. */
  wants(index: number): boolean;
  visit(point: ValuePoint): void;
}

/** A value point reached: the event, its site, the names in scope and an evaluator for that scope. */
export interface ValuePoint {
  readonly index: number;
  readonly site: Site | undefined;
  readonly scope: ScopeNames;
  readonly evaluate: (expression: string) => unknown;
}

/**
 * What one instrumented module calls; site ids are the module's own (0..n-1), the probe adds the
 * module's base. Names are short because the calls are everywhere in the instrumented code.
 * With no sink the calls only pass values through.
 */
export interface Probe {
  /** Enter of a sync function: it runs in the caller's activation (a new one from the event loop). */
  en(site: number): number;
  /** `en` of a function that may be demoted (its site is `demotable`): its calls are counted, for the demoter. */
  et(site: number): number;
  /** Per module-local function site, 1 once the function is demoted: it then runs its untraced copy (InstrumentOptions.demotable). */
  readonly d: Uint8Array;
  /** Enter of an async function: each call is a new activation. */
  ea(site: number): number;
  /** `en` of a function whose arguments are captured: `values` are its parameters' (site.params) at entry. */
  ena(site: number, values: unknown[]): number;
  /** `ea` of a function whose arguments are captured. */
  eaa(site: number, values: unknown[]): number;
  /**
   * `en` of a continuation (continuations.ts): called by the event loop, it continues activation
   * `from` (the function around it when it was written), which the recorder notes before its Enter.
   */
  enc(site: number, from: number): number;
  /** `ea` of a continuation. */
  eac(site: number, from: number): number;
  /** `enc` of a function whose arguments are captured. */
  enca(site: number, from: number, values: unknown[]): number;
  /** `eac` of a function whose arguments are captured. */
  eaca(site: number, from: number, values: unknown[]): number;
  /**
   * A function handed by name to a call that defers it (`.then(render)`), by activation `from`: what
   * the call is given instead, when recording (the same function otherwise, or anything not one): as
   * it runs from the event loop, the traced function it enters first continues `from`.
   */
  cf<T>(fn: T, from: number): T;
  /** A statement is about to run. */
  st(site: number, a: number): void;
  /** Before `await`: the activation suspends; returns the awaited operand. */
  su<T>(site: number, a: number, v: T): T;
  /** After `await`: the activation resumes; returns the awaited result. */
  re<T>(site: number, a: number, v: T): T;
  /** A branch decision: site `yes` when `v` is truthy, `no` otherwise; returns `v`. */
  br<T>(v: T, yes: number, no: number, a: number): T;
  /** A branch taken unconditionally (a switch case entered). */
  bk(site: number, a: number): void;
  /**
   * The function exits by an exception (its `finally` then reports no Exit). Sparse variant:
   * `p` is the last statement of the function that started, for the decoder.
   */
  th(site: number, a: number, p?: number): void;
  /** `th`, then `ex`: the exception leaves a sync function that reports its exits where it returns (`xs`). */
  ts(site: number, a: number, p?: number): void;
  /** `th`, then `xa`: the exception leaves an async function. */
  ta(site: number, a: number, p?: number): void;
  /**
   * A catch or finally block of the code starts: if the activation was suspended in an `await` whose
   * promise rejected, it has resumed (with the exception), which the Resume probe could not report.
   */
  ca(a: number, p?: number): void;
  /**
   * A sync function exits, from its `finally`, where a `return` of it runs one of its own: after
   * `th`, which reported the exception that left it, it writes nothing.
   */
  ex(site: number, a: number): void;
  /**
   * `return v` of a sync function, or the end of its body (`v` undefined): it exits; returns `v`.
   * No throw came before it (`ts` reports the exit of one that threw).
   */
  xs<T>(site: number, a: number, v?: T): T | undefined;
  /** `ex` of an async function: its activation ends. */
  xa(site: number, a: number): void;
  /** `xs` of an async function: its activation ends (`ta` where an exception left it). */
  xr<T>(site: number, a: number, v?: T): T | undefined;
  /** The values variant's `xs`, `xr`, `ex` and `xa`: the Exit is also a value point, which answers what the function returned. */
  xsv<T>(site: number, a: number, v?: T): T | undefined;
  xrv<T>(site: number, a: number, v?: T): T | undefined;
  exv(site: number, a: number): void;
  xav(site: number, a: number): void;
  /** A generator function is called: its activation starts and suspends at once (the body runs on `next()`). */
  eg(site: number): GeneratorState;
  /**
   * A generator's body starts (its first `next()`): it resumes, run by the caller of `next()`.
   * `g` is what the instrumented code's extra parameter received: not a GeneratorState when the
   * caller passed more arguments than the function declares, then the call is entered only now.
   */
  gs(site: number, g: unknown): GeneratorState;
  /** `eg` of a generator whose arguments are captured: `values` are its parameters' (site.params), after their defaults. */
  ega(site: number, values: unknown[]): GeneratorState;
  /** `gs` of a generator whose arguments are captured: they are captured here when its call is entered only now. */
  gsa(site: number, g: unknown, values: unknown[]): GeneratorState;
  /** Before `yield`: the generator suspends, back to the caller of `next()`; returns the operand. */
  sy<T>(site: number, g: GeneratorState, v: T): T;
  /**
   * After `yield`: a `next()` resumed the generator; returns what it sent. After `yield*`: the
   * generator goes on (resumed, unless the last step of the delegation ran inside its run).
   */
  ry<T>(site: number, g: GeneratorState, v: T): T;
  /**
   * The operand of `yield*` at `site` (in an async generator when `isAsync`): each step of the
   * delegation (a `next()`, or a `throw()` or `return()` forwarded) resumes the generator at the
   * yield* first, so the inner iterator runs inside a run of it, and suspends it there after,
   * unless it goes on running (the inner one is done; an async generator always awaits the step).
   */
  dg<T>(site: number, g: GeneratorState, iterable: T, isAsync: boolean): T;
  /** Before `await` in an async generator; returns the operand. */
  sw<T>(site: number, g: GeneratorState, v: T): T;
  /** After `await` in an async generator; returns the result. */
  rw<T>(site: number, g: GeneratorState, v: T): T;
  /** A catch or finally block of a generator starts: if it was suspended (a `throw()`, a `return()`, a rejected await), it resumed. */
  cg(g: GeneratorState, p?: number): void;
  /** A generator exits by an exception. */
  tg(site: number, g: GeneratorState, p?: number): void;
  /** A generator exits (called from its `finally`): back to the caller of `next()`. */
  xg(site: number, g: GeneratorState, p?: number): void;
  /**
   * The iterable of `for await` in an async function: each `next()` the loop calls is followed by a
   * Suspend of activation `a` at `site` (the loop's await); the loop body reports the Resume (`re`).
   * Each `next()` after the first is preceded by a Statement at `statement` (the loop's, -1 when
   * none): the loop runs again, and the statements of the body before it have all run.
   */
  fa<T>(site: number, a: number, iterable: T, statement: number): T;
  /** The same in an async generator. */
  fg<T>(site: number, g: GeneratorState, iterable: T, statement: number): T;
  /** Values variant: whether the value point just reached is wanted (then `v` follows). */
  hit(): boolean;
  /** Values variant: hands over the scope's evaluator at a wanted value point. */
  v(evaluate: (expression: string) => unknown, scope: number): void;
}

/**
 * Sparse variant, into a ring only: the last statement that started before a throw left the
 * function or a catch or finally block began (its site), so that the decoder puts the
 * statements it did not report up to there, and no further. Not an event of the Execution.
 */
export const PROGRESS_KIND = 14;

/**
 * Into a ring only: the activation the one running continues (its site field holds that activation),
 * written where a continuation called by the event loop starts, before its Enter. Not an event of
 * the Execution: the decoder makes it Execution.continues.
 */
export const CONTINUES_KIND = 11;
