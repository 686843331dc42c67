/** The k greatest items under `compare` (> 0: first is greater), kept in a small min-heap. */
export class TopK {
  readonly #heap: number[] = [];

  constructor(
    readonly k: number,
    readonly compare: (a: number, b: number) => number,
  ) {}

  offer(x: number): void {
    const h = this.#heap;
    if (h.length < this.k) {
      h.push(x);
      this.#up(h.length - 1);
    } else if (this.compare(x, h[0]!) > 0) {
      h[0] = x;
      this.#down(0);
    }
  }

  /** Greatest first. */
  sorted(): number[] {
    return [...this.#heap].sort((a, b) => this.compare(b, a));
  }

  #up(i: number): void {
    const h = this.#heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.compare(h[p]!, h[i]!) <= 0) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  #down(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.compare(h[l]!, h[m]!) < 0) m = l;
      if (r < h.length && this.compare(h[r]!, h[m]!) < 0) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}

