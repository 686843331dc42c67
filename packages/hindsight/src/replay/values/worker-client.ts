import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { RecordedEvent } from '../../history/index.js';
import { ValueError } from '../../trace/index.js';
import type { Reply, Request, WorkerInput } from './protocol.js';

type Question = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * The main thread's side of one values worker: requests out, replies back, one promise each.
 * The worker does not keep the process alive; a request waiting for its reply does.
 */
export class ValueWorker {
  readonly ready: Promise<void>;
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #signal: Int32Array;
  readonly #waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #dead: Error | undefined;

  constructor(modulePath: string, history: RecordedEvent[]) {
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    this.#port = port1;
    this.#signal = new Int32Array(signal);
    const input: WorkerInput = { modulePath, history, signal, port: port2 };
    this.#worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: input, transferList: [port2] });
    this.#worker.unref();
    let loaded!: () => void;
    let failed!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      loaded = res;
      failed = rej;
    });
    this.ready.catch(() => undefined); // seen by whoever asks next
    port1.on('message', (m: Reply | { op: 'ready' } | { op: 'fatal'; code: string; message: string }) => {
      if (m.op === 'ready') return loaded();
      if (m.op === 'fatal') return this.#fail(new ValueError(m.code, m.message), failed);
      const w = this.#waiting.get(m.id);
      if (!w) return;
      this.#waiting.delete(m.id);
      this.#refWhileWaiting();
      if (m.op === 'error') w.reject(new ValueError(m.code, m.message));
      else w.resolve(m);
    });
    port1.unref();
    this.#worker.on('error', (err) => this.#fail(new ValueError('HS_E_VALUES_WORKER', `the values worker failed: ${err.message}`), failed));
    this.#worker.on('exit', () => this.#fail(new ValueError('HS_E_VALUES_WORKER', 'the values worker stopped'), failed));
  }

  get alive(): boolean {
    return this.#dead === undefined;
  }

  async ask<R extends Reply['op']>(question: Question & { op: R }): Promise<Extract<Reply, { op: R }>> {
    const id = this.#nextId++;
    const reply = new Promise<Reply>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
    this.#refWhileWaiting(); // from now on, also while the worker is still loading the code
    try {
      await this.ready;
    } catch (err) {
      this.#waiting.delete(id);
      this.#refWhileWaiting();
      throw err;
    }
    if (this.#dead) throw this.#dead;
    this.#port.postMessage({ ...question, id });
    Atomics.add(this.#signal, 0, 1);
    Atomics.notify(this.#signal, 0);
    return (await reply) as Extract<Reply, { op: R }>;
  }

  terminate(): Promise<void> {
    this.#dead ??= new ValueError('HS_E_VALUES_WORKER', 'the values worker was stopped');
    this.#port.close();
    return this.#worker.terminate().then(() => undefined);
  }

  #refWhileWaiting(): void {
    if (this.#waiting.size > 0) this.#port.ref();
    else this.#port.unref();
  }

  #fail(err: Error, failReady: (e: Error) => void): void {
    if (!this.#dead) this.#dead = err;
    failReady(err);
    for (const w of this.#waiting.values()) w.reject(err);
    this.#waiting.clear();
    this.#refWhileWaiting();
  }
}
