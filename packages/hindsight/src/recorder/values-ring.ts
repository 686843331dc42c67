import { inspect } from 'node:util';
import { HindsightError } from '../common/index.js';
import type { Execution, Site } from '../trace/index.js';

/**
 * The values ring: beside the event ring, in a file of its own mapped the same way (it survives
 * the process as the event ring does), the arguments of the calls of the functions named with
 * `--capture-args`, each as the event index of its Enter and a one-line preview per parameter.
 * Fixed-size slots, oldest overwritten: it keeps the newest captured calls.
 *
 * Layout (little-endian): a header of 16 u32 words (magic, version, slot bytes, capacity in slots,
 * slots written mod 2^32), then slots of SLOT_BYTES: the Enter's event index (u32, as the event
 * ring counts its events, mod 2^32), the byte length of the rest (u32), and a JSON array of
 * [type, preview] pairs, one per parameter. A slot is written before the count that publishes
 * it, and a reader leaves out the slot at the count of a ring that wrapped, as the event ring's
 * reader does.
 *
 * A preview is Node's own one-line inspection of the value, made without running any of the
 * program's code (no getters, no custom inspect functions, no proxy traps), shortened to fit.
 */
const MAGIC = 0x31565348; // 'HSV1'
const VERSION = 1;
const HEADER_WORDS = 16;
const H_MAGIC = 0;
const H_VERSION = 1;
const H_SLOT_BYTES = 2;
const H_CAPACITY = 3;
const H_COUNT = 4;
export const SLOT_BYTES = 512;
const SLOT_HEAD = 8;
/** The captured calls the values ring keeps, the newest. */
export const VALUES_RING_CALLS = 8192;
/** One slot more than the calls kept: a reader leaves out the oldest, which a writer may be overwriting. */
export const DEFAULT_VALUES_RING_BYTES = HEADER_WORDS * 4 + (VALUES_RING_CALLS + 1) * SLOT_BYTES;

/** One parameter's value at a call's entry: `typeof` (or the class for an object), and how Node prints it. */
export type CapturedValue = readonly [type: string, preview: string];

const INSPECT = { depth: 1, maxArrayLength: 8, maxStringLength: 80, breakLength: Infinity, customInspect: false, showProxy: true, getters: false } as const;

export class ValuesRingWriter {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #capacity: number;
  readonly #encoder = new TextEncoder();
  #count = 0;

  constructor(buffer: ArrayBuffer) {
    const capacity = Math.floor((buffer.byteLength - HEADER_WORDS * 4) / SLOT_BYTES);
    if (capacity < 1) throw new HindsightError('HS_E_RING_SIZE', `a values ring of ${buffer.byteLength} bytes holds no slot of ${SLOT_BYTES} bytes`);
    this.#bytes = new Uint8Array(buffer);
    this.#view = new DataView(buffer);
    this.#capacity = capacity;
    const word = (i: number, v: number) => this.#view.setUint32(i * 4, v, true);
    word(H_VERSION, VERSION);
    word(H_SLOT_BYTES, SLOT_BYTES);
    word(H_CAPACITY, capacity);
    word(H_COUNT, 0);
    word(H_MAGIC, MAGIC); // last: a reader that sees the magic sees a whole header
  }

  /** The arguments of the call whose Enter is event `event`. */
  write(event: number, values: readonly unknown[]): void {
    const at = HEADER_WORDS * 4 + (this.#count % this.#capacity) * SLOT_BYTES;
    const room = SLOT_BYTES - SLOT_HEAD;
    const { written } = this.#encoder.encodeInto(fitted(values, room), this.#bytes.subarray(at + SLOT_HEAD, at + SLOT_BYTES));
    this.#view.setUint32(at, event >>> 0, true);
    this.#view.setUint32(at + 4, written, true);
    this.#count = (this.#count + 1) >>> 0;
    this.#view.setUint32(H_COUNT * 4, this.#count, true);
  }
}

/** The values as a JSON array of [type, preview] that encodes in at most `room` bytes: the longest previews are shortened first. */
function fitted(values: readonly unknown[], room: number): string {
  const pairs = values.map((v): [string, string] => {
    const preview = inspect(v, INSPECT);
    return [typeOf(v, preview), preview];
  });
  for (;;) {
    const json = JSON.stringify(pairs);
    const excess = Buffer.byteLength(json) - room;
    if (excess <= 0) return json;
    const longest = pairs.reduce((a, b) => (b[1].length > a[1].length ? b : a));
    if (longest[1].length <= 8) pairs.pop(); // too many parameters to preview them all: the last ones are left out
    longest[1] = `${longest[1].slice(0, Math.max(7, longest[1].length - excess - 1))}…`;
  }
}

/** `typeof`, or for an object its class: the name its preview starts with (`Order { id: 1 }`, `Map(1) {…}`), read without running the program's code. */
function typeOf(v: unknown, preview: string): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  if (Array.isArray(v)) return 'Array';
  const name = /^\[?([A-Za-z_$][\w$]*)/.exec(preview)?.[1];
  return name && name !== 'Object' ? name : 'Object';
}

/** A captured argument: its parameter's name, the value's type and its one-line preview. */
export interface NamedValue {
  readonly name: string;
  readonly type: string;
  readonly preview: string;
}

/**
 * The call frame `f` runs (every run of a generator is its call's): its function's site and, for a
 * function whose arguments are captured, its Enter (-1 otherwise) and, while they are still in the
 * values ring, its arguments by parameter name (undefined when newer calls overwrote them).
 */
export function capturedCall(ex: Execution, args: ReadonlyMap<number, readonly CapturedValue[]>, f: number): { enter: number; site: Site | undefined; values: NamedValue[] | undefined } {
  // a generator's later runs look back for their call's Enter: only for the functions whose arguments were captured
  const fn = ex.sites.get(ex.frameSite(f));
  if (!fn?.params) return { enter: -1, site: fn, values: undefined };
  const enter = ex.frameCallEnter(f);
  const site = enter >= 0 ? fn : undefined;
  const values = site ? args.get(enter) : undefined;
  return { enter, site, values: values && fn.params.map((name, i) => ({ name, type: values[i]?.[0] ?? 'undefined', preview: values[i]?.[1] ?? 'not captured' })) };
}

/** The captured calls still in a values ring: each Enter's event index (mod 2^32) and its values. */
export function readValuesRing(bytes: Uint8Array): Map<number, readonly CapturedValue[]> {
  if (bytes.byteLength < HEADER_WORDS * 4) throw new HindsightError('HS_E_RING_INVALID', `${bytes.byteLength} bytes are not a values ring; the recording is damaged`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = (i: number) => view.getUint32(i * 4, true);
  if (word(H_MAGIC) !== MAGIC) throw new HindsightError('HS_E_RING_INVALID', 'not a values ring (bad magic); the recording is damaged');
  if (word(H_VERSION) !== VERSION) throw new HindsightError('HS_E_RING_VERSION', `values ring format ${word(H_VERSION)} is not known to this version of hindsight (it reads ${VERSION}); upgrade hindsight`);
  const slotBytes = word(H_SLOT_BYTES);
  const capacity = word(H_CAPACITY);
  const count = word(H_COUNT);
  const wrapped = count > capacity;
  const first = wrapped ? count - capacity + 1 : 0;
  const decoder = new TextDecoder();
  const out = new Map<number, readonly CapturedValue[]>();
  for (let k = first; k < count; k++) {
    const at = HEADER_WORDS * 4 + (k % capacity) * slotBytes;
    if (at + slotBytes > bytes.byteLength) break; // an archive cut short: what it holds is read
    const length = view.getUint32(at + 4, true);
    if (length > slotBytes - SLOT_HEAD) continue;
    try {
      out.set(view.getUint32(at, true), JSON.parse(decoder.decode(bytes.subarray(at + SLOT_HEAD, at + SLOT_HEAD + length))) as CapturedValue[]);
    } catch {
      // a slot torn by the process dying mid-write: that call's values are lost, not the others'
    }
  }
  return out;
}

/** The bytes of a values ring worth keeping: its header and the slots written (all of them once it wrapped). */
export function valuesRingUsedBytes(header: Uint8Array): number {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const capacity = view.getUint32(H_CAPACITY * 4, true);
  const count = view.getUint32(H_COUNT * 4, true);
  return HEADER_WORDS * 4 + Math.min(count, capacity) * view.getUint32(H_SLOT_BYTES * 4, true);
}

export const VALUES_RING_HEADER_BYTES = HEADER_WORDS * 4;
