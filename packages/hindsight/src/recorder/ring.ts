import { HindsightError } from '../common/index.js';
import type { EventKind } from '../trace/index.js';

/**
 * The flight recorder's ring: a fixed-size buffer of fixed-size slots that overwrites its oldest
 * slots. It lives in a file mapped into the recorded process, so every event is in the kernel's
 * page cache the moment it is written and outlives the process however it dies.
 *
 * Layout (little-endian u32 words):
 *   header (16 words): magic, version, capacity in slots (a power of two), slots written (mod
 *   2^32), wrapped flag, pid, start time (ms since the epoch, as a float64 in words 6-7), words
 *   per slot (2), time records written (mod 2^32), the most events between two time records
 *   (TIME_EVERY), rest 0
 *   slots (2 words each), either an event: kind << 28 | site, activation
 *                         or a time record: 15 << 28 | ns >> 32, ns & 0xffffffff (ns since start)
 *                         (or a progress mark of the sparse instrumentation: 14 << 28 | statement
 *                         site, activation; read as events, the decoder consumes them)
 * The clock is not read per event. A time record is written wherever the writer's user asks for
 * one (the probe runtime does where traced code starts and stops running: a callback from the
 * event loop, an await resuming, an activation suspending or returning to the event loop) and
 * at least every TIME_EVERY slots; the reader gives the events between two time records times
 * spread evenly between them (interpolated by position), so every time is exact at a record and
 * between records it is bounded by the records on either side.
 * A slot is written before the count that publishes it: a process that dies mid-slot leaves a
 * count that does not include it. Once the ring has wrapped, the slot at the count may hold half
 * of a new slot over an old one, so a reader starts one slot later.
 */

const MAGIC = 0x31525348; // 'HSR1'
const VERSION = 2;
/** Version 1 (still read): 4-word events (kind << 28 | site, activation, µs since start low, high), no time records. */
const VERSION_1 = 1;
const EVENT_WORDS_1 = 4;
const HEADER_WORDS = 16;
const SLOT_WORDS = 2;
const H_MAGIC = 0;
const H_VERSION = 1;
const H_CAPACITY = 2;
const H_COUNT = 3;
const H_WRAPPED = 4;
const H_PID = 5;
const H_START = 6;
const H_SLOT_WORDS = 8;
const H_TIMES = 9;
const H_TIME_EVERY = 10;
const SITE_BITS = 28;
const SITE_MASK = (1 << SITE_BITS) - 1;
/** The kind of a time record (event kinds are 0-6). */
const TIME = 15;
/** A time record at least every this many slots (a power of two). */
export const TIME_EVERY = 64;

/** Bytes of a ring holding at least `bytes` (rounded down to a power-of-two number of slots, at least 1024). */
export function ringBytes(bytes: number): number {
  const slots = Math.max(1024, 2 ** Math.floor(Math.log2(Math.max(1, bytes / (SLOT_WORDS * 4)))));
  return (HEADER_WORDS + slots * SLOT_WORDS) * 4;
}

export class RingWriter {
  readonly #words: Uint32Array;
  readonly #mask: number;
  readonly #s0: number;
  readonly #ns0: number;
  #count = 0;
  #times = 0;

  /** Starts a ring over `buffer` (from ringBytes): the header is written, the slots are empty. */
  constructor(buffer: ArrayBuffer, pid: number, startMs = Date.now()) {
    const words = new Uint32Array(buffer);
    const capacity = (words.length - HEADER_WORDS) / SLOT_WORDS;
    if (!Number.isInteger(capacity) || capacity < TIME_EVERY || (capacity & (capacity - 1)) !== 0) {
      throw new HindsightError('HS_E_RING_SIZE', `a ring of ${buffer.byteLength} bytes does not hold a power-of-two number of events; size it with ringBytes()`);
    }
    this.#words = words;
    this.#mask = capacity - 1;
    const [s0, ns0] = process.hrtime();
    this.#s0 = s0;
    this.#ns0 = ns0;
    words[H_COUNT] = 0;
    words[H_WRAPPED] = 0;
    words[H_CAPACITY] = capacity;
    words[H_VERSION] = VERSION;
    words[H_PID] = pid;
    words[H_SLOT_WORDS] = SLOT_WORDS;
    words[H_TIMES] = 0;
    words[H_TIME_EVERY] = TIME_EVERY;
    new Float64Array(buffer, H_START * 4, 1)[0] = startMs;
    words[H_MAGIC] = MAGIC; // last: a reader that sees the magic sees a whole header
    this.time();
  }

  /** Events written so far (mod 2^32): the index the next event will have in a ring that did not wrap. */
  get written(): number {
    return (this.#count - this.#times) >>> 0;
  }

  /**
   * Appends one event. Hot: two stores and the count; no clock (see time()). Every TIME_EVERY
   * slots a time record follows, so the events between two records are never many.
   */
  write(kind: EventKind, site: number, activation: number): void {
    const w = this.#words;
    const n = this.#count;
    const at = HEADER_WORDS + (n & this.#mask) * SLOT_WORDS;
    w[at] = (kind << SITE_BITS) | (site & SITE_MASK);
    w[at + 1] = activation;
    const next = (n + 1) >>> 0;
    this.#count = next;
    w[H_COUNT] = next;
    if ((next & (TIME_EVERY - 1)) === 0) this.#tick(next);
  }

  /** Writes a time record: the clock now (one read of the monotonic clock). */
  time(): void {
    const t = process.hrtime();
    const ns = (t[0] - this.#s0) * 1e9 + (t[1] - this.#ns0);
    const w = this.#words;
    const n = this.#count;
    const at = HEADER_WORDS + (n & this.#mask) * SLOT_WORDS;
    w[at] = (TIME << SITE_BITS) | (Math.floor(ns / 0x1_0000_0000) & SITE_MASK);
    w[at + 1] = ns >>> 0;
    this.#times = (this.#times + 1) >>> 0;
    w[H_TIMES] = this.#times;
    const next = (n + 1) >>> 0;
    this.#count = next;
    w[H_COUNT] = next;
    if ((next & (TIME_EVERY - 1)) === 0) this.#wrap(next);
  }

  #tick(count: number): void {
    this.#wrap(count);
    this.time();
  }

  /** The count crossed a multiple of TIME_EVERY (the capacity is one): past the capacity, the ring has wrapped. */
  #wrap(count: number): void {
    if (count > this.#mask || count === 0) this.#words[H_WRAPPED] = 1;
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
}

/** The ring's words past a check of its header (magic, version, length). */
function ringWords(buffer: ArrayBuffer | Uint8Array): { words: Uint32Array; bytes: Uint8Array; capacity: number; count: number; wrapped: boolean; slotWords: number } {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  if (bytes.byteLength < HEADER_WORDS * 4 || bytes.byteOffset % 4 !== 0) {
    throw new HindsightError('HS_E_RING_INVALID', `${bytes.byteLength} bytes are not a flight recorder ring; the recording is damaged`);
  }
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
  if (words[H_MAGIC] !== MAGIC) throw new HindsightError('HS_E_RING_INVALID', 'not a flight recorder ring (bad magic); the recording is damaged or the process never started recording');
  const version = words[H_VERSION];
  if (version !== VERSION && version !== VERSION_1) throw new HindsightError('HS_E_RING_VERSION', `ring format ${version} is not known to this version of hindsight (it reads ${VERSION_1} and ${VERSION}); upgrade hindsight`);
  const slotWords = version === VERSION_1 ? EVENT_WORDS_1 : SLOT_WORDS;
  const capacity = words[H_CAPACITY]!;
  const count = words[H_COUNT]!;
  const wrapped = words[H_WRAPPED] === 1;
  // an archive of a ring that never wrapped keeps only the slots written (see RingHeader.usedBytes)
  if (words.length < HEADER_WORDS + (wrapped ? capacity : count) * slotWords) {
    throw new HindsightError('HS_E_RING_INVALID', 'the ring is shorter than its header says; the recording is truncated');
  }
  return { words, bytes, capacity, count, wrapped, slotWords };
}

/** A version 1 ring (recorded by an older hindsight): a time per event. */
function readRing1(words: Uint32Array, capacity: number, count: number, wrapped: boolean): RingEvents {
  const mask = capacity - 1;
  const n = wrapped ? capacity - 1 : count;
  const first = wrapped ? (count + 1) & mask : 0;
  const events = { length: n, kinds: new Uint8Array(n), sites: new Uint32Array(n), activations: new Uint32Array(n), times: new Float64Array(n) };
  for (let k = 0; k < n; k++) {
    const at = HEADER_WORDS + ((first + k) & mask) * EVENT_WORDS_1;
    const w0 = words[at]!;
    events.kinds[k] = w0 >>> SITE_BITS;
    events.sites[k] = w0 & SITE_MASK;
    events.activations[k] = words[at + 1]!;
    events.times[k] = (words[at + 3]! * 0x1_0000_0000 + words[at + 2]!) / 1000;
  }
  return events;
}

/** Reads a ring (a live one's copy, or one left by a dead process). */
export function readRing(buffer: ArrayBuffer | Uint8Array): RingContents {
  const { words, bytes, capacity, count, wrapped, slotWords } = ringWords(buffer);
  const startMs = new Float64Array(bytes.buffer.slice(bytes.byteOffset + H_START * 4, bytes.byteOffset + H_START * 4 + 8))[0]!;
  if (slotWords === EVENT_WORDS_1) return { pid: words[H_PID]!, startMs, capacity, wrapped, written: count, events: readRing1(words, capacity, count, wrapped) };
  const mask = capacity - 1;
  const slots = wrapped ? capacity - 1 : count;
  const first = wrapped ? (count + 1) & mask : 0;
  const kinds = new Uint8Array(slots);
  const sites = new Uint32Array(slots);
  const activations = new Uint32Array(slots);
  const times = new Float64Array(slots);
  let n = 0;
  // time records: the events before the first take its time; between two, events are spread evenly
  let lastAt = -1; // events before the last record
  let lastMs = 0;
  for (let k = 0; k < slots; k++) {
    const at = HEADER_WORDS + ((first + k) & mask) * SLOT_WORDS;
    const w0 = words[at]!;
    const kind = w0 >>> SITE_BITS;
    if (kind !== TIME) {
      kinds[n] = kind;
      sites[n] = w0 & SITE_MASK;
      activations[n] = words[at + 1]!;
      n++;
      continue;
    }
    const ms = ((w0 & SITE_MASK) * 0x1_0000_0000 + words[at + 1]!) / 1e6;
    if (lastAt < 0) times.fill(ms, 0, n);
    else spread(times, lastAt, n, lastMs, ms);
    lastAt = n;
    lastMs = ms;
  }
  times.fill(lastMs, Math.max(0, lastAt), n);
  const events = { length: n, kinds: kinds.subarray(0, n), sites: sites.subarray(0, n), activations: activations.subarray(0, n), times: times.subarray(0, n) };
  return { pid: words[H_PID]!, startMs, capacity, wrapped, written: count, events };
}

/** Times of events from..to-1, between records at t0 and t1: the first at t0, the last at t1, the rest evenly between. */
function spread(times: Float64Array, from: number, to: number, t0: number, t1: number): void {
  const n = to - from;
  if (n <= 0) return;
  const step = n > 1 ? (Math.max(t0, t1) - t0) / (n - 1) : 0;
  for (let j = 0; j < n; j++) times[from + j] = t0 + step * j;
}

/** Events (not time records) in a ring: exact, by a scan of the slots of a ring that wrapped. */
export function ringEventCount(buffer: ArrayBuffer | Uint8Array): number {
  const { words, capacity, count, wrapped, slotWords } = ringWords(buffer);
  if (slotWords === EVENT_WORDS_1) return wrapped ? capacity - 1 : count;
  if (!wrapped) return (count - words[H_TIMES]!) >>> 0;
  const mask = capacity - 1;
  const skip = count & mask; // the slot a reader leaves out
  let events = 0;
  for (let k = 0; k < capacity; k++) if (k !== skip && words[HEADER_WORDS + k * SLOT_WORDS]! >>> SITE_BITS !== TIME) events++;
  return events;
}

/** What a ring's header says, without reading its events. */
export interface RingHeader {
  readonly pid: number;
  readonly startMs: number;
  readonly capacity: number;
  /** Slots (events and time records) written, mod 2^32. */
  readonly written: number;
  readonly wrapped: boolean;
  /**
   * Events a reader gets from it: exact for a ring that never wrapped; for one that did, estimated
   * from the share of time records among the slots written (ringEventCount counts them, by a scan).
   */
  readonly events: number;
  /** The bytes worth keeping: all of a wrapped ring; of one that never wrapped, the header and the slots written. */
  readonly usedBytes: number;
}

export const RING_HEADER_BYTES = HEADER_WORDS * 4;

/** The events of a wrapped ring, without reading it: its slots less the share of time records written (when the counts have not wrapped 2^32). */
function wrappedEvents(capacity: number, written: number, times: number): number {
  if (written < capacity || times > written) return capacity - 1;
  return Math.round((capacity - 1) * (1 - times / written));
}

export function ringHeader(header: Uint8Array): RingHeader {
  if (header.byteLength < RING_HEADER_BYTES) throw new HindsightError('HS_E_RING_INVALID', `${header.byteLength} bytes are not a flight recorder ring; the recording is damaged`);
  const view = new DataView(header.buffer, header.byteOffset, RING_HEADER_BYTES);
  const word = (i: number) => view.getUint32(i * 4, true);
  if (word(H_MAGIC) !== MAGIC) throw new HindsightError('HS_E_RING_INVALID', 'not a flight recorder ring (bad magic); the recording is damaged or the process never started recording');
  const version = word(H_VERSION);
  if (version !== VERSION && version !== VERSION_1) throw new HindsightError('HS_E_RING_VERSION', `ring format ${version} is not known to this version of hindsight (it reads ${VERSION_1} and ${VERSION}); upgrade hindsight`);
  const capacity = word(H_CAPACITY);
  const written = word(H_COUNT);
  const wrapped = word(H_WRAPPED) === 1;
  if (version === VERSION_1) {
    const events = wrapped ? capacity - 1 : written;
    return { pid: word(H_PID), startMs: view.getFloat64(H_START * 4, true), capacity, written, wrapped, events, usedBytes: (HEADER_WORDS + (wrapped ? capacity : written) * EVENT_WORDS_1) * 4 };
  }
  return {
    pid: word(H_PID),
    startMs: view.getFloat64(H_START * 4, true),
    capacity,
    written,
    wrapped,
    events: wrapped ? wrappedEvents(capacity, written, word(H_TIMES)) : (written - word(H_TIMES)) >>> 0,
    usedBytes: (HEADER_WORDS + (wrapped ? capacity : written) * SLOT_WORDS) * 4,
  };
}
