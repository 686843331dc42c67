import { EventKind, ValueError, type Evaluation, type Execution, type Sample, type ScopesAt, type Value, type ValueSource } from '../trace/index.js';

/** Where the error that killed the process was thrown, and the frames it left on its way out. */
export interface CrashPoint {
  /** The statement that threw it (or the innermost Throw, when the statement is not in the trace). */
  readonly index: number;
  readonly frames: ReadonlySet<number>;
}

/**
 * A trace that ends with an exception leaving frame after frame ends with their Throw events,
 * innermost first (an async function's rejection resumes the frame awaiting it, a Resume, before
 * that one's Throw); the statement before the innermost Throw, in its frame, threw it (a debugger
 * stops there on an uncaught exception, with the whole stack of the throw). Between them may be
 * the calls the statement made and the awaits of the exception's way out (a `for await` loop left
 * by it awaits its iterator's return()). Undefined when the trace does not end with a Throw.
 */
export function crashPoint(execution: Execution): CrashPoint | undefined {
  let i = execution.length - 1;
  if (i < 0 || execution.kind(i) !== EventKind.Throw) return undefined;
  const frames = new Set<number>([execution.frame(i)]);
  let innermost = i;
  for (; i > 0 && (execution.kind(i - 1) === EventKind.Throw || execution.kind(i - 1) === EventKind.Resume); i--) {
    frames.add(execution.frame(i - 1));
    if (execution.kind(i - 1) === EventKind.Throw) innermost = i - 1;
  }
  return { index: throwingStatement(execution, innermost), frames };
}

/** The statement before Throw event `innermost`, in its frame: it threw; the Throw itself when the trace does not hold it. */
function throwingStatement(execution: Execution, innermost: number): number {
  const frame = execution.frame(innermost);
  let before = execution.previousInFrame(frame, innermost);
  while (before >= 0 && (execution.kind(before) === EventKind.Suspend || execution.kind(before) === EventKind.Resume)) before = execution.previousInFrame(frame, before);
  return before >= 0 && execution.kind(before) === EventKind.Statement ? before : innermost;
}

/**
 * Where exceptions were thrown, ascending: for each exception that left a function, the statement
 * that threw it (as crashPoint finds the crash's). A Throw right after a callee's Throw is the same
 * exception on its way out, as is one right after the Resume it made its awaiting caller take. An
 * exception caught in the function that threw it leaves no Throw: it is not among them.
 */
export function throwPoints(execution: Execution): Uint32Array {
  const { kinds, frames } = execution;
  const out: number[] = [];
  for (let i = 0; i < execution.length; i++) {
    if (kinds[i] !== EventKind.Throw) continue;
    const propagated = i > 0 && (kinds[i - 1] === EventKind.Throw || (kinds[i - 1] === EventKind.Resume && frames[i - 1] === frames[i] && i > 1 && kinds[i - 2] === EventKind.Throw));
    if (!propagated) out.push(throwingStatement(execution, i));
  }
  return Uint32Array.from(new Set(out)).sort();
}

/** The name the error that killed the process goes by, in `print` and the Locals scope (as gdb's `$_exception`). */
export const EXCEPTION = '$exception';

/**
 * The values of a crash recording with the error that killed the process among them: from the
 * statement that threw it on, in each frame it left, `$exception` is that error (its name and
 * message: the recording keeps them, and its stack, from the process's last moment). Every other
 * question goes to `inner`.
 */
export class WithThrownError implements ValueSource {
  readonly #value: Value;

  constructor(
    private readonly inner: ValueSource,
    private readonly execution: Execution,
    private readonly crash: CrashPoint,
    error: { readonly name: string; readonly message: string },
  ) {
    this.#value = { name: EXCEPTION, value: `${error.name}: ${error.message}`, type: error.name, ref: 0 };
  }

  get unwatchable(): string | undefined {
    return this.inner.unwatchable;
  }

  async scopes(index: number): Promise<ScopesAt> {
    if (!this.#holds(index)) return this.inner.scopes(index);
    try {
      const own = await this.inner.scopes(index);
      return { ...own, scopes: [...own.scopes, { name: 'Locals', variables: [this.#value] }] };
    } catch (err) {
      if (err instanceof ValueError) throw new ValueError(err.code, `${err.message}; the error that killed the process is \`print ${EXCEPTION}\``);
      throw err;
    }
  }

  evaluate(index: number, expression: string): Promise<Evaluation> {
    if (expression.trim() !== EXCEPTION || !this.#holds(index)) return this.inner.evaluate(index, expression);
    return Promise.resolve({ index, value: this.#value, text: `${this.#value.value} (the error that killed the process)` });
  }

  children(ref: number): Promise<Value[]> {
    return this.inner.children(ref);
  }

  async sample(indices: readonly number[], expression: string): Promise<Sample[]> {
    if (expression.trim() !== EXCEPTION) return this.inner.sample(indices, expression);
    return indices.map((index) => (this.#holds(index) ? { index, text: this.#value.value, threw: false } : { index, text: `${EXCEPTION} is not thrown yet here`, threw: true }));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  #holds(index: number): boolean {
    return index >= this.crash.index && index < this.execution.length && this.crash.frames.has(this.execution.frame(index));
  }
}
