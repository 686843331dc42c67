import { EventKind } from '../trace/index.js';
import type { Site } from '../trace/index.js';
import type { ScopeNames } from './instrument.js';

/** Where instrumented code finds the runtime: one registry per process, under a registered symbol. */
export const RUNTIME_KEY = Symbol.for('hindsight.probes');

/** Receives the events of instrumented code while a recording is on. */
export interface ProbeSink {
  event(kind: EventKind, site: number, activation: number): void;
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
  /** Enter of an async function: each call is a new activation. */
  ea(site: number): number;
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
  /** The function exits by an exception (its `finally` then reports no Exit). */
  th(site: number, a: number): void;
  /**
   * A catch or finally block of the code starts: if the activation was suspended in an `await` whose
   * promise rejected, it has resumed (with the exception), which the Resume probe could not report.
   */
  ca(a: number): void;
  /** The function exits (called from its `finally`). */
  ex(site: number, a: number): void;
  /** Values variant: whether the value point just reached is wanted (then `v` follows). */
  hit(): boolean;
  /** Values variant: hands over the scope's evaluator at a wanted value point. */
  v(evaluate: (expression: string) => unknown, scope: number): void;
}

/**
 * The process-wide registry of instrumented modules: their sites (ids dense over all modules
 * loaded in this process) and the sink that records. One recording at a time.
 *
 * Activations: each async call is a new activation; sync calls run in the current one. `current`
 * follows control: set on entry, back to the caller on an activation's first await or when its
 * outermost frame returns, to the event loop (0) after a later await.
 */
export class ProbeRuntime {
  readonly sites: Site[] = [];
  readonly scopes: ScopeNames[] = [];
  sink: ProbeSink | undefined;
  visitor: ValueVisitor | undefined;
  /** Told of each instrumented module as it loads: its sites are ids base..base+n-1 (the recorder keeps the table). */
  onModule: ((base: number, sites: readonly Site[]) => void) | undefined;
  /** Events emitted since reset: the next event's index in the Execution. */
  #count = 0;
  #lastSite = 0;
  #nextActivation = 1;
  #current = 0;
  /** Per live activation: its caller's activation (0 once it was suspended) and its open frames. */
  readonly #live = new Map<number, { parent: number; depth: number; awaiting: number }>();
  #threw = false;
  /** Function sites no longer traced (the recorder demotes very hot, tiny functions). */
  readonly #demoted = new Set<number>();
  /**
   * Open frames of demoted functions (and of the sync functions they call). A muted frame's probes
   * get its activation negated (en returns -a), so every probe knows without a lookup to report
   * nothing; async functions called from one run as usual.
   */
  #muted = 0;

  /** Stops tracing the function with this (global) site: its calls report nothing any more. Sync functions only. */
  demote(functionSite: number): void {
    this.#demoted.add(functionSite);
  }

  /** Starts a recording: fresh activations. */
  reset(sink: ProbeSink | undefined, visitor?: ValueVisitor): void {
    this.sink = sink;
    this.visitor = visitor;
    this.#count = 0;
    this.#nextActivation = 1;
    this.#current = 0;
    this.#live.clear();
    this.#threw = false;
    this.#muted = 0;
  }

  module(sites: readonly Site[], scopes: readonly ScopeNames[] = []): Probe {
    const base = this.sites.length;
    const scopeBase = this.scopes.length;
    this.sites.push(...sites);
    this.scopes.push(...scopes);
    this.onModule?.(base, sites);
    const emitGlobal = (kind: EventKind, site: number, a: number) => {
      if (a < 0) return; // a muted frame
      this.#count++;
      this.#lastSite = site;
      this.sink?.event(kind, site, a);
    };
    const emit = (kind: EventKind, site: number, a: number) => emitGlobal(kind, base + site, a);
    /** The Resume of an await that threw, reported where the exception is first handled. */
    const resumedByThrow = (a: number) => {
      const live = this.#live.get(a);
      if (!live || live.awaiting === -1) return;
      const site = live.awaiting;
      live.awaiting = -1;
      this.#current = a;
      emitGlobal(EventKind.Resume, site, a);
    };
    const enter = (site: number, a: number, isNew: boolean, muted = false): number => {
      if (isNew) this.#live.set(a, { parent: this.#current, depth: 0, awaiting: -1 });
      const live = this.#live.get(a);
      if (live) live.depth++;
      this.#current = a;
      if (!muted) emit(EventKind.Enter, site, a);
      return a;
    };
    const leave = (a: number) => {
      const live = this.#live.get(a);
      if (live && --live.depth <= 0) {
        this.#live.delete(a);
        this.#current = live.parent;
      } else this.#current = a;
    };
    return {
      en: (site) => {
        const muted = this.#muted > 0 || this.#demoted.has(base + site);
        if (muted) this.#muted++;
        const a = this.#current === 0 ? enter(site, this.#nextActivation++, true, muted) : enter(site, this.#current, false, muted);
        return muted ? -a : a;
      },
      ea: (site) => enter(site, this.#nextActivation++, true),
      st: (site, a) => {
        this.#current = a < 0 ? -a : a;
        emit(EventKind.Statement, site, a);
      },
      su: (site, a, v) => {
        emit(EventKind.Suspend, site, a);
        const live = this.#live.get(a);
        this.#current = live ? live.parent : 0;
        if (live) {
          live.parent = 0;
          live.awaiting = base + site;
        }
        return v;
      },
      re: (site, a, v) => {
        const live = this.#live.get(a);
        if (live) live.awaiting = -1;
        this.#current = a;
        emit(EventKind.Resume, site, a);
        return v;
      },
      br: (v, yes, no, a) => {
        emit(EventKind.Branch, v ? yes : no, a);
        return v;
      },
      bk: (site, a) => emit(EventKind.Branch, site, a),
      ca: resumedByThrow,
      th: (site, a) => {
        resumedByThrow(a);
        emit(EventKind.Throw, site, a);
        this.#threw = true;
      },
      ex: (site, a) => {
        if (this.#threw) this.#threw = false;
        else emit(EventKind.Exit, site, a);
        if (a < 0) this.#muted--;
        leave(a < 0 ? -a : a);
      },
      hit: () => this.visitor !== undefined && this.visitor.wants(this.#count - 1),
      v: (evaluate, scope) => {
        const index = this.#count - 1;
        this.visitor?.visit({ index, site: this.sites[this.#lastSite], scope: this.scopes[scopeBase + scope]!, evaluate });
      },
    };
  }
}

/** The process's runtime, installed on first use. */
export function probeRuntime(): ProbeRuntime {
  const g = globalThis as unknown as Record<symbol, ProbeRuntime | undefined>;
  return (g[RUNTIME_KEY] ??= new ProbeRuntime());
}
