import { setFlagsFromString } from 'node:v8';

/**
 * V8's inlining budget in a recorded process, when asked for (`--inlining-budget`). TurboFan
 * inlines calls into an optimized function until the inlined functions' bytecode adds up to a
 * budget (`--max-inlined-bytecode-size-cumulative`, 920 bytes in Node 20). The probes are inlined
 * too, and they make a traced function's bytecode several times larger: with V8's budget, a
 * recorded program stops inlining its own calls, and the probes' callees, well before the plain
 * program would. A larger budget gives that back in the steady state (4000 took the instructions
 * a request the recorder adds to the benchmark's HTTP service from 8.0 % to 4.5-5.0 %), but V8
 * then compiles more: a short compute-heavy run took 10-38 % more CPU, so it is not the default
 * (docs/recording.md). V8's flags are the whole process's.
 */
const FLAG = 'max-inlined-bytecode-size-cumulative';

/**
 * Sets the budget (bytes of bytecode) unless it is 0 or the program sets V8's flag itself (on its
 * command line, as `--max-inlined-bytecode-size-cumulative` or with underscores): the flag it
 * gave wins. Called before the program's code runs, so that all of it is optimized with the same
 * budget.
 */
export function raiseInliningBudget(bytes: number, execArgv: readonly string[] = process.execArgv, set: (flags: string) => void = setFlagsFromString): void {
  if (!(bytes > 0)) return;
  if (execArgv.some((arg) => arg.replaceAll('_', '-').startsWith(`--${FLAG}`))) return;
  set(`--${FLAG}=${Math.round(bytes)}`);
}
