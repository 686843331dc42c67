/**
 * V8's inlining budget in a recorded process (inlining.ts): raised when asked for, left alone by
 * default or when the program sets V8's flag itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configFromEnv, ENV } from '../../src/recorder/config.js';
import { raiseInliningBudget } from '../../src/recorder/inlining.js';

/** The flags raiseInliningBudget hands V8, for a program started with `execArgv`. */
function flagsSet(bytes: number, execArgv: string[]): string[] {
  const set: string[] = [];
  raiseInliningBudget(bytes, execArgv, (flags) => set.push(flags));
  return set;
}

describe("V8's inlining budget in a recorded process", () => {
  it('is raised to the budget asked for', () => {
    assert.deepEqual(flagsSet(4000, ['--enable-source-maps']), ['--max-inlined-bytecode-size-cumulative=4000']);
    assert.deepEqual(flagsSet(2500, []), ['--max-inlined-bytecode-size-cumulative=2500']);
  });

  it("is left as V8 has it for 0, or when the program's command line sets the flag itself (either spelling)", () => {
    assert.deepEqual(flagsSet(0, []), []);
    assert.deepEqual(flagsSet(4000, ['--max-inlined-bytecode-size-cumulative=1200']), []);
    assert.deepEqual(flagsSet(4000, ['--max_inlined_bytecode_size_cumulative=1200']), []);
  });

  it("comes to the recorded process from its environment: unset, 0 or nonsense leave V8's own", () => {
    const budget = (value: string | undefined) => configFromEnv({ [ENV.dir]: '/tmp/spool', [ENV.inliningBudget]: value }, '/app')!.inliningBudget;
    assert.equal(budget(undefined), 0);
    assert.equal(budget('0'), 0);
    assert.equal(budget('6000'), 6000);
    assert.equal(budget('lots'), 0);
  });
});
