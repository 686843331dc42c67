import type { DebugProtocol } from '@vscode/debugprotocol';
import { returnedValue, ValueError, type Evaluation, type ScopesAt, type Value, type ValueSource } from '../trace/index.js';

/**
 * DAP variablesReferences over a ValueSource. The source's refs are good only while it stays paused
 * at one point, and DAP clients expand variables whenever they like (a caller frame's scopes move the
 * source, a later click expands a value of the top frame). So each reference keeps the path that
 * leads to its value (scope or expression, then child names) and the epoch its ref belongs to; a
 * reference from an older epoch walks its path again at its own point. All references die at each stop.
 */

/** Where a value hangs: a scope's variable, `this`, or an evaluated expression; then child names. */
type Root = { scope: string } | { this: true } | { expression: string };

interface Entry {
  readonly point: number;
  readonly root: Root;
  readonly path: readonly string[];
  /** The source's ref for it, valid in `epoch`; a scope listing has its variables instead. */
  ref: number;
  epoch: number;
  readonly variables?: readonly Value[];
  /** For the Locals listing: the frame's `this`, shown first. */
  readonly this?: Value;
}

/** Expressions that only read, as ReplayValues judges them: evaluating others may replace the paused state. */
const READ_ONLY = /^(?:this|[A-Za-z_$][\w$]*)(?:\??\.[A-Za-z_$][\w$]*|\[\d+\]|\['[^'\\]*'\]|\["[^"\\]*"\])*$/;

export class VariableRefs {
  readonly #entries = new Map<number, Entry>();
  #next: number;
  #epoch = 0;
  /** The point the source was last asked about; -1 when unknown. */
  #point = -1;

  /** `firstId`: where this run's references start (the runs of one adapter must not share numbers). */
  constructor(
    private readonly source: () => ValueSource,
    firstId = 1,
  ) {
    this.#next = firstId;
  }

  /** Whether the reference was handed out by this run (and is still good). */
  owns(reference: number): boolean {
    return this.#entries.has(reference);
  }

  /** At each stop: every reference handed out so far is invalid. */
  reset(): void {
    this.#entries.clear();
  }

  /** The source has moved in a way this class did not see (breakpoint conditions, REPL commands). */
  moved(): void {
    this.#epoch++;
    this.#point = -1;
  }

  async scopes(point: number): Promise<ScopesAt> {
    this.#at(point);
    return this.source().scopes(point);
  }

  async evaluate(point: number, expression: string): Promise<Evaluation> {
    this.#at(point);
    const r = await this.source().evaluate(point, expression);
    if (!READ_ONLY.test(expression.trim())) this.moved();
    return r;
  }

  /**
   * What the function returned at its Exit event `exit` (the cursor just after a return), as a
   * variable of one line, `Return value`, as VS Code's JavaScript debugger shows it after a step
   * out; undefined where the source does not see it (a recording, a return through a `finally`).
   */
  async returned(exit: number): Promise<Value | undefined> {
    this.moved(); // the source pauses at the exit, not at a point this class knows
    const r = await returnedValue(this.source(), exit);
    return r?.value !== undefined ? { ...r.value, name: 'Return value', ref: 0 } : undefined;
  }

  /** A reference for a scope's variables (already fetched). */
  scopeRef(point: number, name: string, variables: readonly Value[], self?: Value): number {
    return this.#add({ point, root: { scope: name }, path: [], ref: 0, epoch: this.#epoch, variables, ...(self ? { this: self } : {}) });
  }

  /** A reference for an expandable value (0 for one that is not). */
  valueRef(point: number, root: Root, path: readonly string[], value: Value): number {
    if (value.ref === 0) return 0;
    return this.#add({ point, root, path, ref: value.ref, epoch: this.#epoch });
  }

  /** The DAP variables under a reference. */
  async variables(reference: number): Promise<DebugProtocol.Variable[]> {
    const e = this.#entries.get(reference);
    if (!e) throw new ValueError('HS_E_DAP_STALE_REFERENCE', `variables reference ${reference} is from an earlier stop; ask for the scopes again`);
    const children = e.variables ?? (await this.#children(e));
    const listed = children.map((v) => this.toVariable(e.point, e.root, [...e.path, v.name], v));
    return e.this ? [this.toVariable(e.point, { this: true }, [], { ...e.this, name: 'this' }), ...listed] : listed;
  }

  /**
   * The expression that reads variable `name` under a reference, and the point it was shown at: what
   * a data breakpoint watches. Undefined for children with no expression (a Map's entries, internals).
   */
  expressionOf(reference: number, name: string): { point: number; expression: string } | undefined {
    const e = this.#entries.get(reference);
    if (!e) return undefined;
    const path = [...e.path, name];
    const base = 'scope' in e.root ? path.shift()! : 'this' in e.root ? 'this' : `(${e.root.expression})`;
    let expression = base;
    for (const step of path) {
      if (/^[A-Za-z_$][\w$]*$/.test(step)) expression += `.${step}`;
      else if (/^\d+$/.test(step)) expression += `[${step}]`;
      else return undefined;
    }
    return { point: e.point, expression };
  }

  toVariable(point: number, root: Root, path: readonly string[], v: Value): DebugProtocol.Variable {
    return { name: v.name, value: v.value, type: v.type, variablesReference: this.valueRef(point, root, path, v) };
  }

  async #children(e: Entry): Promise<Value[]> {
    if (e.epoch === this.#epoch && this.#point === e.point) {
      try {
        return await this.source().children(e.ref);
      } catch (err) {
        if (!(err instanceof ValueError && err.code === 'HS_E_VALUES_STALE')) throw err;
      }
    }
    e.ref = await this.#walk(e);
    e.epoch = this.#epoch;
    return this.source().children(e.ref);
  }

  /** Finds the value again from its root, at its point: its ref in the current epoch. */
  async #walk(e: Entry): Promise<number> {
    let value: Value | undefined;
    const root = e.root;
    if ('expression' in root) {
      const r = await this.evaluate(e.point, root.expression);
      value = r.value;
    } else {
      const s = await this.scopes(e.point);
      value = 'this' in root ? s.this : s.scopes.find((sc) => sc.name === root.scope)?.variables.find((v) => v.name === e.path[0]);
    }
    const rest = 'scope' in root ? e.path.slice(1) : e.path;
    for (const name of rest) {
      if (!value || value.ref === 0) break;
      value = (await this.source().children(value.ref)).find((c) => c.name === name);
    }
    if (!value || value.ref === 0) throw new ValueError('HS_E_VALUES_STALE', `the value ${[...e.path].join('.')} is no longer there; ask for the scopes again`);
    return value.ref;
  }

  #at(point: number): void {
    if (point !== this.#point) this.#epoch++;
    this.#point = point;
  }

  #add(e: Entry): number {
    const id = this.#next++;
    this.#entries.set(id, e);
    return id;
  }
}
