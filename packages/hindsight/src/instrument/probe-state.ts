/** The probes' shared state, and the literals their bytecode uses (runtime.ts, probes.ts). */
import type { EventKind } from '../trace/index.js';
import type { EventWriter, ProbeSink, ValueVisitor } from './probe.js';

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

/**
 * Activation ids wrap at Activation.Max (a ring holds far fewer events): they stay small integers,
 * and fit the 28 bits of a ring's activation record (ring-layout.ts, MAX_RING_ACTIVATION). A const enum,
 * as Kind: a literal in the probes.
 */
export const enum Activation {
  Max = (1 << 28) - 1,
}

/**
 * The mutable state the probes share, in one object of plain fields (the probes are the hottest
 * code of a recorded process: each is a few loads and stores).
 */
export class State {
  /** The ring, when recording into one (the flight recorder). */
  declare ring: EventWriter | undefined;
  /** Where the sink path's events go (replay), counted for the value visitor. */
  sinkWriter = new SinkWriter(undefined);
  /** Where every event goes: the ring, or the sink path. */
  declare writer: EventWriter;
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
  /**
   * While a function handed by name to a call that defers it (`.then(render)`) runs from the event
   * loop: the activation that handed it over, which the first traced function it enters continues
   * (`cf`). 0 otherwise.
   */
  handedBy = 0;
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

  /**
   * `ring` and `writer` are set here once (declared fields: no store before this one). A field V8
   * has seen stored only at construction is a constant in the probes inlined into the recorded
   * code, and so is the ring's buffer behind it: a recording that starts with the state writes
   * each event in about half the instructions of one whose writer was swapped in later.
   */
  constructor(ring?: EventWriter) {
    this.ring = ring;
    this.writer = ring ?? this.sinkWriter;
  }
}

/** The sink path: events go to a sink (replay), or nowhere; counted, for the value visitor. */
export class SinkWriter implements EventWriter {
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

  /** The sink is told each event's activation with it. */
  activate(): void {}

  /** Never asked (nor waited): the runtime reads the clock only into a ring. */
  time(): number {
    return 0;
  }

  waited(): boolean {
    return false;
  }
}
