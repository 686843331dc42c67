import { realSetImmediate } from './timers.js';

/**
 * An activation hands one history event to one run's workflow code and lets
 * the code run until it is blocked again (every microtask it caused has run).
 * Live execution and replay both deliver events this way, one activation per
 * event, so the code interleaves identically in both: that is what makes
 * replay faithful for `Promise.all`, `Promise.race` and the like.
 *
 * End-of-activation is detected exactly and cheaply: a `process.nextTick`
 * queued from inside a microtask runs only after the microtask queue is empty.
 *
 * Activations run in chains, each chain in a macrotask of its own that starts
 * with an empty microtask queue, and no code but workflow code runs inside a
 * chain (hosts defer their work with `afterChain`). So while an activation is
 * open, whatever executes is that run's workflow code: `activeTarget()` alone
 * tells the determinism guards whose clock and random numbers to use.
 */
export interface ActivationTarget {
  /** Called when the activation's microtasks have all run. Must not run user code. */
  activationDone(): void;
}

interface Activation {
  target: ActivationTarget;
  body: () => void;
}

// A FIFO with a moving head: replaying a long history queues one activation
// per event, and Array#shift on a large array would make that quadratic.
let queue: Activation[] = [];
let head = 0;
let deferred: (() => void)[] = [];
let running = false;
let active: ActivationTarget | null = null;

export function activate(target: ActivationTarget, body: () => void): void {
  queue.push({ target, body });
  if (!running) {
    running = true;
    realSetImmediate(startChain);
  }
}

/** Runs `fn` once the current chain of activations is over (or soon, if none runs). */
export function afterChain(fn: () => void): void {
  if (running) deferred.push(fn);
  else fn();
}

/** The target whose activation is running right now, if any. */
export const activeTarget = (): ActivationTarget | null => active;

/** Runs `fn` as if `target` were active (query handlers); only outside chains. */
export function asActive<T>(target: ActivationTarget, fn: () => T): T {
  const previous = active;
  active = target;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

function startChain(): void {
  queueMicrotask(next);
}

function take(): Activation | undefined {
  if (head === queue.length) {
    if (head > 0) (queue = []), (head = 0);
    return undefined;
  }
  const item = queue[head]!;
  queue[head++] = undefined!;
  if (head > 4096 && head * 2 > queue.length) (queue = queue.slice(head)), (head = 0);
  return item;
}

function next(): void {
  const item = take();
  if (!item) {
    running = false;
    const work = deferred;
    deferred = [];
    for (const fn of work) fn();
    return;
  }
  active = item.target;
  try {
    item.body();
  } finally {
    process.nextTick(finish);
  }
}

function finish(): void {
  const done = active!;
  active = null;
  try {
    done.activationDone();
  } finally {
    queueMicrotask(next);
  }
}
