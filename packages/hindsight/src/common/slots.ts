/**
 * Dense, reused slot numbers for unsigned 32-bit keys: per-key state can then live in typed arrays
 * indexed by slot, with no object per key (the decoder follows hundreds of thousands of
 * activations, each added and removed once). A key removed frees its slot for the next key added.
 * The key-to-slot table is open-addressed in typed arrays: a Map's deletes, a million of them,
 * were a quarter of a decode's time.
 */
export class Slots {
  #bits = 8;
  #keys = new Uint32Array(1 << 8);
  /** Per table entry: its key's slot + 1, 0 for an empty entry. */
  #values = new Int32Array(1 << 8);
  #size = 0;
  readonly #free: number[] = [];
  #used = 0;

  /** The key's slot, -1 when it has none. */
  find(key: number): number {
    const at = this.#at(key);
    return at < 0 ? -1 : this.#values[at]! - 1;
  }

  /** A slot for a key that has none: a freed one, else the next (`used - 1` afterwards). */
  add(key: number): number {
    if (++this.#size > this.#keys.length >> 1) this.#grow();
    const slot = this.#free.pop() ?? this.#used++;
    this.#put(key, slot + 1);
    return slot;
  }

  /** The key has no slot any more; its slot is handed out again. */
  remove(key: number): void {
    let at = this.#at(key);
    if (at < 0) return;
    this.#free.push(this.#values[at]! - 1);
    this.#size--;
    // backward-shift deletion: later entries of the probe run move up, so a lookup's run has no holes
    const mask = this.#keys.length - 1;
    this.#values[at] = 0;
    for (let next = (at + 1) & mask; this.#values[next] !== 0; next = (next + 1) & mask) {
      const home = this.#home(this.#keys[next]!);
      // the entry may move to `at` unless its home lies cyclically in (at, next]
      if (at <= next ? home <= at || home > next : home <= at && home > next) {
        this.#keys[at] = this.#keys[next]!;
        this.#values[at] = this.#values[next]!;
        this.#values[next] = 0;
        at = next;
      }
    }
  }

  /** Slots handed out so far: arrays of per-slot state need this length. */
  get used(): number {
    return this.#used;
  }

  /** Fibonacci hashing: keys a power of two apart do not share a probe run. */
  #home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> (32 - this.#bits);
  }

  #at(key: number): number {
    const mask = this.#keys.length - 1;
    for (let at = this.#home(key); this.#values[at] !== 0; at = (at + 1) & mask) if (this.#keys[at] === key) return at;
    return -1;
  }

  #put(key: number, value: number): void {
    const mask = this.#keys.length - 1;
    let at = this.#home(key);
    while (this.#values[at] !== 0) at = (at + 1) & mask;
    this.#keys[at] = key;
    this.#values[at] = value;
  }

  #grow(): void {
    const keys = this.#keys;
    const values = this.#values;
    this.#bits++;
    this.#keys = new Uint32Array(1 << this.#bits);
    this.#values = new Int32Array(1 << this.#bits);
    for (let i = 0; i < keys.length; i++) if (values[i] !== 0) this.#put(keys[i]!, values[i]!);
  }
}
