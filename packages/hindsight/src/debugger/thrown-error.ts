import { ValueError, type Evaluation, type Execution, type Sample, type ScopesAt, type Value, type ValueSource } from '../trace/index.js';
import type { CrashPoint } from './throws.js';

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
