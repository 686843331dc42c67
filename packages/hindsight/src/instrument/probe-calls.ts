/** The names and calls instrumented code is made of: what the plugin and its parts build into the code. */
import type { types as T } from '@babel/core';
import { mark, t } from './babel.js';
import { probeGlobal } from './runtime.js';

/**
 * Stands for the id of the module instance (instanceId) in the instrumented code, which is cached
 * and shared by every instance of the module: each instance gets its own as its code is handed
 * over, of the same length, so that the source map still holds.
 */
export const INSTANCE = '$$$$$$$$$$';
/** The module instance's Probe (ProbeRuntime.install), a global. */
export const PROBE = probeGlobal(INSTANCE);
/** A function's activation, the probe's answer at its entry. */
export const ACTIVATION = '__hs_a';
/** Sparse variant: the last statement of the function that started (a throw reports it). */
export const PROGRESS = '__hs_p';
/** In a generator: its GeneratorState (an extra parameter, then a local of its body). */
export const GENERATOR = '__hs_g';

/**
 * `__hs<id>_<method>(...args)`: each probe the module calls is a global of its own, which V8 takes
 * for a constant (ProbeRuntime.install): a call is a call. As `__hs<id>.<method>(…)`, each call
 * would be a few bytecodes longer, which V8 counts against its inlining budget.
 */
export const probe = (method: string, ...args: T.Expression[]): T.CallExpression => mark(t.callExpression(t.identifier(probeGlobal(INSTANCE, method)), args));

/**
 * The probe methods the program calls (`st` for `__hs<id>_st(…)`), in the order first called: only
 * probe() makes a name with the placeholder's prefix.
 */
export function usedProbes(program: T.Program): string[] {
  const used = new Set<string>();
  // traverseFast: no paths, so no scope crawl of the whole instrumented module (most of the cost of a traversal here)
  t.traverseFast(program, (n) => {
    if (t.isCallExpression(n) && t.isIdentifier(n.callee) && n.callee.name.startsWith(`${PROBE}_`)) used.add(n.callee.name.slice(PROBE.length + 1));
  });
  return [...used];
}
/** A number: a negative one as `-n`, as Babel wants it (its literal of a negative number is made at the cost of an Error, stack and all, which it drops). */
export const num = (n: number): T.NumericLiteral | T.UnaryExpression => (n < 0 ? t.unaryExpression('-', t.numericLiteral(-n)) : t.numericLiteral(n));
export const act = (): T.Identifier => t.identifier(ACTIVATION);
export const gen = (): T.Identifier => t.identifier(GENERATOR);
/** Sparse: a frame's progress local, `let __hs_p = -1;` (no statement of it started yet). */
export const progressLocal = (): T.Statement => mark(t.variableDeclaration('let', [t.variableDeclarator(t.identifier(PROGRESS), num(-1))]));
/** Sparse: the progress local, as the last argument of a probe that reports where a throw or catch was; nothing in the dense variant. */
export const progressArgs = (sparse: boolean): T.Identifier[] => (sparse ? [t.identifier(PROGRESS)] : []);
/**
 * `__hs<id>_<method>(F, ...args)`, the probe a call enters by; where the call's arguments are captured
 * (`params`, the names its parameters bind), its `<method>a` variant, handed their values last.
 */
export const entryCall = (method: string, F: number, params: readonly string[] | undefined, ...args: T.Expression[]): T.CallExpression =>
  params ? probe(`${method}a`, num(F), ...args, t.arrayExpression(params.map((n) => t.identifier(n)))) : probe(method, num(F), ...args);

/**
 * `try { code } catch (__hs_e) { ...reports; throw __hs_e; } finally { ...exit }`: traced code
 * whose exceptions are reported and rethrown unchanged (and, with `exit`, whose end is reported
 * however it ends).
 */
export function guarded(code: T.Statement[], reports: T.Statement[], exit?: T.Statement[]): T.TryStatement {
  const thrown = mark(t.blockStatement([...reports, mark(t.throwStatement(t.identifier('__hs_e')))]));
  return mark(t.tryStatement(mark(t.blockStatement(code)), t.catchClause(t.identifier('__hs_e'), thrown), exit ? mark(t.blockStatement(exit)) : null));
}

/** `__hs<id>_<method>(...args);` */
export const report = (method: string, ...args: T.Expression[]): T.ExpressionStatement => mark(t.expressionStatement(probe(method, ...args)));
