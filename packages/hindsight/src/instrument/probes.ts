/** The probes one instrumented module calls (ProbeRuntime.module), over the state and kernel all modules share. */
import type { Site } from '../trace/index.js';
import { delegateIterable, GeneratorState, goesOn, loopIterable } from './generators.js';
import type { ScopeNames } from './names.js';
import type { Probe } from './probe.js';
import type { Kernel } from './probe-kernel.js';
import { Kind, type State } from './probe-state.js';

/** The names in scope at an exit's value point: none (it answers only what was returned). */
const NO_NAMES: ScopeNames = { args: [], locals: [], closure: [], module: [] };

/** What an exit reported from a `finally` answers: the value went by before it. */
function notSeen(): never {
  throw new Error('the value it returned is not seen where it exits (it returned through a finally block)');
}

/**
 * The probes of a module whose sites start at `base`: each adds it to its module-local sites and
 * writes its event, or leaves the rest to the kernel `K`. Its state comes in parameters: V8 checks
 * a `const` a closure reads for its dead zone (bytecodes in every probe), not a parameter.
 */
export function probes(S: State, K: Kernel, base: number, scopeBase: number, allSites: readonly Site[], allScopes: readonly ScopeNames[], demoted: Uint8Array): Probe {
  // a yield and an await suspend alike, and resume alike; only what the generator waits for differs
  const suspendAt =
    (yielded: boolean) =>
    <V>(site: number, g: GeneratorState, v: V): V => {
      K.suspendGenerator(g, base + site, yielded);
      return v;
    };
  // after a yield* whose last step ran inside a run of the generator (delegateIterable), it did not suspend
  function resumed<V>(_site: number, g: GeneratorState, v: V): V {
    if (g.waiting !== 0) K.resumeGenerator(g);
    else K.runIn(g.a);
    return v;
  }
  /**
   * The values variant: the Exit just written (if one was: a throw writes none) is a value point of
   * its own, where `evaluate` answers what the function returned, whatever it is asked.
   */
  function exitPoint(before: number, evaluate: () => unknown): void {
    const index = S.sinkWriter.count - 1;
    if (S.sinkWriter.count === before || S.visitor === undefined || !S.visitor.wants(index)) return;
    S.visitor.visit({ index, site: allSites[S.sinkWriter.lastSite], scope: NO_NAMES, evaluate });
  }
  /** The statement `p` (module-local, -1: none) of activation `a` started last, when the sparse instrumentation says so. */
  function progress(a: number, p: number | undefined): void {
    if (p !== undefined && p >= 0) K.progress(a, base + p);
  }
  // The probes are inlined into the instrumented code, and V8 inlines by bytecode size (a budget
  // per optimized function): each takes its common case itself, in as few bytecodes as it can,
  // and leaves every other case to the kernel, which V8 does not inline where it is rarely called.
  const probe: Probe = {
    en: (site) => K.enterSync(base + site),
    et: (site) => {
      const g = base + site;
      const c = (S.calls[g]! + 1) & 0x3fffffff;
      S.calls[g] = c;
      if ((c & S.hotMask) === 0) K.hot(g, c);
      return K.enterSync(g);
    },
    d: demoted,
    ea: (site) => K.enterAsync(base + site),
    // called by the event loop, a continuation starts a unit of work that continues `from`'s
    enc: (site, from) => (S.current === 0 ? K.enterFromLoop(base + site, from) : K.enterSync(base + site)),
    eac: (site, from) => (S.current === 0 ? K.enterUnit(base + site, from) : K.enterAsync(base + site)),
    // a function handed by name (`.then(render)`): its run continues `from`'s, when recording
    cf: (fn, from) => (S.ring === undefined || typeof fn !== 'function' ? fn : (K.handedOver(fn as (...args: unknown[]) => unknown, from) as typeof fn)),
    // code of activation `a` runs in it (runIn): st, br, bk, en and ex write without looking
    st: (site, a) => S.writer.write(Kind.Statement, base + site, a),
    su: (site, a, v) => {
      K.suspendAsync(base + site, a);
      return v;
    },
    re: (site, a, v) => {
      K.resumeAsync(base + site, a);
      return v;
    },
    br: (v, yes, no, a) => {
      S.writer.write(Kind.Branch, base + (v ? yes : no), a);
      return v;
    },
    bk: (site, a) => S.writer.write(Kind.Branch, base + site, a),
    ca: (a, p) => {
      K.resumedByThrow(a);
      progress(a, p);
    },
    th: (site, a, p) => {
      K.resumedByThrow(a);
      progress(a, p);
      K.thrown(base + site, a);
    },
    ts: (site, a, p) => {
      probe.th(site, a, p);
      probe.ex(site, a);
    },
    ta: (site, a, p) => {
      probe.th(site, a, p);
      K.exitAsync(base + site, a);
    },
    ex: (site, a) => {
      if (S.threw) S.threw = false;
      else S.writer.write(Kind.Exit, base + site, a);
      if (a === S.syncActivation && --S.syncDepth <= 0) K.endSync();
    },
    // a return, or the end of the body: no throw before it to look for (ts and ta report theirs with the exit)
    xs: (site, a, v) => {
      S.writer.write(Kind.Exit, base + site, a);
      if (a === S.syncActivation && --S.syncDepth <= 0) K.endSync();
      return v;
    },
    xr: (site, a, v) => {
      K.returnAsync(base + site, a);
      return v;
    },
    xa: (site, a) => K.exitAsync(base + site, a),
    // the values variant's exits: xs, xr, ex and xa, each a value point of what the function returned
    xsv: (site, a, v) => {
      const before = S.sinkWriter.count;
      probe.xs(site, a, v);
      exitPoint(before, () => v);
      return v;
    },
    xrv: (site, a, v) => {
      const before = S.sinkWriter.count;
      probe.xr(site, a, v);
      exitPoint(before, () => v);
      return v;
    },
    exv: (site, a) => {
      const before = S.sinkWriter.count;
      probe.ex(site, a);
      exitPoint(before, notSeen);
    },
    xav: (site, a) => {
      const before = S.sinkWriter.count;
      probe.xa(site, a);
      exitPoint(before, notSeen);
    },
    eg: (site) => K.callGenerator(base + site),
    gs: (site, given) => {
      if (!(given instanceof GeneratorState)) return K.startGenerator(base + site); // called with more arguments than it declares: entered as it starts
      K.resumeGenerator(given);
      return given;
    },
    sy: suspendAt(true),
    ry: resumed,
    sw: suspendAt(false),
    rw: resumed,
    cg: (g, p) => {
      if (g.waiting !== 0) K.resumeGenerator(g);
      progress(g.a, p);
    },
    tg: (site, g, p) => {
      if (g.waiting !== 0) K.resumeGenerator(g);
      progress(g.a, p);
      K.thrown(base + site, g.a);
    },
    xg: (site, g, p) => {
      // a return() at a yield runs only the finally blocks: it resumed there, and nothing after it ran;
      // so does one that yield* forwarded, which resumed it already (delegateIterable)
      if (g.waiting !== 0) {
        K.resumeGenerator(g);
        progress(g.a, p);
      } else if (g.forwarded) progress(g.a, p);
      K.exitGenerator(base + site, g);
    },
    fa: (site, a, iterable, statement) =>
      loopIterable(
        iterable,
        () => {
          if (statement >= 0) K.again(base + statement, a);
        },
        () => K.suspendAsync(base + site, a),
      ),
    fg: (site, g, iterable, statement) =>
      loopIterable(
        iterable,
        () => {
          if (statement >= 0) K.again(base + statement, g.a);
        },
        () => K.suspendGenerator(g, base + site, false),
        () => {
          if (g.waiting !== 0) K.resumeGenerator(g);
        },
      ),
    dg: (site, g, iterable, isAsync) =>
      delegateIterable(
        iterable,
        isAsync,
        (returning) => {
          if (g.waiting !== 0) K.resumeGenerator(g);
          if (returning) g.forwarded = true;
        },
        // an async generator awaits each step: it always suspends, and a yield or what follows the yield* resumes it
        (r) => {
          if (!isAsync && goesOn(r) === true) return;
          K.suspendGenerator(g, base + site, true);
        },
      ),
    hit: () => S.visitor !== undefined && S.visitor.wants(S.sinkWriter.count - 1),
    v: (evaluate, scope) => {
      const index = S.sinkWriter.count - 1;
      S.visitor?.visit({ index, site: allSites[S.sinkWriter.lastSite], scope: allScopes[scopeBase + scope]!, evaluate });
    },
    ena: (site, values) => K.args(probe.en(site), base + site, values, 1),
    eaa: (site, values) => K.args(probe.ea(site), base + site, values, 1),
    enca: (site, from, values) => K.args(probe.enc(site, from), base + site, values, 1),
    eaca: (site, from, values) => K.args(probe.eac(site, from), base + site, values, 1),
    // eg writes the Enter, then the Suspend
    ega: (site, values) => {
      const g = probe.eg(site);
      K.args(g.a, base + site, values, 2);
      return g;
    },
    gsa: (site, given, values) => {
      const g = probe.gs(site, given);
      if (g !== given) K.args(g.a, base + site, values, 1); // its call entered only now: its Enter was just written
      return g;
    },
  };
  return probe;
}
