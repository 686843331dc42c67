import { capturedCall, VALUES_RING_CALLS, type CapturedValue } from '../recorder/index.js';
import { ValueError, type Evaluation, type Execution, type Sample, type ScopesAt, type Value, type ValueSource } from '../trace/index.js';

/**
 * The values of a flight recording: the arguments of the calls of the functions named with
 * `--capture-args`, as they were at each call's entry, and nothing else. At a point inside such a
 * call, its frame has an Arguments scope and `print <parameter>` answers; everywhere else the
 * answer says plainly why there is no value (not captured, or captured but overwritten since).
 */
export class CapturedArguments implements ValueSource {
  constructor(
    private readonly execution: Execution,
    /** Enter event index -> its call's values, in the order of the function site's params. */
    private readonly args: ReadonlyMap<number, readonly CapturedValue[]>,
    /** Why there are no values at all, for the answers outside captured calls. */
    private readonly notCaptured: string,
  ) {}

  /** Arguments are kept as they were at entry, once: nothing changes that could be watched. */
  get unwatchable(): string {
    return `${this.notCaptured}; the arguments captured (--capture-args) are as they were at each call's entry, so nothing can be watched changing`;
  }

  scopes(index: number): Promise<ScopesAt> {
    const call = this.#call(index);
    if ('error' in call) return Promise.reject(call.error);
    return Promise.resolve({ index: call.enter, scopes: [{ name: 'Arguments', variables: call.variables }] });
  }

  evaluate(index: number, expression: string): Promise<Evaluation> {
    const call = this.#call(index);
    if ('error' in call) return Promise.reject(call.error);
    const name = expression.trim();
    const value = call.variables.find((v) => v.name === name);
    if (!value) {
      const names = call.variables.map((v) => v.name).join(', ') || 'none';
      return Promise.reject(new ValueError('HS_E_VALUES_NOT_CAPTURED', `only the arguments of ${call.fn} are captured, as they were at its entry (${names}); ${JSON.stringify(name)} is not one of them`));
    }
    return Promise.resolve({ index: call.enter, value, text: `${value.value} (at the call's entry)` });
  }

  children(): Promise<Value[]> {
    return Promise.reject(new ValueError('HS_E_VALUES_NOT_CAPTURED', 'a captured argument is kept as its one-line preview; there is nothing more to expand'));
  }

  async sample(indices: readonly number[], expression: string): Promise<Sample[]> {
    const out: Sample[] = [];
    for (const index of indices) {
      try {
        // the value alone: where it was taken is the same for all, and a condition or a log line reads the value
        out.push({ index, text: (await this.evaluate(index, expression)).value!.value, threw: false });
      } catch (err) {
        out.push({ index, text: (err as Error).message, threw: true });
      }
    }
    return out;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The captured call whose frame runs event `index`, or why there is none. */
  #call(index: number): { enter: number; fn: string; variables: Value[] } | { error: ValueError } {
    const ex = this.execution;
    const call = index >= 0 && index < ex.length ? capturedCall(ex, this.args, ex.frame(index)) : undefined;
    const site = call?.site;
    if (!call || !site?.params) return { error: new ValueError('HS_E_VALUES_NOT_CAPTURED', `${this.notCaptured}${site ? `; ${site.functionName} is not one of the functions whose arguments were captured (--capture-args)` : ''}`) };
    if (!call.values) return { error: new ValueError('HS_E_VALUES_NOT_CAPTURED', `the arguments of this call of ${site.functionName} were captured, but newer calls have overwritten them since (the values ring keeps the newest ${VALUES_RING_CALLS} captured calls)`) };
    const variables = call.values.map(({ name, type, preview }): Value => ({ name, value: preview, type, ref: 0 }));
    return { enter: call.enter, fn: site.functionName, variables };
  }
}
