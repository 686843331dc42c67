import { HindsightError } from '../common/index.js';

/**
 * Values at a point of an Execution, as the debugger shows them. Where they come from is a
 * ValueSource: deterministic re-execution for workflow runs, values captured in a recording for the
 * flight recorder, or nothing (ValuesNotCaptured says so plainly).
 */

/** One value: a one-line preview, and a handle to expand it lazily. */
export interface Value {
  readonly name: string;
  /** One line, as Node's REPL prints it (`{ id: 'o-1', items: [Array] }`, `'text'`, `42`). */
  readonly value: string;
  /** `typeof` for primitives and functions; the class for objects (`Array`, `Map`, `Order`, `Error`). */
  readonly type: string;
  /** Handle for `children`; 0 when there is nothing to expand. Good until the source moves to another point. */
  readonly ref: number;
}

export interface Scope {
  readonly name: 'Arguments' | 'Locals' | 'Closure' | 'Module';
  readonly variables: readonly Value[];
}

/** The variables of the frame at a point. */
export interface ScopesAt {
  /** The event whose state this is: the statement (or function entry) that contains the point asked for. */
  readonly index: number;
  readonly scopes: readonly Scope[];
  /** `this` of the frame, when it is not undefined. */
  readonly this?: Value;
}

/** An expression evaluated at a point: its value, or what it threw. */
export type Evaluation =
  | {
      readonly index: number;
      readonly value: Value;
      readonly text: string;
      /** The value as JSON, when it is JSON data (to compare it with recorded data). */
      readonly json?: string;
      readonly error?: undefined;
    }
  | { readonly index: number; readonly error: string; readonly value?: undefined; readonly text?: undefined };

/** An expression's value at one event: its multi-line text, or what it threw. */
export type Sample = { readonly index: number; readonly text: string; readonly threw: boolean };

export interface ValueSource {
  /** Set when values cannot be watched changing (the source holds none over time): why, in a sentence. */
  readonly unwatchable?: string;
  /** The variables in scope at event `index`, as they were then. */
  scopes(index: number): Promise<ScopesAt>;
  /** `expression` evaluated in the scope of event `index`'s frame, at that point in time. */
  evaluate(index: number, expression: string): Promise<Evaluation>;
  /** What the function returned at its Exit event `exit`, where the source sees it (a sync or async function's `return`). */
  returned?(exit: number): Promise<Evaluation>;
  /** The properties, elements or entries of an expandable value. */
  children(ref: number): Promise<Value[]>;
  /** `expression` at each of `indices` (ascending), in one pass: for watchpoints and breakpoint conditions. */
  sample(indices: readonly number[], expression: string): Promise<Sample[]>;
  /** Frees what the source holds (worker threads); it answers nothing after. */
  close(): Promise<void>;
}

/** A value question the source cannot answer; the code says why. */
export class ValueError extends HindsightError {}

/**
 * What the function returned at its Exit event `exit`, where `source` sees it (ValueSource.returned);
 * undefined where it does not: a source without return values (a recording), or one that says why
 * not (a return through a `finally`, a generator's exit).
 */
export async function returnedValue(source: ValueSource, exit: number): Promise<Evaluation | undefined> {
  if (!source.returned) return undefined;
  const r = await source.returned(exit).catch((err: unknown) => {
    if (err instanceof ValueError) return undefined;
    throw err;
  });
  return r?.error === undefined ? r : undefined;
}

/** The source of a trace that holds no values: every question is answered "not captured". */
export class ValuesNotCaptured implements ValueSource {
  constructor(readonly reason = 'values are not captured in this trace (control flow only)') {}
  get unwatchable(): string {
    return this.reason;
  }
  #no(): Promise<never> {
    return Promise.reject(new ValueError('HS_E_VALUES_NOT_CAPTURED', this.reason));
  }
  scopes(): Promise<ScopesAt> {
    return this.#no();
  }
  evaluate(): Promise<Evaluation> {
    return this.#no();
  }
  children(): Promise<Value[]> {
    return this.#no();
  }
  sample(): Promise<Sample[]> {
    return this.#no();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
