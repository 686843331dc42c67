import type { EventKind, Site } from '../trace/index.js';
import { delegateIterable, GeneratorState, goesOn, loopIterable } from './generators.js';
import type { ScopeNames } from './names.js';
import { PROGRESS_KIND, type EventWriter, type Probe, type ProbeSink, type ValueVisitor } from './probe.js';

/**
 * EventKind's values as literals in the compiled probes (tsc writes a const enum's values where
 * they are used): `EventKind.Enter` is a module variable's load and a property's in the bytecode
 * of every probe, and V8 inlines a probe by its bytecode size. A test checks they are EventKind's.
 */
export const enum Kind {
  Enter = 0,
  Exit = 1,
  Throw = 2,
  Statement = 3,
  Suspend = 4,
  Resume = 5,
  Branch = 6,
}

/** Where instrumented code finds the runtime: one registry per process, under a registered symbol. */
export const RUNTIME_KEY = Symbol.for('hindsight.probes');

/**
 * Activation ids wrap at Activation.Max (a ring holds far fewer events): they stay small integers,
 * and fit the 28 bits of a ring's activation record (ring.ts, MAX_RING_ACTIVATION). A const enum,
 * as Kind: a literal in the probes.
 */
const enum Activation {
  Max = (1 << 28) - 1,
}

/**
 * The mutable state the probes share, in one object of plain fields (the probes are the hottest
 * code of a recorded process: each is a few loads and stores).
 */
class State {
  /** The ring, when recording into one (the flight recorder). */
  ring: EventWriter | undefined = undefined;
  /** Where the sink path's events go (replay), counted for the value visitor. */
  sinkWriter = new SinkWriter(undefined);
  /** Where every event goes: the ring, or the sink path. */
  writer: EventWriter = this.sinkWriter;
  visitor: ValueVisitor | undefined = undefined;
  next = 1;
  /** The running activation, 0 for the event loop (no traced code on the stack). */
  current = 0;
  /**
   * The activation a sync function started from the event loop, and its open frames (at most one
   * such activation runs at a time: it ends when its outermost frame returns). 0 when none.
   */
  syncActivation = 0;
  syncDepth = 0;
  /** The sync activation started an async unit of work (it dispatched a request): its own end is not one's. Reset where it ends. */
  dispatched = false;
  threw = false;
  /**
   * Live async activations, an open-addressed table by id (slot = id & mask; an id whose slot is
   * taken is skipped when ids are handed out, so a lookup is one compare): the caller's activation
   * (0 once it suspended) and the await it is suspended in (global site + 1, 0 when none).
   */
  mask = 1023;
  ids = new Int32Array(1024);
  parents = new Int32Array(1024);
  awaiting = new Int32Array(1024);
  live = 0;
  /** Per global site: calls so far of a function that may be demoted (it enters by `et`). */
  calls = new Int32Array(1024);
  /** onHot is told every (hotMask + 1) calls of a sync function (it is not set until watchHot: counts wrap at 2^30). */
  hotMask = 0x3fffffff;
  onHot: ((site: number, calls: number) => void) | undefined = undefined;
  /** The clock at the last time record (ms, the ring's origin). */
  lastTime = 0;
  /** Per live async activation (by table slot), when its unit of work started; -1 when it is not one (an async call made by traced async code). */
  starts = new Float64Array(1024);
  /** watchSlow: units of work longer than this (ms) are told to onSlow; 0 when not watched. */
  slowMs = 0;
  onSlow: ((site: number, ms: number) => void) | undefined = undefined;
  /** Told the arguments of each call of a function instrumented to capture them, with its Enter event's index. */
  onArgs: ((event: number, site: number, values: unknown[]) => void) | undefined = undefined;
}

/** The sink path: events go to a sink (replay), or nowhere; counted, for the value visitor. */
class SinkWriter implements EventWriter {
  /** Events written since reset: the next event's index in the Execution. */
  count = 0;
  lastSite = 0;
  constructor(readonly sink: ProbeSink | undefined) {}

  get written(): number {
    return this.count;
  }

  write(kind: EventKind, site: number, activation: number): void {
    this.count++;
    this.lastSite = site;
    this.sink?.event(kind, site, activation);
  }

  /** Never asked (nor waited): the runtime reads the clock only into a ring. */
  time(): number {
    return 0;
  }

  waited(): boolean {
    return false;
  }
}

/**
 * The process-wide registry of instrumented modules: their sites (ids dense over all modules
 * loaded in this process) and where their events go: a ring (the recorder), a sink (replay), or
 * nowhere. One recording at a time.
 *
 * Activations: each async call is a new activation; sync calls run in the current one. `current`
 * follows control: set on entry, back to the caller on an activation's first await or when its
 * outermost frame returns, to the event loop (0) after a later await. The clock is read (into the
 * ring) where `current` goes from 0, that is where traced code starts running (where an await
 * resumes, only if the program may have waited since the last reading), and where a unit of work
 * the event loop started ends (a request: its latency is exact); where traced code otherwise
 * stops, the recorder has the event loop write the time before it waits (stampLoopWaits).
 */
export class ProbeRuntime {
  readonly sites: Site[] = [];
  readonly scopes: ScopeNames[] = [];
  /** Told of each instrumented module as it loads: its sites are ids base..base+n-1 (the recorder keeps the table). */
  onModule: ((base: number, sites: readonly Site[]) => void) | undefined;
  readonly #s = new State();
  /** Each module's sites from `base`, and its demoted functions' flags (by module-local site: its probe's `d`). */
  readonly #modules: { readonly base: number; readonly demoted: Uint8Array }[] = [];

  get sink(): ProbeSink | undefined {
    return this.#s.sinkWriter.sink;
  }

  get visitor(): ValueVisitor | undefined {
    return this.#s.visitor;
  }

  /**
   * Stops tracing the function with this (global) site: from its next call it runs the copy of its
   * original code it was instrumented with (InstrumentOptions.demotable), which reports nothing;
   * the functions it calls are traced as before. A function without that copy is not demoted.
   */
  demote(functionSite: number): void {
    if (!this.sites[functionSite]?.demotable) return;
    // modules in the order they loaded, their sites one after the other: the last that starts at or before it
    let m = this.#modules.length - 1;
    while (this.#modules[m]!.base > functionSite) m--;
    const { base, demoted } = this.#modules[m]!;
    demoted[functionSite - base] = 1;
  }

  /**
   * Every `period` calls (a power of two) of a sync function, `onHot` is told its (global) site and
   * its calls so far; it may demote it.
   */
  watchHot(period: number, onHot: (site: number, calls: number) => void): void {
    this.#s.hotMask = period - 1;
    this.#s.onHot = onHot;
  }

  /**
   * `onSlow` is told of each unit of work that took longer than `thresholdMs`: an async call made
   * from the event loop, or from synchronous code the event loop started (a request handler a
   * callback fires off, a message consumer), from its entry to its end, awaits included. Its
   * (global) function site and how long it took (from the clock read where it started, and one at
   * its end: the only clock read a stop makes).
   */
  watchSlow(thresholdMs: number, onSlow: (site: number, ms: number) => void): void {
    this.#s.slowMs = thresholdMs;
    this.#s.onSlow = onSlow;
  }

  /** `onArgs` is told the arguments of each traced call of a function instrumented to capture them (InstrumentOptions.captureArgs). */
  captureArgs(onArgs: (event: number, site: number, values: unknown[]) => void): void {
    this.#s.onArgs = onArgs;
  }

  /** Starts a recording into a sink (or none): fresh activations. */
  reset(sink: ProbeSink | undefined, visitor?: ValueVisitor): void {
    const s = this.#s;
    s.ring = undefined;
    s.sinkWriter = new SinkWriter(sink);
    s.writer = s.sinkWriter;
    s.visitor = visitor;
    this.#fresh();
  }

  /** Starts a recording into a ring (the flight recorder): fresh activations. */
  record(ring: EventWriter): void {
    const s = this.#s;
    s.ring = ring;
    s.sinkWriter = new SinkWriter(undefined);
    s.writer = ring;
    s.visitor = undefined;
    this.#fresh();
  }

  #fresh(): void {
    const s = this.#s;
    s.next = 1;
    s.current = 0;
    s.syncActivation = 0;
    s.syncDepth = 0;
    s.dispatched = false;
    s.threw = false;
    s.ids.fill(0);
    s.live = 0;
  }

  #grow(sites: number): void {
    const s = this.#s;
    if (sites <= s.calls.length) return;
    const calls = new Int32Array(Math.max(sites, s.calls.length * 2));
    calls.set(s.calls);
    s.calls = calls;
  }

  module(sites: readonly Site[], scopes: readonly ScopeNames[] = []): Probe {
    const base = this.sites.length;
    const scopeBase = this.scopes.length;
    this.sites.push(...sites);
    this.scopes.push(...scopes);
    this.#grow(this.sites.length);
    this.onModule?.(base, sites);
    const demoted = new Uint8Array(sites.length);
    this.#modules.push({ base, demoted });
    return probes(this.#s, base, scopeBase, this.sites, this.scopes, demoted);
  }
}

/**
 * The probes of a module whose sites start at `base`. Its helpers are function declarations and
 * its state comes in parameters: V8 checks a `const` a closure reads for its dead zone (bytecodes
 * in every probe), not a parameter or a hoisted function.
 */
function probes(S: State, base: number, scopeBase: number, allSites: readonly Site[], allScopes: readonly ScopeNames[], demoted: Uint8Array): Probe {
  /** An event. The hottest probes write theirs themselves: V8 inlines by bytecode size, and a layer less leaves room to inline more of them. */
  function emit(kind: EventKind, site: number, a: number): void {
    S.writer.write(kind, site, a);
  }
  function time(): void {
    const ring = S.ring;
    if (ring !== undefined) S.lastTime = ring.time();
  }
  /** Where an await resumes: the clock only if the program may have waited since it was last read (EventWriter.waited). */
  function resumeTime(): void {
    const ring = S.ring;
    if (ring !== undefined && ring.waited()) S.lastTime = ring.time();
  }
  /** A new async activation, called from `parent`: an id whose table slot is free. */
  function newAsync(parent: number): number {
    if (S.live >= (S.mask + 1) >> 1) growTable();
    let a = S.next;
    while (S.ids[a & S.mask] !== 0) a = a >= Activation.Max ? 1 : a + 1;
    S.next = a >= Activation.Max ? 1 : a + 1;
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
    S.current = a;
    emit(Kind.Resume, site, a);
  }
  function progress(a: number, p: number): void {
    if (p >= 0 && S.ring !== undefined) S.ring.write(PROGRESS_KIND as EventKind, base + p, a);
  }
  /** A generator's activation id: like a sync activation's, not in the table (see GeneratorState). */
  function newGenerator(): number {
    if (S.current === 0) time(); // traced code runs: the call reports two events
    const a = S.next;
    S.next = a >= Activation.Max ? 1 : a + 1;
    return a;
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
    S.current = g.a;
    if (site >= 0) emit(Kind.Resume, site, g.a);
  }
  /** The generator suspends at `site` (module-local), reported: back to whoever resumed it; after an await, to the event loop from then on. */
  function suspendGenerator(g: GeneratorState, local: number, yielded: boolean): void {
    const site = base + local;
    emit(Kind.Suspend, site, g.a);
    g.waiting = site + 1;
    g.yielded = yielded;
    S.current = g.resumer;
    if (!yielded) g.resumer = 0;
  }
  // a yield and an await suspend alike, and resume alike; only what the generator waits for differs
  const suspendAt =
    (yielded: boolean) =>
    <V>(site: number, g: GeneratorState, v: V): V => {
      suspendGenerator(g, site, yielded);
      return v;
    };
  // after a yield* whose last step ran inside a run of the generator (delegateIterable), it did not suspend
  function resumed<V>(_site: number, g: GeneratorState, v: V): V {
    if (g.waiting !== 0) resumeGenerator(g);
    else S.current = g.a;
    return v;
  }
  function hot(site: number, calls: number): void {
    const onHot = S.onHot;
    if (onHot !== undefined) onHot(site, calls);
  }
  /** `for await`: the loop's statement runs again (as `st`). */
  function again(site: number, a: number): void {
    if (site < 0) return;
    S.current = a;
    emit(Kind.Statement, base + site, a);
  }
  /** An async activation suspends at an await (its `su`, or the await of `for await`): back to its caller, or once it has suspended before, to the event loop. */
  function suspendAsync(site: number, a: number): void {
    S.writer.write(Kind.Suspend, base + site, a);
    const slot = a & S.mask;
    let parent = 0;
    if (S.ids[slot] === a) {
      parent = S.parents[slot]!;
      S.parents[slot] = 0;
      S.awaiting[slot] = base + site + 1;
    }
    S.current = parent;
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
  /** The arguments of the call whose Enter was written `back` events ago. */
  function args(a: number, site: number, values: unknown[], back: number): number {
    const ring = S.ring;
    if (ring !== undefined && S.onArgs !== undefined) S.onArgs(ring.written - back, base + site, values);
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
  /** A sync function called from the event loop: a new activation, and traced code starts running. */
  function enterFromLoop(g: number): number {
    time();
    const a = (S.current = S.syncActivation = S.next);
    S.next = a >= Activation.Max ? 1 : a + 1;
    S.syncDepth = 1;
    S.writer.write(Kind.Enter, g, a);
    return a;
  }
  /** ea's every case: a unit of work the event loop started, the activation table to grow or probe further. */
  function enterAsync(g: number): number {
    const parent = S.current;
    if (parent === 0) time();
    const a = newAsync(parent);
    // a unit of work starts where the event loop started it: the clock was read there (time())
    const unit = parent === 0 || parent === S.syncActivation;
    S.starts[a & S.mask] = unit ? S.lastTime : -1;
    if (unit && parent !== 0) S.dispatched = true;
    S.current = a;
    emit(Kind.Enter, g, a);
    return a;
  }
  /** The outermost frame of an activation started from the event loop returned: back to the loop. */
  function endSync(): void {
    S.syncActivation = 0;
    S.current = 0;
    // a unit of work of its own ended, unless it started one (its end is then that one's)
    if (!S.dispatched) time();
    S.dispatched = false;
  }
  /** xa's every case: after a throw, the end of a unit of work, an activation not in the table. */
  function exitAsync(g: number, a: number): void {
    if (S.threw) S.threw = false;
    else emit(Kind.Exit, g, a);
    const slot = a & S.mask;
    let parent = 0;
    let started = -1;
    if (S.ids[slot] === a) {
      parent = S.parents[slot]!;
      started = S.starts[slot]!;
      S.ids[slot] = 0;
      S.live--;
    }
    S.current = parent;
    if (started >= 0) endOfWork(g, started);
  }
  // The probes below are inlined into the instrumented code, and V8 inlines by bytecode size
  // (a budget per optimized function): each takes its common case itself, in as few bytecodes
  // as it can, and leaves every other case to a function of its own, which V8 does not inline
  // where it is rarely called.
  const probe: Probe = {
    en: (site) => enterSync(base + site),
    et: (site) => {
      const g = base + site;
      const c = (S.calls[g]! + 1) & 0x3fffffff;
      S.calls[g] = c;
      if ((c & S.hotMask) === 0) hot(g, c);
      return enterSync(g);
    },
    d: demoted,
    ea: (site) => {
      const parent = S.current;
      const a = S.next;
      const slot = a & S.mask;
      // the common case: called by traced async code, its id's table slot free, the table not half full
      if (parent === 0 || parent === S.syncActivation || S.ids[slot] !== 0 || a >= Activation.Max || S.live >= (S.mask + 1) >> 1) return enterAsync(base + site);
      S.next = a + 1;
      S.ids[slot] = a;
      S.parents[slot] = parent;
      S.awaiting[slot] = 0;
      S.starts[slot] = -1;
      S.live++;
      S.current = a;
      S.writer.write(Kind.Enter, base + site, a);
      return a;
    },
    st: (site, a) => {
      S.current = a;
      S.writer.write(Kind.Statement, base + site, a);
    },
    su: (site, a, v) => {
      suspendAsync(site, a);
      return v;
    },
    re: (site, a, v) => {
      if (S.current === 0) resumeTime();
      const slot = a & S.mask;
      if (S.ids[slot] === a) S.awaiting[slot] = 0;
      S.current = a;
      S.writer.write(Kind.Resume, base + site, a);
      return v;
    },
    br: (v, yes, no, a) => {
      S.writer.write(Kind.Branch, base + (v ? yes : no), a);
      return v;
    },
    bk: (site, a) => emit(Kind.Branch, base + site, a),
    ca: (a, p) => {
      resumedByThrow(a);
      if (p !== undefined) progress(a, p);
    },
    th: (site, a, p) => {
      resumedByThrow(a);
      if (p !== undefined) progress(a, p);
      emit(Kind.Throw, base + site, a);
      S.threw = true;
    },
    ex: (site, a) => {
      if (S.threw) S.threw = false;
      else S.writer.write(Kind.Exit, base + site, a);
      if (a === S.syncActivation && --S.syncDepth <= 0) endSync();
      else S.current = a;
    },
    xa: (site, a) => {
      const slot = a & S.mask;
      // the common case: an async call made by traced async code, which returned
      if (S.threw || S.ids[slot] !== a || S.starts[slot]! >= 0) return exitAsync(base + site, a);
      S.writer.write(Kind.Exit, base + site, a);
      S.current = S.parents[slot]!;
      S.ids[slot] = 0;
      S.live--;
    },
    eg: (site) => {
      const g = new GeneratorState(newGenerator(), base + site);
      emit(Kind.Enter, base + site, g.a);
      emit(Kind.Suspend, base + site, g.a);
      return g;
    },
    gs: (site, given) => {
      if (given instanceof GeneratorState) {
        resumeGenerator(given);
        return given;
      }
      // called with more arguments than it declares: entered as it starts
      const g = new GeneratorState(newGenerator(), base + site);
      g.waiting = 0;
      g.resumer = S.current;
      if (S.current === 0) time();
      S.current = g.a;
      emit(Kind.Enter, base + site, g.a);
      return g;
    },
    sy: suspendAt(true),
    ry: resumed,
    sw: suspendAt(false),
    rw: resumed,
    cg: (g, p) => {
      if (g.waiting !== 0) resumeGenerator(g);
      if (p !== undefined) progress(g.a, p);
    },
    tg: (site, g, p) => {
      if (g.waiting !== 0) resumeGenerator(g);
      if (p !== undefined) progress(g.a, p);
      emit(Kind.Throw, base + site, g.a);
      S.threw = true;
    },
    xg: (site, g, p) => {
      // a return() at a yield runs only the finally blocks: it resumed there, and nothing after it ran;
      // so does one that yield* forwarded, which resumed it already (delegateIterable)
      if (g.waiting !== 0) {
        resumeGenerator(g);
        if (p !== undefined) progress(g.a, p);
      } else if (g.forwarded && p !== undefined) progress(g.a, p);
      if (S.threw) S.threw = false;
      else emit(Kind.Exit, base + site, g.a);
      S.current = g.resumer;
    },
    fa: (site, a, iterable, statement) =>
      loopIterable(iterable, () => again(statement, a), () => suspendAsync(site, a)),
    fg: (site, g, iterable, statement) =>
      loopIterable(
        iterable,
        () => again(statement, g.a),
        () => suspendGenerator(g, site, false),
        () => {
          if (g.waiting !== 0) resumeGenerator(g);
        },
      ),
    dg: (site, g, iterable, isAsync) =>
      delegateIterable(
        iterable,
        isAsync,
        (returning) => {
          if (g.waiting !== 0) resumeGenerator(g);
          if (returning) g.forwarded = true;
        },
        // an async generator awaits each step: it always suspends, and a yield or what follows the yield* resumes it
        (r) => {
          if (!isAsync && goesOn(r) === true) return;
          suspendGenerator(g, site, true);
        },
      ),
    hit: () => S.visitor !== undefined && S.visitor.wants(S.sinkWriter.count - 1),
    v: (evaluate, scope) => {
      const index = S.sinkWriter.count - 1;
      S.visitor?.visit({ index, site: allSites[S.sinkWriter.lastSite], scope: allScopes[scopeBase + scope]!, evaluate });
    },
    ena: (site, values) => args(probe.en(site), site, values, 1),
    eaa: (site, values) => args(probe.ea(site), site, values, 1),
    // eg writes the Enter, then the Suspend
    ega: (site, values) => {
      const g = probe.eg(site);
      args(g.a, site, values, 2);
      return g;
    },
    gsa: (site, given, values) => {
      const g = probe.gs(site, given);
      if (g !== given) args(g.a, site, values, 1); // its call entered only now: its Enter was just written
      return g;
    },
  };
  return probe;
}

/** The process's runtime, installed on first use. */
export function probeRuntime(): ProbeRuntime {
  const g = globalThis as unknown as Record<symbol, ProbeRuntime | undefined>;
  return (g[RUNTIME_KEY] ??= new ProbeRuntime());
}
