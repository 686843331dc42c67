import { HindsightError } from '../common/index.js';
import { column, type EventKind } from '../trace/index.js';

/**
 * The flight recorder's ring: a fixed-size buffer of fixed-size slots that overwrites its oldest
 * slots. It lives in a file mapped into the recorded process, so every event is in the kernel's
 * page cache the moment it is written and outlives the process however it dies.
 *
 * Layout, format 3 (little-endian u32 words):
 *   header (16 words): magic, version (3), capacity in slots (a power of two), slots written (mod
 *   2^32), wrapped flag, pid, start time (ms since the epoch, as a float64 in words 6-7), words
 *   per slot (1), records written (activation and time slots, mod 2^32), the most events between
 *   two time records (TIME_EVERY), the slots written at the last time record, the monotonic
 *   clock when the ring started (process.hrtime(): seconds, nanoseconds), the event loop's turns
 *   (when it stamps the ring, else 0), rest 0
 *   slots (1 word each), the kind in the top 4 bits:
 *     an event:            kind << 28 | site                  (kinds 0-6)
 *     a progress mark:     14 << 28 | statement site          (sparse instrumentation; read as
 *                                                              an event, the decoder consumes it)
 *     an activation record: 13 << 28 | activation              the events after it, up to the next
 *                                                              one, are of this activation
 *     a time record, two slots: 15 << 28 | ns >> 28, then 12 << 28 | ns & 0xfffffff
 *                                                             (ns since the start, 56 bits: 2 years)
 * An event is one store: the activation is written only where it changes (an activation record:
 * the writer's user says which activation runs, activate(), where it may have changed), and again
 * after each periodic time record, so that a reader of a ring that wrapped learns it
 * within TIME_EVERY slots; the events before the first activation record it finds are left out.
 * Activations are below 2^28 (the probe runtime's ids wrap there).
 * The clock is not read per event. A time record is written wherever the writer's user asks for
 * one (the probe runtime does where traced code starts running: a callback from the event loop,
 * an await resuming after the loop waited; and where a unit of work ends), at least every
 * TIME_EVERY events, and by the event loop just before it waits when events were written since
 * the last one (stampLoopWaits, from the native part, into the same slots); the reader gives the
 * events between two time records times spread evenly between them (interpolated by position),
 * so every time is exact at a record and between records it is bounded by the records on either
 * side. The writer keeps its count in the header (not in a field) for the loop's records to go
 * in between.
 * A slot is written before the count that publishes it: a process that dies mid-record leaves a
 * count that does not include it. Once the ring has wrapped, the slot at the count may already
 * hold a newer word that the count does not include, so a reader starts one slot later. The
 * wrapped flag is set when a time record finds the count past the capacity; a reader also takes
 * a count past the capacity as wrapped.
 *
 * Still read: format 2 (two words a slot: kind << 28 | site and activation, or a time record
 * 15 << 28 | ns >> 32 and ns & 0xffffffff; the header's word 9 counts time records), and format 1
 * (four words an event: kind << 28 | site, activation, µs since start low, high; no time records).
 */

/** Read once: a property lookup on `process` per time record is measurable. */
const hrtime = process.hrtime;

/**
 * The ring's layout. A const enum: tsc writes its values where they are used, and the writer's
 * bytecode (V8 inlines it into the probes, by size) then loads no constants.
 */
const enum Layout {
  MAGIC = 0x31525348, // 'HSR1'
  VERSION = 3,
  /** Version 2 (still read): 2-word slots, an activation with every event. */
  VERSION_2 = 2,
  SLOT_WORDS_2 = 2,
  /** Version 1 (still read): 4-word events (kind << 28 | site, activation, µs since start low, high), no time records. */
  VERSION_1 = 1,
  EVENT_WORDS_1 = 4,
  HEADER_WORDS = 16,
  SLOT_WORDS = 1,
  H_MAGIC = 0,
  H_VERSION = 1,
  H_CAPACITY = 2,
  H_COUNT = 3,
  H_WRAPPED = 4,
  H_PID = 5,
  H_START = 6,
  H_SLOT_WORDS = 8,
  /** Format 3: activation and time slots written; format 2: time records written. */
  H_RECORDS = 9,
  H_TIME_EVERY = 10,
  /** Slots written (H_COUNT) at the last time record: the loop writes none while nothing else was written. */
  H_TIME_AT = 11,
  /** The clock when the ring started (process.hrtime(): seconds, nanoseconds), for the loop's records (native/loop-clock.c). */
  H_T0_S = 12,
  H_T0_NS = 13,
  /** The event loop's turns (1 when stamping starts, one more before each wait; 0: not stamped). */
  H_WAITS = 14,
  SITE_BITS = 28,
  SITE_MASK = (1 << 28) - 1,
  TIME_LOW_SCALE = 1 << 28,
  /** The kind of a time record, or of its first slot (event kinds are 0-6). */
  TIME = 15,
  /** Format 3: the second slot of a time record. */
  TIME_LOW = 12,
  /** A progress mark of the sparse instrumentation (PROGRESS_KIND of the probe runtime): read as an event. */
  PROGRESS = 14,
  /** Format 3: an activation record. */
  ACTIVATION = 13,
  /** A time record at least every this many events (a power of two). */
  TIME_EVERY = 64,
}
/** Activations a ring of format 3 holds: below 2^28. */
export const MAX_RING_ACTIVATION = Layout.SITE_MASK;
/** A time record at least every this many events. */
export const TIME_EVERY = Layout.TIME_EVERY;

/** Bytes of a ring holding at least `bytes` (rounded down to a power-of-two number of slots, at least 1024). */
export function ringBytes(bytes: number): number {
  const slots = Math.max(1024, 2 ** Math.floor(Math.log2(Math.max(1, bytes / (Layout.SLOT_WORDS * 4)))));
  return (Layout.HEADER_WORDS + slots * Layout.SLOT_WORDS) * 4;
}

/**
 * Writes a ring. Its fields are TypeScript-private, not `#private`: write() is inlined into the
 * probes of a recorded program, and V8 inlines by bytecode size, where a `#field` access takes two
 * instructions and a named one one.
 */
export class RingWriter {
  private readonly words: Uint32Array;
  private readonly mask: number;
  /** process.hrtime() when the ring started (seconds, nanoseconds): its time records count from there. */
  private readonly t0: readonly [number, number];
  /** The activation the last activation record named, -1 before the first. */
  private activation = -1;
  /** Events left before the next periodic time record (time() starts the countdown again). */
  private untilTime = Layout.TIME_EVERY;
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
   * A time record follows every TIME_EVERY events without one, so the events between two records
   * are never many.
   */
  write(kind: EventKind, site: number, _activation: number): void {
    const w = this.words;
    const n = w[Layout.H_COUNT]!;
    w[Layout.HEADER_WORDS + (n & this.mask)] = (kind << Layout.SITE_BITS) | (site & Layout.SITE_MASK);
    w[Layout.H_COUNT] = n + 1;
    if (--this.untilTime === 0) this.tick();
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
    this.untilTime = Layout.TIME_EVERY;
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

/** The events still in a ring, oldest first, as columns (times in ms since the recording started). */
export interface RingEvents {
  readonly length: number;
  readonly kinds: Uint8Array;
  readonly sites: Uint32Array;
  readonly activations: Uint32Array;
  readonly times: Float64Array;
}

export interface RingContents {
  readonly pid: number;
  /** When the recorded process started the ring, ms since the epoch. */
  readonly startMs: number;
  readonly capacity: number;
  /** True when older events were overwritten: the trace starts in the middle of the program. */
  readonly wrapped: boolean;
  /** Slots (events and time records) written in all, mod 2^32. */
  readonly written: number;
  readonly events: RingEvents;
  /** The index the writer gave the first of `events` (RingWriter.written then), mod 2^32: the last event written is firstEvent + events.length - 1. */
  readonly firstEvent: number;
}

/** The versions this hindsight reads, for the error that names them. */
const KNOWN = `${Layout.VERSION_1}, ${Layout.VERSION_2} and ${Layout.VERSION}`;

/** Words a slot of this format takes (an event of format 1), or a typed error for an unknown format. */
function slotWordsOf(version: number): number {
  if (version === Layout.VERSION) return Layout.SLOT_WORDS;
  if (version === Layout.VERSION_2) return Layout.SLOT_WORDS_2;
  if (version === Layout.VERSION_1) return Layout.EVENT_WORDS_1;
  throw new HindsightError('HS_E_RING_VERSION', `ring format ${version} is not known to this version of hindsight (it reads ${KNOWN}); upgrade hindsight`);
}

/** Whether the ring wrapped: its flag, or (format 3, whose flag is set at the next time record) a count past the capacity. */
function isWrapped(version: number, flag: number, count: number, capacity: number): boolean {
  return flag === 1 || (version === Layout.VERSION && count > capacity);
}

/** The ring's words past a check of its header (magic, version, length). */
function ringWords(buffer: ArrayBuffer | Uint8Array): { words: Uint32Array; bytes: Uint8Array; version: number; capacity: number; count: number; wrapped: boolean; slotWords: number } {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  if (bytes.byteLength < Layout.HEADER_WORDS * 4 || bytes.byteOffset % 4 !== 0) {
    throw new HindsightError('HS_E_RING_INVALID', `${bytes.byteLength} bytes are not a flight recorder ring; the recording is damaged`);
  }
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
  if (words[Layout.H_MAGIC] !== Layout.MAGIC) throw new HindsightError('HS_E_RING_INVALID', 'not a flight recorder ring (bad magic); the recording is damaged or the process never started recording');
  const version = words[Layout.H_VERSION]!;
  const slotWords = slotWordsOf(version);
  const capacity = words[Layout.H_CAPACITY]!;
  const count = words[Layout.H_COUNT]!;
  const wrapped = isWrapped(version, words[Layout.H_WRAPPED]!, count, capacity);
  // an archive of a ring that never wrapped keeps only the slots written (see RingHeader.usedBytes)
  if (words.length < Layout.HEADER_WORDS + (wrapped ? capacity : count) * slotWords) {
    throw new HindsightError('HS_E_RING_INVALID', 'the ring is shorter than its header says; the recording is truncated');
  }
  return { words, bytes, version, capacity, count, wrapped, slotWords };
}

/**
 * Where a reader puts a ring's events, oldest first: columns (readRing), or the decoder, which
 * puts the quiet statements back as it reads (readRingInto) rather than reading the ring into
 * columns and them again. An event's time is known only at the next time record: `times` gives
 * it afterwards.
 */
export interface RingSink {
  /** The event read `index`-th (from 0). */
  event(kind: number, site: number, activation: number, index: number): void;
  /** The events read from..to-1 take the times timeStep spreads from t0 towards t1 (all of them t0 when t0 = t1). */
  times(from: number, to: number, t0: number, t1: number): void;
}

/** A version 1 ring (recorded by an older hindsight): a time per event. */
function readRing1(words: Uint32Array, capacity: number, count: number, wrapped: boolean, sink: RingSink): number {
  const { first, slots: n, mask } = slotRange(capacity, count, wrapped);
  for (let k = 0; k < n; k++) {
    const at = Layout.HEADER_WORDS + ((first + k) & mask) * Layout.EVENT_WORDS_1;
    const w0 = words[at]!;
    sink.event(w0 >>> Layout.SITE_BITS, w0 & Layout.SITE_MASK, words[at + 1]!, k);
    const ms = (words[at + 3]! * 0x1_0000_0000 + words[at + 2]!) / 1000;
    sink.times(k, k + 1, ms, ms);
  }
  return n;
}

/**
 * Times from time records: the events before the first take its time; between two, events are
 * spread evenly; after the last, they take its time. Fed record by record as a ring is read.
 */
class Timeline {
  /** Events before the last record, -1 before the first. */
  #at = -1;
  #ms = 0;

  constructor(readonly sink: RingSink) {}

  /** A time record read after `events` events. */
  record(events: number, ms: number): void {
    if (this.#at < 0) this.sink.times(0, events, ms, ms);
    else this.sink.times(this.#at, events, this.#ms, ms);
    this.#at = events;
    this.#ms = ms;
  }

  /** The ring read: `events` events in all. */
  end(events: number): void {
    this.sink.times(Math.max(0, this.#at), events, this.#ms, this.#ms);
  }
}

/** Columns a ring's events are read into. */
export type RingColumns = Omit<RingEvents, 'length'>;

/** Columns for up to `slots` events. */
function columns(slots: number): RingColumns {
  return { kinds: column(Uint8Array, slots), sites: column(Uint32Array, slots), activations: column(Uint32Array, slots), times: column(Float64Array, slots) };
}

/** The first `n` events of the columns (views, no copy). */
export function firstEvents(c: RingColumns, n: number): RingEvents {
  return { length: n, kinds: c.kinds.subarray(0, n), sites: c.sites.subarray(0, n), activations: c.activations.subarray(0, n), times: c.times.subarray(0, n) };
}

/** The sink of readRing: each event at its index of the columns. */
class ColumnSink implements RingSink {
  constructor(readonly c: RingColumns) {}

  event(kind: number, site: number, activation: number, index: number): void {
    this.c.kinds[index] = kind;
    this.c.sites[index] = site;
    this.c.activations[index] = activation;
  }

  times(from: number, to: number, t0: number, t1: number): void {
    const times = this.c.times;
    const step = timeStep(from, to, t0, t1);
    for (let i = from; i < to; i++) times[i] = t0 + step * (i - from);
  }
}

/** A slot of a ring of format 2 (or 1) is an event unless it is a time record. readRing2 and tallyRingEvents must agree. */
const isEvent2 = (kind: number): boolean => kind !== Layout.TIME;
/** A slot of a ring of format 3 is an event unless it is an activation or time record. readRing3 and tallyRingEvents must agree. */
const isEvent3 = (kind: number): boolean => kind < Layout.TIME_LOW || kind === Layout.PROGRESS;

/** A version 2 ring: two words a slot, an activation with each event. */
function readRing2(words: Uint32Array, first: number, slots: number, mask: number, sink: RingSink): number {
  const timeline = new Timeline(sink);
  let n = 0;
  for (let k = 0; k < slots; k++) {
    const at = Layout.HEADER_WORDS + ((first + k) & mask) * Layout.SLOT_WORDS_2;
    const w0 = words[at]!;
    const kind = w0 >>> Layout.SITE_BITS;
    if (isEvent2(kind)) {
      sink.event(kind, w0 & Layout.SITE_MASK, words[at + 1]!, n++);
      continue;
    }
    timeline.record(n, ((w0 & Layout.SITE_MASK) * 0x1_0000_0000 + words[at + 1]!) / 1e6);
  }
  timeline.end(n);
  return n;
}

/**
 * A version 3 ring: one word a slot. The activation of an event is the last activation record's;
 * the events before the first one (a ring that wrapped) are left out. A time record is its two
 * slots in a row; half of one (its first slot overwritten, or its second never written) is not
 * a time. Read a chunk of slots a call (as ExecutionBuilder.appendColumns appends): one loop over
 * millions of slots would run in baseline code, on every decode, until V8 had compiled it on the
 * stack.
 */
function readRing3(words: Uint32Array, first: number, slots: number, mask: number, sink: RingSink): number {
  const reader = new Reader3(words, first, mask, sink);
  for (let k = 0; k < slots; k += READ_CHUNK) reader.read(k, Math.min(slots, k + READ_CHUNK));
  reader.timeline.end(reader.events);
  return reader.events;
}

/** Slots readRing3 reads a call. */
const READ_CHUNK = 1 << 16;

/** readRing3's state between chunks. */
class Reader3 {
  readonly timeline: Timeline;
  /** Events read so far. */
  events = 0;
  /** The last activation record's, -1 before the first. */
  activation = -1;
  /** The first slot of a time record, just read; -1 for none. */
  high = -1;

  constructor(
    readonly words: Uint32Array,
    readonly first: number,
    readonly mask: number,
    readonly sink: RingSink,
  ) {
    this.timeline = new Timeline(sink);
  }

  /** Reads slots from..to-1 (counted from the oldest), with the state in locals. */
  read(from: number, to: number): void {
    const { words, first, mask, sink, timeline } = this;
    let n = this.events;
    let activation = this.activation;
    let high = this.high;
    for (let k = from; k < to; k++) {
      const w = words[Layout.HEADER_WORDS + ((first + k) & mask)]!;
      const kind = w >>> Layout.SITE_BITS;
      const payload = w & Layout.SITE_MASK;
      if (isEvent3(kind)) {
        high = -1;
        if (activation < 0) continue;
        sink.event(kind, payload, activation, n++);
      } else if (kind === Layout.ACTIVATION) {
        high = -1;
        activation = payload;
      } else if (kind === Layout.TIME) {
        high = payload;
      } else if (kind === Layout.TIME_LOW && high >= 0) {
        timeline.record(n, (high * Layout.TIME_LOW_SCALE + payload) / 1e6);
        high = -1;
      }
    }
    this.events = n;
    this.activation = activation;
    this.high = high;
  }
}

/** Reads a ring (a live one's copy, or one left by a dead process) into columns of its own. */
export function readRing(buffer: ArrayBuffer | Uint8Array): RingContents {
  const { words, bytes, capacity, count, wrapped } = ringWords(buffer);
  const startMs = new Float64Array(bytes.buffer.slice(bytes.byteOffset + Layout.H_START * 4, bytes.byteOffset + Layout.H_START * 4 + 8))[0]!;
  const c = columns(slotRange(capacity, count, wrapped).slots);
  const events = readRingInto(buffer, new ColumnSink(c));
  return { pid: words[Layout.H_PID]!, startMs, capacity, wrapped, written: count, events: firstEvents(c, events), firstEvent: firstRingEvent(buffer, events) };
}

/** Reads a ring's events into a sink, oldest first (as many as tallyRingEvents counts): how many. */
export function readRingInto(buffer: ArrayBuffer | Uint8Array, sink: RingSink): number {
  const { words, version, capacity, count, wrapped } = ringWords(buffer);
  if (version === Layout.VERSION_1) return readRing1(words, capacity, count, wrapped, sink);
  const { first, slots, mask } = slotRange(capacity, count, wrapped);
  return version === Layout.VERSION_2 ? readRing2(words, first, slots, mask, sink) : readRing3(words, first, slots, mask, sink);
}

/** The index the writer gave the first of the `events` events a reader reads (RingWriter.written then), mod 2^32: the events read are the last ones written. */
export function firstRingEvent(buffer: ArrayBuffer | Uint8Array, events: number): number {
  const { words, version, count } = ringWords(buffer);
  // the writer counted every slot but the records
  const total = version === Layout.VERSION_1 ? count : (count - words[Layout.H_RECORDS]!) >>> 0;
  return (total - events) >>> 0;
}

/** The slots a reader reads: all of a wrapped ring but the one at the count, from the oldest. */
function slotRange(capacity: number, count: number, wrapped: boolean): { first: number; slots: number; mask: number } {
  const mask = capacity - 1;
  return { first: wrapped ? (count + 1) & mask : 0, slots: wrapped ? capacity - 1 : count, mask };
}

/** No weights: a tally of the events alone. */
const NO_WEIGHTS = new Uint32Array(0);

/**
 * The events readRing reads, counted without reading them into columns, and the sum of
 * `weights[site]` over those whose kind is in `kinds` (bit 1 << kind) and whose site is below
 * weights.length: a decode sizes its columns from both. The test is inline, one loop per format:
 * a callback per event was a tenth of a decode.
 */
export function tallyRingEvents(buffer: ArrayBuffer | Uint8Array, weights: Uint32Array = NO_WEIGHTS, kinds = 0): { events: number; weighted: number } {
  const { words, version, capacity, count, wrapped } = ringWords(buffer);
  const { first, slots, mask } = slotRange(capacity, count, wrapped);
  const sites = weights.length;
  let events = 0;
  let weighted = 0;
  if (version !== Layout.VERSION) {
    // formats 1 and 2: every slot is an event, but format 2's time records
    const slotWords = version === Layout.VERSION_2 ? Layout.SLOT_WORDS_2 : Layout.EVENT_WORDS_1;
    for (let k = 0; k < slots; k++) {
      const w = words[Layout.HEADER_WORDS + ((first + k) & mask) * slotWords]!;
      const kind = w >>> Layout.SITE_BITS;
      if (!isEvent2(kind)) continue;
      events++;
      const site = w & Layout.SITE_MASK;
      if (((kinds >>> kind) & 1) === 1 && site < sites) weighted += weights[site]!;
    }
    return { events, weighted };
  }
  let known = false; // an activation record read: the events from there on are read
  for (let k = 0; k < slots; k++) {
    const w = words[Layout.HEADER_WORDS + ((first + k) & mask)]!;
    const kind = w >>> Layout.SITE_BITS;
    if (kind === Layout.ACTIVATION) known = true;
    else if (known && isEvent3(kind)) {
      events++;
      const site = w & Layout.SITE_MASK;
      if (((kinds >>> kind) & 1) === 1 && site < sites) weighted += weights[site]!;
    }
  }
  return { events, weighted };
}

/**
 * The step between the times of events from..to-1 between records at t0 and t1: the first is at
 * t0, the last at t1, the rest evenly between (never backwards: a clock that went back spreads none).
 */
export function timeStep(from: number, to: number, t0: number, t1: number): number {
  const n = to - from;
  return n > 1 ? (Math.max(t0, t1) - t0) / (n - 1) : 0;
}

/** Events (not time or activation records) in a ring: exact, by a scan of the slots of a ring that wrapped. */
export function ringEventCount(buffer: ArrayBuffer | Uint8Array): number {
  const { words, version, count, wrapped } = ringWords(buffer);
  if (!wrapped) return version === Layout.VERSION_1 ? count : (count - words[Layout.H_RECORDS]!) >>> 0;
  return tallyRingEvents(buffer).events;
}

/** What a ring's header says, without reading its events. */
export interface RingHeader {
  readonly pid: number;
  readonly startMs: number;
  readonly capacity: number;
  /** Slots (events and records) written, mod 2^32. */
  readonly written: number;
  readonly wrapped: boolean;
  /**
   * Events a reader gets from it: exact for a ring that never wrapped; for one that did, estimated
   * from the share of records among the slots written (ringEventCount counts them, by a scan).
   */
  readonly events: number;
  /** The bytes worth keeping: all of a wrapped ring; of one that never wrapped, the header and the slots written. */
  readonly usedBytes: number;
}

export const RING_HEADER_BYTES = Layout.HEADER_WORDS * 4;

/** The events of a wrapped ring, without reading it: its slots less the share of records written (when the counts have not wrapped 2^32). */
function wrappedEvents(capacity: number, written: number, records: number): number {
  if (written < capacity || records > written) return capacity - 1;
  return Math.round((capacity - 1) * (1 - records / written));
}

export function ringHeader(header: Uint8Array): RingHeader {
  if (header.byteLength < RING_HEADER_BYTES) throw new HindsightError('HS_E_RING_INVALID', `${header.byteLength} bytes are not a flight recorder ring; the recording is damaged`);
  const view = new DataView(header.buffer, header.byteOffset, RING_HEADER_BYTES);
  const word = (i: number) => view.getUint32(i * 4, true);
  if (word(Layout.H_MAGIC) !== Layout.MAGIC) throw new HindsightError('HS_E_RING_INVALID', 'not a flight recorder ring (bad magic); the recording is damaged or the process never started recording');
  const version = word(Layout.H_VERSION);
  const slotWords = slotWordsOf(version);
  const capacity = word(Layout.H_CAPACITY);
  const written = word(Layout.H_COUNT);
  const wrapped = isWrapped(version, word(Layout.H_WRAPPED), written, capacity);
  const usedBytes = (Layout.HEADER_WORDS + (wrapped ? capacity : written) * slotWords) * 4;
  const at = { pid: word(Layout.H_PID), startMs: view.getFloat64(Layout.H_START * 4, true), capacity, written, wrapped, usedBytes };
  if (version === Layout.VERSION_1) return { ...at, events: wrapped ? capacity - 1 : written };
  return { ...at, events: wrapped ? wrappedEvents(capacity, written, word(Layout.H_RECORDS)) : (written - word(Layout.H_RECORDS)) >>> 0 };
}
