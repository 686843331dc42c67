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
 *     a continuation mark: 11 << 28 | activation              the running activation, just started
 *                                                              by the event loop, continues this one
 *                                                              (read as an event, the decoder consumes it)
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
 * TIME_EVERY slots, and by the event loop just before it waits when events were written since
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
 *
 * RingWriter (ring.ts) writes a ring; ring-reader.ts reads one, for the decoder and the archive.
 */

/**
 * The ring's layout. A const enum: tsc writes its values where they are used, and the writer's
 * bytecode (V8 inlines it into the probes, by size) then loads no constants.
 */
export const enum Layout {
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
