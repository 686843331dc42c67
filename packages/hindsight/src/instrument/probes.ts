/** The probes one instrumented module calls (ProbeRuntime.module), over the state all modules share. */
import type { EventKind, Site } from '../trace/index.js';
import { delegateIterable, GeneratorState, goesOn, loopIterable } from './generators.js';
import type { ScopeNames } from './names.js';
import { PROGRESS_KIND, type Probe } from './probe.js';
import { Activation, Kind, type State } from './probe-state.js';

/**
 * The probes of a module whose sites start at `base`. Its helpers are function declarations and
 * its state comes in parameters: V8 checks a `const` a closure reads for its dead zone (bytecodes
 * in every probe), not a parameter or a hoisted function.
 */
export function probes(S: State, base: number, scopeBase: number, allSites: readonly Site[], allScopes: readonly ScopeNames[], demoted: Uint8Array): Probe {
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
    runIn(a);
    S.writer.write(Kind.Resume, site, a);
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
    runIn(g.a);
    if (site >= 0) S.writer.write(Kind.Resume, site, g.a);
  }
  /** The generator suspends at `site` (module-local), reported: back to whoever resumed it; after an await, to the event loop from then on. */
  function suspendGenerator(g: GeneratorState, local: number, yielded: boolean): void {
    const site = base + local;
    S.writer.write(Kind.Suspend, site, g.a);
    g.waiting = site + 1;
    g.yielded = yielded;
    runIn(g.resumer);
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
    else runIn(g.a);
    return v;
  }
  function hot(site: number, calls: number): void {
    const onHot = S.onHot;
    if (onHot !== undefined) onHot(site, calls);
  }
  /** `for await`: the loop's statement runs again (as `st`). */
  function again(site: number, a: number): void {
    if (site < 0) return;
    runIn(a);
    S.writer.write(Kind.Statement, base + site, a);
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
    runIn(parent);
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
    const a = (S.syncActivation = S.next);
    S.next = a >= Activation.Max ? 1 : a + 1;
    S.syncDepth = 1;
    runIn(a);
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
    runIn(a);
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
  /** xa's every case: after a throw, the end of a unit of work, an activation not in the table. */
  function exitAsync(g: number, a: number): void {
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
      runIn(a);
      S.writer.write(Kind.Enter, base + site, a);
      return a;
    },
    // code of activation `a` runs in it (runIn): st, br, bk, en and ex write without looking
    st: (site, a) => S.writer.write(Kind.Statement, base + site, a),
    su: (site, a, v) => {
      suspendAsync(site, a);
      return v;
    },
    re: (site, a, v) => {
      if (S.current === 0) resumeTime();
      const slot = a & S.mask;
      if (S.ids[slot] === a) S.awaiting[slot] = 0;
      runIn(a);
      S.writer.write(Kind.Resume, base + site, a);
      return v;
    },
    br: (v, yes, no, a) => {
      S.writer.write(Kind.Branch, base + (v ? yes : no), a);
      return v;
    },
    bk: (site, a) => S.writer.write(Kind.Branch, base + site, a),
    ca: (a, p) => {
      resumedByThrow(a);
      if (p !== undefined) progress(a, p);
    },
    th: (site, a, p) => {
      resumedByThrow(a);
      if (p !== undefined) progress(a, p);
      S.writer.write(Kind.Throw, base + site, a);
      S.threw = true;
    },
    ex: (site, a) => {
      if (S.threw) S.threw = false;
      else S.writer.write(Kind.Exit, base + site, a);
      if (a === S.syncActivation && --S.syncDepth <= 0) endSync();
    },
    xr: (site, a, v) => {
      probe.xa(site, a);
      return v;
    },
    xa: (site, a) => {
      const slot = a & S.mask;
      // the common case: an async call made by traced async code, which returned
      if (S.threw || S.ids[slot] !== a || S.starts[slot]! >= 0) return exitAsync(base + site, a);
      S.writer.write(Kind.Exit, base + site, a);
      runIn(S.parents[slot]!);
      S.ids[slot] = 0;
      S.live--;
    },
    eg: (site) => {
      const g = new GeneratorState(newGenerator(), base + site);
      // its call is an Enter and a Suspend of its own activation, written in the caller's
      S.writer.activate(g.a);
      S.writer.write(Kind.Enter, base + site, g.a);
      S.writer.write(Kind.Suspend, base + site, g.a);
      runIn(S.current);
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
      runIn(g.a);
      S.writer.write(Kind.Enter, base + site, g.a);
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
      S.writer.write(Kind.Throw, base + site, g.a);
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
      else S.writer.write(Kind.Exit, base + site, g.a);
      runIn(g.resumer);
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
