/** What the instrumenter asks of a statement: for the sparse variant, does it report itself, or can the site before stand for it. */
import type { NodePath, types as T } from '@babel/core';
import { t } from './babel.js';

/** A statement with no block of its own: what runs after it is the next statement. */
export function simple(node: T.Statement): boolean {
  return t.isExpressionStatement(node) || t.isVariableDeclaration(node) || t.isReturnStatement(node) || t.isThrowStatement(node) || t.isBreakStatement(node) || t.isContinueStatement(node) || t.isDebuggerStatement(node);
}

/**
 * A statement that calls nothing the instrumenter can see as it starts (a compound statement: its
 * test, its loop head, its switch's cases): no call, `new`, tagged template,
 * `await`, `yield`, `import()`, `delete`, class, nor assignment to a property (a setter), also
 * inside a function it makes (to keep this simple). A getter, a valueOf or an iterator of traced
 * code may still run: its events then come before the statement's in the decoded trace.
 */
export function quiet(node: T.Statement): boolean {
  // a compound statement is quiet by what it evaluates as it starts (its blocks have statements of their own)
  let heads: (T.Node | null | undefined)[];
  if (simple(node)) heads = [node];
  else if (t.isIfStatement(node) || t.isWhileStatement(node)) heads = [node.test];
  else if (t.isForStatement(node)) heads = [node.init, node.test, node.update];
  else if (t.isForInStatement(node) || t.isForOfStatement(node)) heads = [node.left, node.right];
  else if (t.isSwitchStatement(node)) heads = [node.discriminant, ...node.cases.map((c) => c.test)];
  else if (t.isTryStatement(node) || t.isBlockStatement(node) || t.isLabeledStatement(node) || t.isDoWhileStatement(node)) heads = [];
  else return false;
  if (t.isForOfStatement(node) && node.await) return false;
  let calls = false;
  for (const head of heads) if (head) t.traverseFast(head, (n) => {
    if (calls) return;
    if (t.isCallExpression(n) || t.isOptionalCallExpression(n) || t.isNewExpression(n) || t.isTaggedTemplateExpression(n) || t.isAwaitExpression(n) || t.isYieldExpression(n) || t.isImport(n) || t.isClass(n)) calls = true;
    else if (t.isUnaryExpression(n) && n.operator === 'delete') calls = true;
    else if ((t.isAssignmentExpression(n) && !t.isIdentifier(n.left)) || (t.isUpdateExpression(n) && !t.isIdentifier(n.argument))) calls = true;
  });
  return !calls;
}
/**
 * A statement that reports itself though it calls nothing: a jump or throw inside a for-of loop
 * (of this function), as leaving the loop calls its iterator's `return()`, which may be a
 * generator of traced code (over-approximated: any such statement inside one); a `return` of a
 * value in an async generator, which awaits the value (its Suspend and Resume come after it).
 */
export function reportsItself(p: NodePath): boolean {
  const node = p.node;
  if (t.isReturnStatement(node) && node.argument) {
    const fn = p.getFunctionParent()?.node;
    if (fn?.async === true && fn.generator === true) return true;
  }
  if (!(t.isBreakStatement(node) || t.isContinueStatement(node) || t.isReturnStatement(node) || t.isThrowStatement(node))) return false;
  for (let q = p.parentPath; q && !q.isFunction(); q = q.parentPath) if (q.isForOfStatement()) return true;
  return false;
}

/** A branch's or loop's body that is one statement becomes a block, for the probes to go in. */
export function toBlock(p: NodePath<T.Statement | null | undefined>): void {
  if (!p.node || t.isBlockStatement(p.node)) return;
  const block = t.blockStatement([p.node]);
  block.loc = p.node.loc; // the branch site of the block is the statement's place
  p.replaceWith(block);
}
