/**
 * Where the engine gets time from. Production uses the system clock; tests use
 * a `ManualClock` so that a 30-day timer fires without anyone waiting 30 days.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` once `now() >= at`. Returns a function that cancels it. */
  at(at: number, fn: () => void): () => void;
}

// Captured at load, before workflow determinism guards wrap the globals.
const realNow = Date.now.bind(Date);
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

export const systemClock: Clock = {
  now: realNow,
  at(at, fn) {
    // setTimeout caps at 2^31-1 ms; re-arm until the moment really comes.
    let handle: NodeJS.Timeout;
    const arm = () => {
      const wait = at - realNow();
      if (wait <= 0) return void fn();
      handle = realSetTimeout(arm, Math.min(wait, 2_147_483_000));
      handle.unref?.();
    };
    arm();
    return () => realClearTimeout(handle);
  },
};

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  private current: number;
  private timers: { at: number; fn: () => void }[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  at(at: number, fn: () => void): () => void {
    const timer = { at, fn };
    this.timers.push(timer);
    if (at <= this.current) queueMicrotask(() => this.fire());
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward and fires every timer that is due, in time order. */
  advance(by: number): void {
    this.current += by;
    this.fire();
  }

  private fire(): void {
    const due = this.timers.filter((t) => t.at <= this.current).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > this.current);
    for (const t of due) t.fn();
  }
}
