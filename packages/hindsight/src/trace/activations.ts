import { Slots } from '../common/index.js';
import { grow } from './columns.js';

/**
 * The builder's per-activation state while it appends, in typed arrays by slot (a recording holds
 * hundreds of thousands of activations, and an object and an array for each were a fifth of a
 * decode's time, counting their garbage). An activation's open frames are a stack linked through
 * the frames themselves (the builder's below column): a slot keeps its top and bottom frames.
 */
export class Activations {
  /** Per slot: the innermost and outermost open frame, -1 when none. */
  top = new Int32Array(INITIAL);
  bottom = new Int32Array(INITIAL);
  /** Per slot: 1 once the activation awaited (it is then run by the event loop). */
  suspended = new Uint8Array(INITIAL);
  /** Per slot: a generator's function site (its Enter's), for the frames of its later runs; -1 when not known. */
  fn = new Int32Array(INITIAL);
  readonly #slots = new Slots();

  /** The slot of the activation, a fresh one (no frames) the first time it is seen. The arrays may be new afterwards. */
  of(activation: number): number {
    const known = this.#slots.find(activation);
    if (known >= 0) return known;
    const slot = this.#slots.add(activation);
    if (slot === this.top.length) {
      this.top = grow(this.top);
      this.bottom = grow(this.bottom);
      this.suspended = grow(this.suspended);
      this.fn = grow(this.fn);
    }
    this.top[slot] = -1;
    this.bottom[slot] = -1;
    this.suspended[slot] = 0;
    this.fn[slot] = -1;
    return slot;
  }

  /** The activation is over (its outermost frame returned): seen again, it is a fresh one. */
  end(activation: number): void {
    this.#slots.remove(activation);
  }
}

const INITIAL = 256;
