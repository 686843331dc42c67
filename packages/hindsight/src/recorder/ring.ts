import { HindsightError } from '../common/index.js';
import type { EventKind } from '../trace/index.js';

/**
 * The flight recorder's ring: a fixed-size buffer of fixed-size events that overwrites its oldest
 * events. It lives in a file mapped into the recorded process, so every event is in the kernel's
 * page cache the moment it is written and outlives the process however it dies.
 *
 * Layout (little-endian u32 words):
 *   header (16 words): magic, version, capacity in events (a power of two), events written (mod
 *   2^32), wrapped flag, pid, start time (ms since the epoch, as a float64 in words 6-7), rest 0
 *   events (4 words each): kind << 28 | site, activation, time in µs since start (low, high)
 * An event is written before the count that publishes it: a process that dies mid-event leaves
 * a count that does not include it. Once the ring has wrapped, the slot at the count may hold
 * half of a new event over an old one, so a reader starts one slot later.
 */

const MAGIC = 0x31525348; // 'HSR1'
const VERSION = 1;
const HEADER_WORDS = 16;
const EVENT_WORDS = 4;
const H_MAGIC = 0;
const H_VERSION = 1;
const H_CAPACITY = 2;
const H_COUNT = 3;
const H_WRAPPED = 4;
const H_PID = 5;
const H_START = 6;
const SITE_BITS = 28;
const SITE_MASK = (1 << SITE_BITS) - 1;
const STATEMENT: EventKind = 3;
const BRANCH: EventKind = 6;

/** Bytes of a ring holding at least `bytes` (rounded down to a power-of-two number of events, at least 1024). */
export function ringBytes(bytes: number): number {
  const events = Math.max(1024, 2 ** Math.floor(Math.log2(Math.max(1, bytes / (EVENT_WORDS * 4)))));
  return (HEADER_WORDS + events * EVENT_WORDS) * 4;
}

export class RingWriter {
  readonly #words: Uint32Array;
  readonly #mask: number;
  readonly #origin: number;
  #count = 0;
  /** The last time read, µs since the start. */
  #us = 0;

  /** Starts a ring over `buffer` (from ringBytes): the header is written, the events are empty. */
  constructor(buffer: ArrayBuffer, pid: number, startMs = Date.now(), origin = performance.now()) {
    const words = new Uint32Array(buffer);
    const capacity = (words.length - HEADER_WORDS) / EVENT_WORDS;
    if (!Number.isInteger(capacity) || capacity < 1 || (capacity & (capacity - 1)) !== 0) {
      throw new HindsightError('HS_E_RING_SIZE', `a ring of ${buffer.byteLength} bytes does not hold a power-of-two number of events; size it with ringBytes()`);
    }
    this.#words = words;
    this.#mask = capacity - 1;
    this.#origin = origin;
    words[H_COUNT] = 0;
    words[H_WRAPPED] = 0;
    words[H_CAPACITY] = capacity;
    words[H_VERSION] = VERSION;
    words[H_PID] = pid;
    new Float64Array(buffer, H_START * 4, 1)[0] = startMs;
    words[H_MAGIC] = MAGIC; // last: a reader that sees the magic sees a whole header
  }

  /** Events written so far (mod 2^32): the index the next event will have in a ring that did not wrap. */
  get written(): number {
    return this.#count;
  }

  /**
   * Appends one event. Hot: a handful of stores. The clock is read only where time can pass
   * unseen: at function entry and exit and around awaits; statements and branches between them
   * take the last time read (a few ns of straight-line code apart), which halves the clock calls.
   */
  write(kind: EventKind, site: number, activation: number): void {
    const w = this.#words;
    const at = HEADER_WORDS + (this.#count & this.#mask) * EVENT_WORDS;
    const us = kind === STATEMENT || kind === BRANCH ? this.#us : (this.#us = Math.round((performance.now() - this.#origin) * 1000));
    w[at] = (kind << SITE_BITS) | (site & SITE_MASK);
    w[at + 1] = activation;
    w[at + 2] = us >>> 0;
    w[at + 3] = Math.floor(us / 0x1_0000_0000);
    this.#count = (this.#count + 1) >>> 0;
    if (this.#count === 0 || this.#count > this.#mask) w[H_WRAPPED] = 1;
    w[H_COUNT] = this.#count;
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
  /** Events written in all, mod 2^32. */
  readonly written: number;
  readonly events: RingEvents;
}

/** Reads a ring (a live one's copy, or one left by a dead process). */
export function readRing(buffer: ArrayBuffer | Uint8Array): RingContents {
  const ring = openRing(buffer);
  const n = ring.length;
  const events = { length: n, kinds: new Uint8Array(n), sites: new Uint32Array(n), activations: new Uint32Array(n), times: new Float64Array(n) };
  ring.read(0, n, events);
  const { pid, startMs, capacity, wrapped, written } = ring;
  return { pid, startMs, capacity, wrapped, written, events };
}

/** Columns that RingReader.read fills, from index 0. */
export interface RingColumns {
  readonly kinds: Uint8Array;
  readonly sites: Uint32Array;
  readonly activations: Uint32Array;
  readonly times: Float64Array;
}

/** A ring checked and ready to read in pieces (a decoder reads a big ring a block at a time, into columns it reuses). */
export interface RingReader extends Omit<RingContents, 'events'> {
  /** Events a reader gets from it. */
  readonly length: number;
  /** Events from..to-1 (oldest first) into the columns' first to-from places; times in ms since the recording started. */
  read(from: number, to: number, into: RingColumns): void;
}

/** Checks a ring's header and length (a live one's copy, or one left by a dead process), reading none of its events. */
export function openRing(buffer: ArrayBuffer | Uint8Array): RingReader {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  if (bytes.byteLength < HEADER_WORDS * 4 || bytes.byteOffset % 4 !== 0) {
    throw new HindsightError('HS_E_RING_INVALID', `${bytes.byteLength} bytes are not a flight recorder ring; the recording is damaged`);
  }
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
  if (words[H_MAGIC] !== MAGIC) throw new HindsightError('HS_E_RING_INVALID', 'not a flight recorder ring (bad magic); the recording is damaged or the process never started recording');
  if (words[H_VERSION] !== VERSION) throw new HindsightError('HS_E_RING_VERSION', `ring format ${words[H_VERSION]} is not known to this version of hindsight (it reads ${VERSION}); upgrade hindsight`);
  const capacity = words[H_CAPACITY]!;
  const count = words[H_COUNT]!;
  const wrapped = words[H_WRAPPED] === 1;
  // an archive of a ring that never wrapped keeps only the events written (see RingHeader.usedBytes)
  if (words.length < HEADER_WORDS + (wrapped ? capacity : count) * EVENT_WORDS) {
    throw new HindsightError('HS_E_RING_INVALID', 'the ring is shorter than its header says; the recording is truncated');
  }
  const mask = capacity - 1;
  const n = wrapped ? capacity - 1 : count;
  const first = wrapped ? (count + 1) & mask : 0;
  const startMs = new Float64Array(bytes.buffer.slice(bytes.byteOffset + H_START * 4, bytes.byteOffset + H_START * 4 + 8))[0]!;
  return {
    pid: words[H_PID]!,
    startMs,
    capacity,
    wrapped,
    written: count,
    length: n,
    read(from, to, into) {
      const { kinds, sites, activations, times } = into;
      from = Math.max(0, from);
      to = Math.min(n, to);
      // the events lie in at most two runs of slots: up to the end of the buffer, then from its start
      let k = 0;
      while (from < to) {
        const slot = (first + from) & mask;
        const run = slot < capacity ? Math.min(to - from, capacity - slot) : to - from;
        for (let at = HEADER_WORDS + slot * EVENT_WORDS, end = at + run * EVENT_WORDS; at < end; at += EVENT_WORDS, k++) {
          const w0 = words[at]!;
          kinds[k] = w0 >>> SITE_BITS;
          sites[k] = w0 & SITE_MASK;
          activations[k] = words[at + 1]!;
          times[k] = (words[at + 3]! * 0x1_0000_0000 + words[at + 2]!) / 1000;
        }
        from += run;
      }
    },
  };
}

/** What a ring's header says, without reading its events. */
export interface RingHeader {
  readonly pid: number;
  readonly startMs: number;
  readonly capacity: number;
  readonly written: number;
  readonly wrapped: boolean;
  /** Events a reader gets from it. */
  readonly events: number;
  /** The bytes worth keeping: all of a wrapped ring; of one that never wrapped, the header and the events written. */
  readonly usedBytes: number;
}

export const RING_HEADER_BYTES = HEADER_WORDS * 4;

export function ringHeader(header: Uint8Array): RingHeader {
  if (header.byteLength < RING_HEADER_BYTES) throw new HindsightError('HS_E_RING_INVALID', `${header.byteLength} bytes are not a flight recorder ring; the recording is damaged`);
  const view = new DataView(header.buffer, header.byteOffset, RING_HEADER_BYTES);
  const word = (i: number) => view.getUint32(i * 4, true);
  if (word(H_MAGIC) !== MAGIC) throw new HindsightError('HS_E_RING_INVALID', 'not a flight recorder ring (bad magic); the recording is damaged or the process never started recording');
  const capacity = word(H_CAPACITY);
  const written = word(H_COUNT);
  const wrapped = word(H_WRAPPED) === 1;
  return {
    pid: word(H_PID),
    startMs: view.getFloat64(H_START * 4, true),
    capacity,
    written,
    wrapped,
    events: wrapped ? capacity - 1 : written,
    usedBytes: (HEADER_WORDS + (wrapped ? capacity : written) * EVENT_WORDS) * 4,
  };
}
