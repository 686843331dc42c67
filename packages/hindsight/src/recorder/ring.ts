import { HindsightError } from '../common/index.js';
import type { EventKind } from '../trace/index.js';
import { Layout } from './ring-layout.js';

/** Read once: a property lookup on `process` per time record is measurable. */
const hrtime = process.hrtime;

/**
 * Writes a ring (its format: ring-layout.ts). Its fields are TypeScript-private, not `#private`: write() is inlined into the
 * probes of a recorded program, and V8 inlines by bytecode size, where a `#field` access takes two
 * instructions and a named one one.
 */
export class RingWriter {
  // Declared, not initialized: each is stored once, in the constructor. A field V8 has seen stored
  // only there is a constant where the writer is (the probes' State): the buffer's address and
  // size are then in the compiled probes, and an event is a load, a store and the count's store.
  private declare readonly words: Uint32Array;
  private declare readonly mask: number;
  /** process.hrtime() when the ring started (seconds, nanoseconds): its time records count from there. */
  private declare readonly t0: readonly [number, number];
  /** The activation the last activation record named, -1 before the first. */
  private activation = -1;
  /** The loop's turns (Layout.H_WAITS) at the last time record. */
  private waitsSeen = 0;

  /** Starts a ring over `buffer` (from ringBytes): the header is written, the slots are empty. */
  constructor(buffer: ArrayBuffer, pid: number, startMs = Date.now()) {
    const words = new Uint32Array(buffer);
    const capacity = (words.length - Layout.HEADER_WORDS) / Layout.SLOT_WORDS;
    if (!Number.isInteger(capacity) || capacity < Layout.TIME_EVERY || (capacity & (capacity - 1)) !== 0) {
      throw new HindsightError('HS_E_RING_SIZE', `a ring of ${buffer.byteLength} bytes does not hold a power-of-two number of events; size it with ringBytes()`);
    }
    this.words = words;
    this.mask = capacity - 1;
    this.t0 = hrtime();
    words[Layout.H_COUNT] = 0;
    words[Layout.H_WRAPPED] = 0;
    words[Layout.H_CAPACITY] = capacity;
    words[Layout.H_VERSION] = Layout.VERSION;
    words[Layout.H_PID] = pid;
    words[Layout.H_SLOT_WORDS] = Layout.SLOT_WORDS;
    words[Layout.H_RECORDS] = 0;
    words[Layout.H_TIME_EVERY] = Layout.TIME_EVERY;
    words[Layout.H_T0_S] = this.t0[0];
    words[Layout.H_T0_NS] = this.t0[1];
    words[Layout.H_WAITS] = 0; // not stamped (yet): a ring file used before may hold its old loop's turns
    new Float64Array(buffer, Layout.H_START * 4, 1)[0] = startMs;
    words[Layout.H_MAGIC] = Layout.MAGIC; // last: a reader that sees the magic sees a whole header
    this.time();
  }

  /** Events written so far (mod 2^32): the index the next event will have in a ring that did not wrap. */
  get written(): number {
    return (this.words[Layout.H_COUNT]! - this.words[Layout.H_RECORDS]!) >>> 0;
  }

  /**
   * Appends one event of the activation last given to activate() (EventWriter.write: the ring
   * does not look at `_activation`, a sink does). Hot: one store and the count; no clock (see
   * time()), and no comparison of activations, which the probes that change the running one do.
   * A time record follows once TIME_EVERY slots were written since the last one (the header's
   * H_TIME_AT, which the loop's records set too), so the events between two records are never
   * many. `site` is below 2^28 (SITE_BITS): a process's sites are objects in its heap, far fewer.
   */
  write(kind: EventKind, site: number, _activation: number): void {
    const w = this.words;
    const n = w[Layout.H_COUNT]!;
    w[Layout.HEADER_WORDS + (n & this.mask)] = (kind << Layout.SITE_BITS) | site;
    w[Layout.H_COUNT] = n + 1;
    if (((n - w[Layout.H_TIME_AT]!) | 0) >= Layout.TIME_EVERY - 1) this.tick();
  }

  /**
   * Writes a time record: the clock now (one read of the monotonic clock); returns it, ms since the
   * ring started. Its two slots are published by one count. Hot: the probe runtime asks for one
   * wherever traced code starts or stops running, several times a request; process.hrtime() is the
   * cheapest clock JavaScript has (performance.now() is the same clock behind a getter and a
   * brand check), and its integer nanoseconds need no rounding.
   */
  time(): number {
    const now = hrtime();
    const ns = (now[0] - this.t0[0]) * 1e9 + (now[1] - this.t0[1]);
    const high = Math.floor(ns / Layout.TIME_LOW_SCALE);
    const w = this.words;
    const n = w[Layout.H_COUNT]!;
    w[Layout.HEADER_WORDS + (n & this.mask)] = (Layout.TIME << Layout.SITE_BITS) | (high & Layout.SITE_MASK);
    w[Layout.HEADER_WORDS + ((n + 1) & this.mask)] = (Layout.TIME_LOW << Layout.SITE_BITS) | (ns - high * Layout.TIME_LOW_SCALE);
    const next = (n + 2) >>> 0;
    w[Layout.H_COUNT] = next;
    w[Layout.H_RECORDS] = w[Layout.H_RECORDS]! + 2;
    w[Layout.H_TIME_AT] = next;
    this.waitsSeen = w[Layout.H_WAITS]!;
    if (next > this.mask + 1) w[Layout.H_WRAPPED] = 1;
    return ns / 1e6;
  }

  /**
   * Whether the event loop may have waited since the last time record: it turned since (its
   * stamps count the turns), or it does not stamp this ring, and then it always may have.
   */
  waited(): boolean {
    const waits = this.words[Layout.H_WAITS]!;
    return waits === 0 || waits !== this.waitsSeen;
  }

  /**
   * Writes a slot that is not an event and publishes it (the count after the word: see the header
   * comment), counted in the header so that a reader knows the events without a scan.
   */
  private record(word: number): void {
    const w = this.words;
    const n = w[Layout.H_COUNT]!;
    w[Layout.HEADER_WORDS + (n & this.mask)] = word;
    w[Layout.H_COUNT] = n + 1;
    w[Layout.H_RECORDS] = w[Layout.H_RECORDS]! + 1;
  }

  /**
   * The events written from now on are `activation`'s: an activation record, unless it is the one
   * the last record named. Kept to its low 28 bits (MAX_RING_ACTIVATION): the probe runtime's ids
   * stay below.
   */
  activate(activation: number): void {
    if (activation !== this.activation) this.switchTo(activation);
  }

  private switchTo(activation: number): void {
    this.activation = activation;
    this.nameActivation();
  }

  /** The periodic time record, and the activation again for a reader that starts after it. */
  private tick(): void {
    this.time();
    if (this.activation >= 0) this.nameActivation();
  }

  private nameActivation(): void {
    this.record((Layout.ACTIVATION << Layout.SITE_BITS) | (this.activation & Layout.SITE_MASK));
  }
}
