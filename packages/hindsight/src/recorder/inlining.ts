import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { setFlagsFromString } from 'node:v8';

/**
 * V8's inlining budget in a recorded process. TurboFan inlines calls into an optimized function
 * until the inlined functions' bytecode adds up to a budget (`--max-inlined-bytecode-size-cumulative`,
 * 920 bytes in Node 20). The probes are inlined too, and they make a traced function's bytecode
 * several times larger: with V8's budget, a recorded program stops inlining its own calls, and the
 * probes' callees, well before the plain program would. A larger budget gives that back in the
 * steady state, but V8 then compiles more, and a short compute-heavy run pays for it (10-38 % more
 * CPU in 2-3 s runs, where 20 s runs came out even): so by default the budget is raised only once
 * the program serves (docs/recording.md). V8's flags are the whole process's.
 */
const FLAG = 'max-inlined-bytecode-size-cumulative';

/**
 * The budget a serving program gets by default, bytes: from 3000 to 6000 the benchmark's service
 * ran about as few instructions (4000 a few hundred more a request), and the smallest of those
 * compiles least (docs/recording.md).
 */
export const SERVING_BUDGET = 3000;

/**
 * What the recorder does with the budget: `serving` raises it to SERVING_BUDGET once the program
 * starts serving (the default); a number of bytes sets it from the start; 0 leaves V8's own.
 */
export type InliningBudget = number | 'serving';

/**
 * Channels that say the program serves: a server starts listening (a channel of newer releases:
 * 20.20 has it), or takes its first connection (older releases too, and a server that listened
 * before the recorder subscribed).
 */
const SERVING = ['tracing:net.server.listen:asyncStart', 'net.server.socket'];

/**
 * Sets the budget as `budget` says, unless the program sets V8's flag itself (on its command line,
 * as `--max-inlined-bytecode-size-cumulative` or with underscores): the flag it gave wins. Called
 * before the program's code runs, so that a budget from the start covers all of it, and a serving
 * program's request path is compiled after the budget was raised (it runs once connections come).
 */
export function setInliningBudget(budget: InliningBudget, execArgv: readonly string[] = process.execArgv, set: (flags: string) => void = setFlagsFromString, whenServing: (then: () => void) => void = onceServing): void {
  if (execArgv.some((arg) => arg.replaceAll('_', '-').startsWith(`--${FLAG}`))) return;
  const flag = (bytes: number) => set(`--${FLAG}=${Math.round(bytes)}`);
  if (budget === 'serving') whenServing(() => flag(SERVING_BUDGET));
  else if (budget > 0) flag(budget);
}

/** Calls `then` once, as the program first listens or takes a connection. */
function onceServing(then: () => void): void {
  let done = false;
  const serving = (): void => {
    if (done) return;
    done = true;
    // not while the channel publishes: Node 20.20 copies its list of subscribers to take one out,
    // a release that splices it in place would skip the subscriber after this one (the program's)
    queueMicrotask(() => SERVING.forEach((name) => unsubscribe(name, serving)));
    then();
  };
  for (const name of SERVING) subscribe(name, serving);
}
