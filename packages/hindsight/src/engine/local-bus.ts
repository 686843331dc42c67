import { EventEmitter } from 'node:events';
import type { Store } from '../store/index.js';

/**
 * In-process shortcut between a client and workers sharing one Store object:
 * a started run or a signal wakes the worker at once, a closed run wakes
 * `result()` at once. Across processes, polling the store does the same job.
 */
export interface LocalBus {
  /** New work may be claimable (a run started, a message sent). */
  work(): void;
  onWork(fn: () => void): () => void;
  closed(runId: string): void;
  onClosed(runId: string, fn: () => void): () => void;
  /** A worker of this process serves the task queue: it will announce closed runs itself. */
  servedHere(taskQueue: string): boolean;
  serve(taskQueue: string): () => void;
}

const buses = new WeakMap<Store, LocalBus>();

export function localBus(store: Store): LocalBus {
  let bus = buses.get(store);
  if (!bus) {
    const em = new EventEmitter();
    em.setMaxListeners(0);
    const served = new Map<string, number>();
    bus = {
      servedHere: (q) => (served.get(q) ?? 0) > 0,
      serve: (q) => {
        served.set(q, (served.get(q) ?? 0) + 1);
        return () => served.set(q, served.get(q)! - 1);
      },
      work: () => em.emit('work'),
      onWork: (fn) => (em.on('work', fn), () => em.off('work', fn)),
      closed: (runId) => em.emit(`closed:${runId}`),
      onClosed: (runId, fn) => (em.on(`closed:${runId}`, fn), () => em.off(`closed:${runId}`, fn)),
    };
    buses.set(store, bus);
  }
  return bus;
}
