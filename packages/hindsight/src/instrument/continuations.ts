/**
 * Continuations: a function given as the callback of `.then`, `.catch` or `.finally`, or to
 * `queueMicrotask`, `process.nextTick` or `setImmediate`, runs later, called by the event loop, on
 * behalf of the code that gave it. The recorder says which activation it continues, so that the
 * latency analysis counts it as part of that request, not as a request of its own. A function
 * written there has its entry probe told the activation of the function around it (`enc` and
 * `eac`, for `en` and `ea`); one given by name (`.then(render)`) is handed over through `cf`, which
 * tells the first traced function it enters as it runs.
 * Timers (`setTimeout`, `setInterval`) and event listeners are left out: they are as often work
 * of their own (a cleanup later, a listener for every request to come) as a request's next step.
 */
import type { types as T, NodePath } from '@babel/core';
import { made, mark, t } from './babel.js';
import { act, probe } from './probe-calls.js';
import type { FnPath, Transform } from './transform.js';

const PROMISE_METHODS = new Set(['then', 'catch', 'finally']);
const DEFERRALS = new Set(['queueMicrotask', 'setImmediate', 'process.nextTick']);

/** How many of its first arguments calling `callee` runs later, on behalf of the caller (continuations): 0 for a call that defers none. */
function deferred(callee: T.Node): number {
  if (t.isIdentifier(callee)) return DEFERRALS.has(callee.name) ? 1 : 0;
  if (!(t.isMemberExpression(callee) || t.isOptionalMemberExpression(callee)) || callee.computed || !t.isIdentifier(callee.property)) return 0;
  const method = callee.property.name;
  if (method === 'then') return 2; // onFulfilled, onRejected
  return PROMISE_METHODS.has(method) || (t.isIdentifier(callee.object) && DEFERRALS.has(`${callee.object.name}.${method}`)) ? 1 : 0;
}

/**
 * The function whose activation a continuation given at call `p` continues: the one around the
 * call (null: the module's body), when that one has an activation of its own to give (not a
 * generator's, whose is its state's; the module's only where its body is a frame) and the call
 * runs in its body (a parameter's default runs before the body's locals exist); else undefined.
 */
function hostOf(x: Transform, p: NodePath<T.CallExpression | T.OptionalCallExpression>): NodePath<T.Function> | null | undefined {
  const host = p.getFunctionParent();
  if (!host) return x.frame ? null : undefined;
  return host.node.generator || made.has(host.node) || !p.isDescendant(host.get('body') as NodePath) ? undefined : host;
}

/**
 * At a call that defers its function arguments (deferred), each given by any expression but a
 * function written there (continuationHost's) or a literal is handed over with the activation that
 * gives it: `.then(render)` becomes `.then(__hs<id>_cf(render, __hs_a))`.
 */
export function handOver(x: Transform, p: NodePath<T.CallExpression | T.OptionalCallExpression>): void {
  const n = made.has(p.node) ? 0 : deferred(p.node.callee);
  if (n === 0 || hostOf(x, p) === undefined) return;
  const args = p.node.arguments;
  for (let i = 0; i < Math.min(n, args.length); i++) {
    const arg = args[i]!;
    if (t.isExpression(arg) && !t.isFunctionExpression(arg) && !t.isArrowFunctionExpression(arg) && !t.isLiteral(arg) && !(t.isIdentifier(arg) && arg.name === 'undefined')) args[i] = probe('cf', arg, act());
  }
}

/**
 * For a continuation (a function expression or arrow written as an argument of a call that defers
 * it), the name of the local that holds the activation of the function around it, which that
 * function then declares (hostDeclaration); undefined for any other function, and where the code
 * around it has no activation of its own to give (a generator's, a module's body that is not a
 * frame). Named by the host's depth, so that a continuation that is a host itself declares another.
 */
export function continuationHost(x: Transform, p: FnPath): string | undefined {
  if (!isContinuation(p)) return undefined;
  const host = hostOf(x, p.parentPath as NodePath<T.CallExpression>);
  if (host === undefined) return undefined;
  let depth = 0;
  for (let q: NodePath | null = host; q; q = q.parentPath?.getFunctionParent() ?? null) depth++;
  const name = `__hs_o${depth}`;
  x.hosts.set(host ? host.node : x.program!.node, name);
  return name;
}

/** Whether function `p` is written as a continuation: a function expression or arrow, an argument of a call that defers it. */
export function isContinuation(p: FnPath): boolean {
  const node = p.node;
  if (node.generator || !(t.isFunctionExpression(node) || t.isArrowFunctionExpression(node)) || p.listKey !== 'arguments') return false;
  const call = p.parentPath;
  return (call.isCallExpression() || call.isOptionalCallExpression()) && (p.key as number) < deferred(call.node.callee);
}

/** `const __hs_o<depth> = __hs_a;` in a function whose continuations are told its activation (continuationHost); nothing elsewhere. */
export function hostDeclaration(x: Transform, node: T.Node): T.Statement[] {
  const name = x.hosts.get(node);
  return name === undefined ? [] : [mark(t.variableDeclaration('const', [t.variableDeclarator(t.identifier(name), act())]))];
}
