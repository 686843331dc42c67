import type { RecordedEvent } from '../../history/index.js';
import { EventKind, ValueError, type Evaluation, type Execution, type Sample, type ScopesAt, type Value, type ValueSource } from '../../trace/index.js';
import type { SiteKey } from './protocol.js';
import { ValueWorker } from './worker-client.js';

/** Expressions that only read (a name and property or index accesses): they leave the paused state as it was. */
const READ_ONLY = /^(?:this|[A-Za-z_$][\w$]*)(?:\??\.[A-Za-z_$][\w$]*|\[\d+\]|\['[^'\\]*'\]|\["[^"\\]*"\])*$/;

/**
 * Values of a workflow run by deterministic re-execution: a worker thread replays the history with
 * the values variant of the code and pauses at the point asked for. Moving forward continues the
 * same worker; moving back (or after an expression that may have changed the state) starts a fresh
 * one, which a spare started in advance makes ready without waiting for the modules to load.
 *
 * A point is an event index of the Execution; its state is that of the value point that contains
 * it: the last statement (or function entry) of its frame at or before it, as gdb shows the state
 * at the start of the current line. Questions are answered one at a time.
 */
export class ReplayValues implements ValueSource {
  readonly #execution: Execution;
  readonly #history: RecordedEvent[];
  readonly #modulePath: string;
  #current: ValueWorker | undefined;
  /** The value point the current worker is paused at; -1 before its first. */
  #at = -1;
  /** An expression may have changed the paused state: the current worker must not go on. */
  #dirty = false;
  #spare: ValueWorker | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(execution: Execution, history: RecordedEvent[], modulePath: string) {
    this.#execution = execution;
    this.#history = history;
    this.#modulePath = modulePath;
  }

  /** Starts a worker in the background, so the first question does not wait for the code to load. */
  warm(): this {
    this.#spare ??= new ValueWorker(this.#modulePath, this.#history);
    return this;
  }

  scopes(index: number): Promise<ScopesAt> {
    return this.#serial(async () => {
      const at = await this.#pauseAt(this.pointOf(index));
      const { scopes } = await this.#current!.ask({ op: 'scopes' });
      return { index: at, ...scopes };
    });
  }

  evaluate(index: number, expression: string): Promise<Evaluation> {
    return this.#serial(async () => {
      const at = await this.#pauseAt(this.pointOf(index));
      const r = await this.#current!.ask({ op: 'evaluate', expression });
      if (!READ_ONLY.test(expression.trim())) this.#dirty = true;
      return evaluation(at, r);
    });
  }

  returned(exit: number): Promise<Evaluation> {
    return this.#serial(async () => {
      const ex = this.#execution;
      if (ex.kinds[exit] !== EventKind.Exit || ex.sites.get(ex.frameSite(ex.frames[exit]!))?.generator === true) {
        throw new ValueError('HS_E_VALUES_NO_POINT', `event ${exit} is not the return of a function (a generator's values are what it yields)`);
      }
      // the Exit is a value point of the values variant's own: it answers the returned value, whatever it is asked
      const at = await this.#pauseAt(exit);
      return evaluation(at, await this.#current!.ask({ op: 'evaluate', expression: 'undefined' }));
    });
  }

  children(ref: number): Promise<Value[]> {
    return this.#serial(async () => {
      if (!this.#current) throw new ValueError('HS_E_VALUES_STALE', `value ${ref} was shown at another point in time; show it again here`);
      return (await this.#current.ask({ op: 'children', ref })).children;
    });
  }

  sample(indices: readonly number[], expression: string): Promise<Sample[]> {
    return this.#serial(async () => {
      if (indices.length === 0) return [];
      const points = indices.map((i) => this.pointOf(i));
      const unique = [...new Set(points)].sort((a, b) => a - b);
      const last = unique[unique.length - 1]!;
      // a fresh worker whenever it would have to go back; sampling reads only if the expression does
      await this.#pauseAt(last, { indices: unique, expression }, true);
      if (!READ_ONLY.test(expression.trim())) this.#dirty = true;
      const byPoint = new Map(this.#lastSamples.map((s) => [s.index, s]));
      return points.map((p, k) => ({ ...byPoint.get(p)!, index: indices[k]! }));
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    const all = [this.#current, this.#spare].filter((w): w is ValueWorker => w !== undefined);
    this.#current = this.#spare = undefined;
    return Promise.all(all.map((w) => w.terminate())).then(() => undefined);
  }

  /** The value point whose state answers for event `index`. */
  pointOf(index: number): number {
    const ex = this.#execution;
    if (!(index >= 0 && index < ex.length)) throw new ValueError('HS_E_VALUES_NO_POINT', `event ${index} is not in the trace (0 to ${ex.length - 1})`);
    const f = ex.frames[index]!;
    for (let j = index; j !== -1; j = ex.previousInFrame(f, j)) {
      const k = ex.kinds[j];
      if (k === EventKind.Statement || k === EventKind.Enter) return j;
    }
    throw new ValueError('HS_E_VALUES_NO_POINT', `the trace starts inside this frame; it has no values before its first statement`);
  }

  #lastSamples: Sample[] = [];

  /** Gets a worker paused at value point `target`, moving the current one forward when it can. */
  async #pauseAt(target: number, samples?: { indices: readonly number[]; expression: string }, mustStartBefore = false): Promise<number> {
    if (this.#closed) throw new ValueError('HS_E_VALUES_CLOSED', 'the debugging session is closed');
    const first = samples?.indices[0] ?? target;
    if (this.#current && this.#at === target && !samples && !this.#dirty) return target;
    const reusable = this.#current?.alive && !this.#dirty && (mustStartBefore ? this.#at < first : this.#at < target);
    if (!reusable) await this.#fresh();
    const reply = await this.#current!.ask({ op: 'goto', target, site: this.#siteKey(target), ...(samples ? { samples } : {}) }).catch(async (err: unknown) => {
      await this.#drop();
      throw err;
    });
    this.#at = reply.at;
    this.#lastSamples = reply.samples;
    return reply.at;
  }

  async #fresh(): Promise<void> {
    await this.#drop();
    this.#current = this.#spare?.alive ? this.#spare : new ValueWorker(this.#modulePath, this.#history);
    this.#spare = new ValueWorker(this.#modulePath, this.#history);
    this.#at = -1;
    this.#dirty = false;
  }

  async #drop(): Promise<void> {
    const old = this.#current;
    this.#current = undefined;
    this.#at = -1;
    if (old) await old.terminate();
  }

  #siteKey(index: number): SiteKey {
    const s = this.#execution.siteOf(index);
    return s ? `${s.kind}@${s.file}:${s.line}:${s.column}` : '?';
  }

  #serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(f);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** The worker's answer to an evaluation at value point `at`. */
function evaluation(at: number, r: { value?: Value; text?: string; json?: string; error?: string }): Evaluation {
  return r.error !== undefined ? { index: at, error: r.error } : { index: at, value: r.value!, text: r.text!, ...(r.json !== undefined ? { json: r.json } : {}) };
}
