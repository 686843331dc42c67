/**
 * Continuations: a function written as the callback of `.then`, `.catch` or `.finally`, or handed
 * to `queueMicrotask`, `process.nextTick` or `setImmediate`, runs later, called by the event loop,
 * on behalf of the code that wrote it there. Its entry probe is told the activation of the function
 * around it (`enc` and `eac`, for `en` and `ea`), so that the recorder can say which activation it
 * continues: the latency analysis counts it as part of that request, not as a request of its own.
 * Timers (`setTimeout`, `setInterval`) and event listeners are left out: they are as often work
 * of their own (a cleanup later, a listener for every request to come) as a request's next step.
 */
import type { types as T, NodePath } from '@babel/core';
import { mark, t } from './babel.js';
import { act } from './probe-calls.js';
import type { FnPath, Transform } from './transform.js';

const PROMISE_METHODS = new Set(['then', 'catch', 'finally']);
const DEFERRALS = new Set(['queueMicrotask', 'setImmediate', 'process.nextTick']);

/** Whether calling `callee` runs its function arguments later, on behalf of the caller: a continuation. */
function defers(callee: T.Node): boolean {
  if (t.isIdentifier(callee)) return DEFERRALS.has(callee.name);
  if (!(t.isMemberExpression(callee) || t.isOptionalMemberExpression(callee)) || callee.computed || !t.isIdentifier(callee.property)) return false;
  const method = callee.property.name;
  return PROMISE_METHODS.has(method) || (t.isIdentifier(callee.object) && DEFERRALS.has(`${callee.object.name}.${method}`));
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
  const host = p.parentPath.getFunctionParent();
  if (host ? host.node.generator : !x.frame) return undefined;
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
  return (call.isCallExpression() || call.isOptionalCallExpression()) && defers(call.node.callee);
}

/** `const __hs_o<depth> = __hs_a;` in a function whose continuations are told its activation (continuationHost); nothing elsewhere. */
export function hostDeclaration(x: Transform, node: T.Node): T.Statement[] {
  const name = x.hosts.get(node);
  return name === undefined ? [] : [mark(t.variableDeclaration('const', [t.variableDeclarator(t.identifier(name), act())]))];
}
