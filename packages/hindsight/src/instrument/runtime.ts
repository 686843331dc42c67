import { HindsightError } from '../common/index.js';
import type { Site } from '../trace/index.js';
import type { ScopeNames } from './names.js';
import type { EventWriter, Probe, ProbeSink, ValueVisitor } from './probe.js';
import { SinkWriter, State } from './probe-state.js';
import { probeKernel, type Kernel } from './probe-kernel.js';
import { probes } from './probes.js';

/** Where instrumented code finds the runtime: one registry per process, under a registered symbol. */
export const RUNTIME_KEY = Symbol.for('hindsight.probes');

/**
 * The global names a module instance's code calls its probes by (ProbeRuntime.install): `__hs<id>`
 * for its Probe, `__hs<id>_<method>` for each method. `id` is the instance's (instanceId), or the
 * placeholder the cached code holds instead.
 */
export const probeGlobal = (id: string, method?: string): string => (method === undefined ? `__hs${id}` : `__hs${id}_${method}`);

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
  readonly #s: State;
  readonly #kernel: Kernel;
  /** Each module's sites from `base`, and its demoted functions' flags (by module-local site: its probe's `d`). */
  readonly #modules: { readonly base: number; readonly demoted: Uint8Array }[] = [];

  /** With `ring`: recording into it from the start, as record() would, at the writer's full speed (State). */
  constructor(ring?: EventWriter) {
    this.#s = new State(ring);
    this.#kernel = probeKernel(this.#s);
  }

  get sink(): ProbeSink | undefined {
    return this.#s.sinkWriter.sink;
  }

  get visitor(): ValueVisitor | undefined {
    return this.#s.visitor;
  }

  /**
   * Stops tracing the function with this (global) site: from its next call it runs the copy of its
   * original code it was instrumented with (InstrumentOptions.demotable), which reports nothing;
   * the functions it calls are traced as before. A function without that copy is not demoted:
   * false then.
   */
  demote(functionSite: number): boolean {
    if (!this.sites[functionSite]?.demotable) return false;
    // modules in the order they loaded, their sites one after the other: the last that starts at or before it
    let m = this.#modules.length - 1;
    while (this.#modules[m]!.base > functionSite) m--;
    const { base, demoted } = this.#modules[m]!;
    demoted[functionSite - base] = 1;
    return true;
  }

  /**
   * Every `period` calls (a power of two) of a function that may be demoted (its site is
   * `demotable`: it enters by `et`, the probe that counts calls), `onHot` is told its (global) site
   * and its calls so far; it may demote it.
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
    // stored only where it changes: a store after construction makes it a variable for V8 (State)
    if (s.ring !== ring) s.ring = ring;
    if (s.writer !== ring) s.writer = ring;
    s.sinkWriter = new SinkWriter(undefined);
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

  /**
   * Registers a module instance (module()) and makes its Probe and the methods its code calls
   * (`methods`) read-only, non-enumerable properties of `global`, named by probeGlobal(id). V8
   * compiles a call of a global that cannot change into a call of that very function: no load and
   * no check, where a call of an import loads it through the module's context and imports and
   * checks it for its dead zone, and a `const` of the module is no constant to V8 in an async
   * function past its first await. They are defined before any of the module's code runs (an ES
   * module imports its registration first, a CommonJS one runs it first), so a function another
   * module calls before this one's body has run (a cycle of imports) finds them.
   */
  install(global: object, id: string, sites: readonly Site[], scopes: readonly ScopeNames[], methods: readonly string[]): void {
    if (!Object.isExtensible(global)) {
      // its code would die on its first probe, naming a global nobody wrote
      const file = sites[0]?.file ?? 'a module';
      const err = new HindsightError('HS_E_RECORDER_GLOBAL', `cannot trace ${file}: the program made globalThis non-extensible (frozen) before it loaded, and the recorder's probes are globals; freeze it after the traced modules load, or leave this one out (--exclude)`);
      // an ES module's registration is a data: URL of its whole site table, megabytes for a bundle, which its stack frame would print
      err.stack = err.stack!.split('\n').filter((line) => !line.includes('data:text/javascript,')).join('\n');
      throw err;
    }
    const probe = this.module(sites, scopes);
    Object.defineProperty(global, probeGlobal(id), { value: probe });
    for (const m of methods) Object.defineProperty(global, probeGlobal(id, m), { value: probe[m as keyof Probe] });
  }

  module(sites: readonly Site[], scopes: readonly ScopeNames[] = []): Probe {
    const base = this.sites.length;
    const scopeBase = this.scopes.length;
    // one at a time: a spread passes them all as arguments, more than the stack holds for a bundle of 100,000 sites
    for (const site of sites) this.sites.push(site);
    for (const scope of scopes) this.scopes.push(scope);
    this.#grow(this.sites.length);
    this.onModule?.(base, sites);
    const demoted = new Uint8Array(sites.length);
    this.#modules.push({ base, demoted });
    return probes(this.#s, this.#kernel, base, scopeBase, this.sites, this.scopes, demoted);
  }
}

/**
 * The process's runtime, installed on first use; with `ring`, recording into it (from the start
 * when it is installed now: see the constructor).
 */
export function probeRuntime(ring?: EventWriter): ProbeRuntime {
  const g = globalThis as unknown as Record<symbol, ProbeRuntime | undefined>;
  const installed = g[RUNTIME_KEY];
  if (installed === undefined) return (g[RUNTIME_KEY] = new ProbeRuntime(ring));
  if (ring !== undefined) installed.record(ring);
  return installed;
}
