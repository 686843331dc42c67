import { EventKind, ExecutionBuilder, SiteTable, type Execution } from '../../src/trace/index.js';

/**
 * Small hand-built executions whose every event index is written out, so tests can state exact stops.
 *
 * app.ts                                   site ids
 *  1 function fact(n) {                    FACT
 *  2   if (n <= 1) return 1;               FACT_IF
 *  3   return n * fact(n - 1);             FACT_REC
 *    }
 *  5 function risky() {                    RISKY
 *  6   throw new Error('no');              RISKY_THROW
 *    }
 *  8 function main() {                     MAIN
 *  9   const a = fact(3);                  MAIN_9
 * 10   try { risky(); }                    MAIN_10
 * 11   catch (e) { log(e); }               MAIN_11
 * 12   return a;                           MAIN_12
 *    }
 * 20 async function handler() {            HANDLER
 * 21   await Promise.all([load(1), load(2)]);   HANDLER_21, HANDLER_AWAIT
 * 22   return 'done';                      HANDLER_22
 *    }
 * 24 async function load(id) {             LOAD
 * 25   const r = await fetch(id);          LOAD_25, LOAD_AWAIT
 * 26   return r;                           LOAD_26
 *    }
 */
export const S = {
  FACT: 0,
  FACT_IF: 1,
  FACT_REC: 2,
  RISKY: 3,
  RISKY_THROW: 4,
  MAIN: 5,
  MAIN_9: 6,
  MAIN_10: 7,
  MAIN_11: 8,
  MAIN_12: 9,
  HANDLER: 10,
  HANDLER_21: 11,
  HANDLER_AWAIT: 12,
  HANDLER_22: 13,
  LOAD: 14,
  LOAD_25: 15,
  LOAD_AWAIT: 16,
  LOAD_26: 17,
} as const;

const f = (line: number, functionName: string) => ({ kind: 'function' as const, file: 'app.ts', line, column: 1, functionName });
const st = (line: number, functionName: string) => ({ kind: 'statement' as const, file: 'app.ts', line, column: 3, functionName });
const aw = (line: number, functionName: string) => ({ kind: 'await' as const, file: 'app.ts', line, column: 13, functionName });

export const sites = new SiteTable([
  f(1, 'fact'), st(2, 'fact'), st(3, 'fact'),
  f(5, 'risky'), st(6, 'risky'),
  f(8, 'main'), st(9, 'main'), st(10, 'main'), st(11, 'main'), st(12, 'main'),
  f(20, 'handler'), st(21, 'handler'), aw(21, 'handler'), st(22, 'handler'),
  f(24, 'load'), st(25, 'load'), aw(25, 'load'), st(26, 'load'),
]);

const { Enter, Exit, Throw, Statement: Stmt, Suspend, Resume } = EventKind;
type Row = [EventKind, number, number];

function make(rows: Row[]): Execution {
  const b = new ExecutionBuilder(sites);
  rows.forEach(([kind, site, activation], i) => b.append(kind, site, activation, i * 10));
  return b.build();
}

/** main() calls fact(3) (recursion three deep), then risky(), whose exception main catches. Time = 10 x index. */
export const recursionRows: Row[] = [
  [Enter, S.MAIN, 1], //          0  frame 0 main
  [Stmt, S.MAIN_9, 1], //         1
  [Enter, S.FACT, 1], //          2  frame 1 fact(3)
  [Stmt, S.FACT_IF, 1], //        3
  [Stmt, S.FACT_REC, 1], //       4
  [Enter, S.FACT, 1], //          5  frame 2 fact(2)
  [Stmt, S.FACT_IF, 1], //        6
  [Stmt, S.FACT_REC, 1], //       7
  [Enter, S.FACT, 1], //          8  frame 3 fact(1)
  [Stmt, S.FACT_IF, 1], //        9
  [Exit, S.FACT, 1], //          10
  [Exit, S.FACT, 1], //          11
  [Exit, S.FACT, 1], //          12
  [Stmt, S.MAIN_10, 1], //       13
  [Enter, S.RISKY, 1], //        14  frame 4 risky
  [Stmt, S.RISKY_THROW, 1], //   15
  [Throw, S.RISKY, 1], //        16
  [Stmt, S.MAIN_11, 1], //       17
  [Stmt, S.MAIN_12, 1], //       18
  [Exit, S.MAIN, 1], //          19
];
export const recursion = (): Execution => make(recursionRows);

/** main() runs `x = f() + g()`: one statement, two calls (f is fact's site, g risky's), then one more statement. */
export const twoCalls = (): Execution =>
  make([
    [Enter, S.MAIN, 1], //          0  frame 0 main
    [Stmt, S.MAIN_9, 1], //         1
    [Enter, S.FACT, 1], //          2  frame 1 f
    [Stmt, S.FACT_IF, 1], //        3
    [Exit, S.FACT, 1], //           4
    [Enter, S.RISKY, 1], //         5  frame 2 g
    [Stmt, S.RISKY_THROW, 1], //    6
    [Exit, S.RISKY, 1], //          7
    [Stmt, S.MAIN_10, 1], //        8
    [Exit, S.MAIN, 1], //           9
  ]);

/**
 * handler() awaits Promise.all([load(1), load(2)]): activation 1 is handler, 2 is load(1), 3 is
 * load(2); load(2) resumes first.
 */
export const promiseAll = (): Execution =>
  make([
    [Enter, S.HANDLER, 1], //       0  frame 0 handler
    [Stmt, S.HANDLER_21, 1], //     1
    [Enter, S.LOAD, 2], //          2  frame 1 load(1)
    [Stmt, S.LOAD_25, 2], //        3
    [Suspend, S.LOAD_AWAIT, 2], //  4  back in handler
    [Enter, S.LOAD, 3], //          5  frame 2 load(2)
    [Stmt, S.LOAD_25, 3], //        6
    [Suspend, S.LOAD_AWAIT, 3], //  7
    [Suspend, S.HANDLER_AWAIT, 1], // 8  back to the event loop
    [Resume, S.LOAD_AWAIT, 3], //   9
    [Stmt, S.LOAD_26, 3], //       10
    [Exit, S.LOAD, 3], //          11
    [Resume, S.LOAD_AWAIT, 2], //  12
    [Stmt, S.LOAD_26, 2], //       13
    [Exit, S.LOAD, 2], //          14
    [Resume, S.HANDLER_AWAIT, 1], // 15
    [Stmt, S.HANDLER_22, 1], //    16
    [Exit, S.HANDLER, 1], //       17
  ]);

/** The recursion trace as a ring buffer would keep it: it starts inside fact(1) (events 9.. of `recursion`). */
export const partial = (): Execution => make(recursionRows.slice(9));
