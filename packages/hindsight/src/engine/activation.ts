import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * An activation hands one history event to one run's workflow code and lets
 * the code run until it is blocked again (every microtask it caused has run).
 * Live execution and replay both deliver events this way, one activation per
 * event, so the code interleaves identically in both: that is what makes
 * replay faithful for `Promise.all`, `Promise.race` and the like.
 *
 * End-of-activation is detected exactly and cheaply: a `process.nextTick`
 * queued from inside a microtask runs only after the microtask queue is empty.
 */
export interface ActivationTarget {
  /** Called when the activation's microtasks have all run. */
  activationDone(): void;
}

const queue: { target: ActivationTarget; body: () => void }[] = [];
let running = false;
let active: ActivationTarget | null = null;

export function activate(target: ActivationTarget, body: () => void): void {
  queue.push({ target, body });
  if (!running) {
    running = true;
    queueMicrotask(next);
  }
}

function next(): void {
  const item = queue.shift();
  if (!item) {
    running = false;
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

/** The target whose activation is running right now, if any. */
export const activeTarget = (): ActivationTarget | null => active;

/**
 * Which run's workflow code is executing. Follows the code across awaits,
 * so step code or library code running meanwhile is never mistaken for it.
 */
export const workflowScope = new AsyncLocalStorage<ActivationTarget>();
