/**
 * What every module's probes do beyond writing one event: activations (async calls, awaits, sync
 * activations started by the event loop), generators' runs, the clock, units of work. On global
 * site ids; probes.ts adds a module's base to its own.
 */
import type { EventKind } from '../trace/index.js';
import { GeneratorState } from './generators.js';
import { CONTINUES_KIND, PROGRESS_KIND } from './probe.js';
import { Activation, Kind, type State } from './probe-state.js';

export type Kernel = ReturnType<typeof probeKernel>;

/**
 * The kernel over `S`, made once per state. Once, so that V8 compiles each of its functions for
 * its one context: `S`, its typed arrays and its writer are then constants in the compiled code of
 * the functions called out of line (an async call's entry and exit, an await), as they are where
 * a probe is inlined into the instrumented code. The helpers are function declarations and the
 * state a parameter: V8 checks a `const` a closure reads for its dead zone (bytecodes in every
 * probe), not a parameter or a hoisted function.
 */
export function probeKernel(S: State) {
  function time(): void {
    const ring = S.ring;
    if (ring !== undefined) S.lastTime = ring.time();
  }
  /** Where an await resumes: the clock only if the program may have waited since it was last read (EventWriter.waited). */
  function resumeTime(): void {
    const ring = S.ring;
    if (ring !== undefined && ring.waited()) S.lastTime = ring.time();
  }
  /**
   * Traced code runs in activation `a` from here (0: none runs, the event loop's turn). The ring
   * names an activation where it changes, here, not at each event: whatever runs in between
   * (another activation's code, the event loop) came through here too.
   */
  function runIn(a: number): void {
    S.current = a;
    if (a !== 0) S.writer.activate(a);
  }
  /** The activation id after `a`: ids wrap at Activation.Max. */
  function following(a: number): number {
    return a >= Activation.Max ? 1 : a + 1;
  }
  /** A new activation id that takes no slot of the async table (a sync activation's, a generator's). */
  function takeId(): number {
    const a = S.next;
    S.next = following(a);
    return a;
  }
  /** A new async activation, called from `parent`: an id whose table slot is free. */
  function newAsync(parent: number): number {
    if (S.live >= (S.mask + 1) >> 1) growTable();
    let a = S.next;
    while (S.ids[a & S.mask] !== 0) a = following(a);
    S.next = following(a);
    const slot = a & S.mask;
    S.ids[slot] = a;
    S.parents[slot] = parent;
    S.awaiting[slot] = 0;
    S.live++;
    return a;
  }
  function growTable(): void {
    const size = (S.mask + 1) * 2;
    const ids = new Int32Array(size);
    const parents = new Int32Array(size);
    const awaiting = new Int32Array(size);
    const starts = new Float64Array(size);
    for (let i = 0; i <= S.mask; i++) {
      const a = S.ids[i]!;
      if (a === 0) continue;
      const slot = a & (size - 1); // distinct: two ids apart in a larger table were apart in the smaller
      ids[slot] = a;
      parents[slot] = S.parents[i]!;
      awaiting[slot] = S.awaiting[i]!;
      starts[slot] = S.starts[i]!;
    }
    S.ids = ids;
    S.parents = parents;
    S.awaiting = awaiting;
    S.starts = starts;
    S.mask = size - 1;
  }
  /** The Resume of an await that threw, reported where the exception is first handled. */
  function resumedByThrow(a: number): void {
    const slot = a & S.mask;
    if (S.ids[slot] !== a || S.awaiting[slot] === 0) return;
    const site = S.awaiting[slot]! - 1;
    S.awaiting[slot] = 0;
    if (S.current === 0) resumeTime();
    runIn(a);
    S.writer.write(Kind.Resume, site, a);
  }
  /** The statement `p` (global) of activation `a` started last: a progress mark (sparse instrumentation). */
  function progress(a: number, p: number): void {
    if (S.ring !== undefined) S.ring.write(PROGRESS_KIND as EventKind, p, a);
  }
  /** A generator's activation id: like a sync activation's, not in the table (see GeneratorState). */
  function newGenerator(): number {
    if (S.current === 0) time(); // traced code runs: the call reports two events
    return takeId();
  }
  /**
   * The generator runs again: after a yield (or at its start), run by the caller of `next()`,
   * `return()` or `throw()`; after an await, by the event loop. Reports the Resume.
   */
  function resumeGenerator(g: GeneratorState): void {
    const site = g.waiting - 1;
    if (g.yielded) g.resumer = S.current;
    g.waiting = 0;
    if (S.current === 0) {
      if (g.yielded) time();
      else resumeTime();
    }
    runIn(g.a);
    if (site >= 0) S.writer.write(Kind.Resume, site, g.a);
  }
  /** The generator suspends at `site`, reported: back to whoever resumed it; after an await, to the event loop from then on. */
  function suspendGenerator(g: GeneratorState, site: number, yielded: boolean): void {
    S.writer.write(Kind.Suspend, site, g.a);
    g.waiting = site + 1;
    g.yielded = yielded;
    runIn(g.resumer);
    if (!yielded) g.resumer = 0;
  }
  /** A generator function is called (`eg`): its activation starts and suspends at once, written in the caller's. */
  function callGenerator(site: number): GeneratorState {
    const g = new GeneratorState(newGenerator(), site);
    S.writer.activate(g.a);
    S.writer.write(Kind.Enter, site, g.a);
    S.writer.write(Kind.Suspend, site, g.a);
    runIn(S.current);
    return g;
  }
  /** A generator's body starts (`gs`) where its call was not seen (more arguments than it declares): entered now. */
  function startGenerator(site: number): GeneratorState {
    const g = new GeneratorState(newGenerator(), site);
    g.waiting = 0;
    g.resumer = S.current;
    if (S.current === 0) time();
    runIn(g.a);
    S.writer.write(Kind.Enter, site, g.a);
    return g;
  }
  /** The generator exits (`xg`), back to whoever resumed it. */
  function exitGenerator(site: number, g: GeneratorState): void {
    if (S.threw) S.threw = false;
    else S.writer.write(Kind.Exit, site, g.a);
    runIn(g.resumer);
  }
  /** An exception leaves the function at `site` (global) in activation `a`: reported once, by the innermost frame. */
  function thrown(site: number, a: number): void {
    S.writer.write(Kind.Throw, site, a);
    S.threw = true;
  }
  function hot(site: number, calls: number): void {
    const onHot = S.onHot;
    if (onHot !== undefined) onHot(site, calls);
  }
  /** `for await`: the loop's statement runs again (as `st`). */
  function again(site: number, a: number): void {
    runIn(a);
    S.writer.write(Kind.Statement, site, a);
  }
  /** An async activation suspends at an await (its `su`, or the await of `for await`): back to its caller, or once it has suspended before, to the event loop. */
  function suspendAsync(site: number, a: number): void {
    S.writer.write(Kind.Suspend, site, a);
    const slot = a & S.mask;
    let parent = 0;
    if (S.ids[slot] === a) {
      parent = S.parents[slot]!;
      S.parents[slot] = 0;
      S.awaiting[slot] = site + 1;
    }
    runIn(parent);
  }
  /** An async activation resumes after an await (`re`). */
  function resumeAsync(site: number, a: number): void {
    if (S.current === 0) resumeTime();
    const slot = a & S.mask;
    if (S.ids[slot] === a) S.awaiting[slot] = 0;
    runIn(a);
    S.writer.write(Kind.Resume, site, a);
  }
  /**
   * A unit of work ended (a request, for the latency analysis): the clock is read for it, the
   * only stop that reads it, so that its end is exact.
   */
  function endOfWork(site: number, started: number): void {
    time();
    const ms = S.lastTime - started;
    if (S.slowMs > 0 && ms > S.slowMs) S.onSlow?.(site, ms);
  }
  /** The arguments of the call at `site` whose Enter was written `back` events ago. */
  function args(a: number, site: number, values: unknown[], back: number): number {
    const ring = S.ring;
    if (ring !== undefined && S.onArgs !== undefined) S.onArgs(ring.written - back, site, values);
    return a;
  }
  /** A sync function's entry: it runs in the caller's activation. Inlined into en and et. */
  function enterSync(g: number): number {
    const a = S.current;
    if (a === 0) return enterFromLoop(g);
    if (a === S.syncActivation) S.syncDepth++;
    S.writer.write(Kind.Enter, g, a);
    return a;
  }
  /**
   * A sync function called from the event loop: a new activation, and traced code starts running.
   * A continuation's (`enc`) continues activation `from`, which the ring says before its Enter.
   */
  function enterFromLoop(g: number, from = 0): number {
    time();
    const a = (S.syncActivation = takeId());
    S.syncDepth = 1;
    runIn(a);
    continues(from, a);
    S.writer.write(Kind.Enter, g, a);
    return a;
  }
  /**
   * Activation `a`, just started by the event loop, continues activation `from` (CONTINUES_KIND),
   * or, with none given, the one that handed over the function running (handedBy).
   */
  function continues(from: number, a: number): void {
    const of = from !== 0 ? from : S.handedBy;
    if (of === 0) return;
    S.handedBy = 0;
    if (S.ring !== undefined) S.ring.write(CONTINUES_KIND as EventKind, of & Activation.Max, a);
  }
  /**
   * `fn` handed by name to a call that defers it (`cf`), by activation `from`: as it runs, from the
   * event loop, the first traced function it enters continues `from`. Its `this` and arguments are
   * passed through, and its length kept (some libraries look at a callback's).
   */
  function handedOver(fn: (...args: unknown[]) => unknown, from: number): (...args: unknown[]) => unknown {
    const run = function (this: unknown): unknown {
      if (S.current === 0) S.handedBy = from;
      try {
        return Reflect.apply(fn, this, arguments);
      } finally {
        S.handedBy = 0;
      }
    };
    if (fn.length !== 0) Object.defineProperty(run, 'length', { value: fn.length });
    return run;
  }
  /**
   * An async function's entry (`ea`): each call is a new activation. Its common case first: called
   * by traced async code, its id's table slot free, the table not half full.
   */
  function enterAsync(g: number): number {
    const parent = S.current;
    const a = S.next;
    const slot = a & S.mask;
    if (parent === 0 || parent === S.syncActivation || S.ids[slot] !== 0 || a >= Activation.Max || S.live >= (S.mask + 1) >> 1) return enterUnit(g);
    S.next = a + 1;
    S.ids[slot] = a;
    S.parents[slot] = parent;
    S.awaiting[slot] = 0;
    S.starts[slot] = -1;
    S.live++;
    runIn(a);
    S.writer.write(Kind.Enter, g, a);
    return a;
  }
  /**
   * enterAsync's every other case: a unit of work the event loop started, the activation table to
   * grow or probe further. A continuation's (`eac`) continues activation `from` (enterFromLoop).
   */
  function enterUnit(g: number, from = 0): number {
    const parent = S.current;
    if (parent === 0) time();
    const a = newAsync(parent);
    // a unit of work starts where the event loop started it: the clock was read there (time())
    const unit = parent === 0 || parent === S.syncActivation;
    S.starts[a & S.mask] = unit ? S.lastTime : -1;
    if (unit && parent !== 0) S.dispatched = true;
    runIn(a);
    if (parent === 0) continues(from, a);
    S.writer.write(Kind.Enter, g, a);
    return a;
  }
  /** The outermost frame of an activation started from the event loop returned: back to the loop. */
  function endSync(): void {
    S.syncActivation = 0;
    runIn(0);
    // a unit of work of its own ended, unless it started one (its end is then that one's)
    if (!S.dispatched) time();
    S.dispatched = false;
  }
  /** An async function exits (`xa`). Its common case first: an async call made by traced async code, which returned. */
  function exitAsync(g: number, a: number): void {
    if (S.threw) exitUnit(g, a);
    else returnAsync(g, a);
  }
  /** exitAsync where no throw came before (`xr`: a return, the end of the body). */
  function returnAsync(g: number, a: number): void {
    const slot = a & S.mask;
    if (S.ids[slot] !== a || S.starts[slot]! >= 0) return exitUnit(g, a);
    S.writer.write(Kind.Exit, g, a);
    runIn(S.parents[slot]!);
    S.ids[slot] = 0;
    S.live--;
  }
  /** exitAsync's every other case: after a throw, the end of a unit of work, an activation not in the table. */
  function exitUnit(g: number, a: number): void {
    if (S.threw) S.threw = false;
    else S.writer.write(Kind.Exit, g, a);
    const slot = a & S.mask;
    let parent = 0;
    let started = -1;
    if (S.ids[slot] === a) {
      parent = S.parents[slot]!;
      started = S.starts[slot]!;
      S.ids[slot] = 0;
      S.live--;
    }
    runIn(parent);
    if (started >= 0) endOfWork(g, started);
  }
  return {
    runIn,
    resumedByThrow,
    progress,
    resumeGenerator,
    suspendGenerator,
    callGenerator,
    startGenerator,
    exitGenerator,
    thrown,
    hot,
    again,
    suspendAsync,
    resumeAsync,
    args,
    enterSync,
    enterFromLoop,
    enterAsync,
    enterUnit,
    handedOver,
    endSync,
    exitAsync,
    returnAsync,
  };
}
