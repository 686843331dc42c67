import { HindsightError } from '../common/index.js';
import { Layout } from './ring-layout.js';

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

/**
 * What every reader checks of a ring's header, its words read by `word` (the header may be any
 * bytes): its magic, format, size in slots, count, whether it wrapped, and the words it fills.
 */
function checkedHeader(bytes: number, word: (i: number) => number) {
  if (bytes < RING_HEADER_BYTES) throw new HindsightError('HS_E_RING_INVALID', `${bytes} bytes are not a flight recorder ring; the recording is damaged`);
  if (word(Layout.H_MAGIC) !== Layout.MAGIC) throw new HindsightError('HS_E_RING_INVALID', 'not a flight recorder ring (bad magic); the recording is damaged or the process never started recording');
  const version = word(Layout.H_VERSION);
  const slotWords = slotWordsOf(version);
  const capacity = word(Layout.H_CAPACITY);
  const count = word(Layout.H_COUNT);
  const wrapped = isWrapped(version, word(Layout.H_WRAPPED), count, capacity);
  // an archive of a ring that never wrapped keeps only the slots written (see RingHeader.usedBytes)
  const usedWords = Layout.HEADER_WORDS + (wrapped ? capacity : count) * slotWords;
  return { version, slotWords, capacity, count, wrapped, usedWords };
}

/** The ring's words past a check of its header and its length. */
function ringWords(buffer: ArrayBuffer | Uint8Array): { words: Uint32Array; bytes: Uint8Array; version: number; capacity: number; count: number; wrapped: boolean; slotWords: number } {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  if (bytes.byteOffset % 4 !== 0) throw new HindsightError('HS_E_RING_INVALID', `${bytes.byteLength} bytes are not a flight recorder ring; the recording is damaged`);
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
  const header = checkedHeader(bytes.byteLength, (i) => words[i]!);
  if (words.length < header.usedWords) throw new HindsightError('HS_E_RING_INVALID', 'the ring is shorter than its header says; the recording is truncated');
  return { words, bytes, ...header };
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
export function columns(slots: number): RingColumns {
  return { kinds: new Uint8Array(slots), sites: new Uint32Array(slots), activations: new Uint32Array(slots), times: new Float64Array(slots) };
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
  const view = new DataView(header.buffer, header.byteOffset, Math.min(header.byteLength, RING_HEADER_BYTES));
  const word = (i: number) => view.getUint32(i * 4, true);
  const { version, capacity, count: written, wrapped, usedWords } = checkedHeader(header.byteLength, word);
  const at = { pid: word(Layout.H_PID), startMs: view.getFloat64(Layout.H_START * 4, true), capacity, written, wrapped, usedBytes: usedWords * 4 };
  if (version === Layout.VERSION_1) return { ...at, events: wrapped ? capacity - 1 : written };
  return { ...at, events: wrapped ? wrappedEvents(capacity, written, word(Layout.H_RECORDS)) : (written - word(Layout.H_RECORDS)) >>> 0 };
}
