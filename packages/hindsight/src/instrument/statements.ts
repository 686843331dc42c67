/** What the instrumenter asks of a statement: for the sparse variant, does it report itself, or can the site before stand for it. */
import type { NodePath, types as T } from '@babel/core';
import { t } from './babel.js';

/** A statement with no block of its own: what runs after it is the next statement. */
export function simple(node: T.Statement): boolean {
  return t.isExpressionStatement(node) || t.isVariableDeclaration(node) || t.isReturnStatement(node) || t.isThrowStatement(node) || t.isBreakStatement(node) || t.isContinueStatement(node) || t.isDebuggerStatement(node);
}

/** What a statement can do as it starts, from the least to the most (startsWith). */
const LEVELS = ['pure', 'reads', 'calls', 'awaits', 'reports'] as const;
type Level = (typeof LEVELS)[number];

/**
 * What a statement can do as it starts (a compound statement: its test, its loop head, its
 * switch's cases), for the sparse variant, from the least to the most:
 * - 'pure': reads no property and calls nothing: no traced code can run in it. It may join the
 *   run of the probe before it.
 * - 'reads': calls nothing the instrumenter can see, but reads a property (destructuring and
 *   spreading too, `in`, `instanceof`): a getter of traced code may run. It may join a run too,
 *   where the decoder puts the run back up to it before a callee's entry if nothing before it
 *   could have entered it.
 * - 'calls': a call, `new`, tagged template, `import()`, `delete`, class, or assignment to a
 *   property (a setter), also inside a function it makes (to keep this simple), but neither awaits
 *   nor yields. It may join a run in which no traced code could run before it: the decoder puts
 *   the run back up to it before its callee's entry.
 * - 'awaits': a simple statement that awaits (and may call): like 'calls', and the decoder also
 *   puts the run back up to it at its Suspend.
 * - 'reports': yields, awaits in a compound statement's head, or is a statement of another kind:
 *   it reports itself.
 * An operator's valueOf or a template's toString of traced code may still run in any of them, and
 * a getter in a statement after another that may call: its events then come before the statements
 * of the run in the decoded trace.
 */
export function startsWith(node: T.Statement): Level {
  // a compound statement is judged by what it evaluates as it starts (its blocks have statements of their own)
  let heads: (T.Node | null | undefined)[];
  if (simple(node)) heads = [node];
  else if (t.isIfStatement(node) || t.isWhileStatement(node)) heads = [node.test];
  else if (t.isForStatement(node)) heads = [node.init, node.test, node.update];
  else if (t.isForInStatement(node) || t.isForOfStatement(node)) heads = [node.left, node.right];
  else if (t.isSwitchStatement(node)) heads = [node.discriminant, ...node.cases.map((c) => c.test)];
  else if (t.isTryStatement(node) || t.isBlockStatement(node) || t.isLabeledStatement(node) || t.isDoWhileStatement(node)) heads = [];
  else return 'reports';
  if (t.isForOfStatement(node) && node.await) return 'reports';
  let found = 0;
  const atLeast = (level: Level) => void (found = Math.max(found, LEVELS.indexOf(level)));
  for (const head of heads) if (head) t.traverseFast(head, (n) => {
    if (t.isYieldExpression(n) || (t.isAwaitExpression(n) && !simple(node))) atLeast('reports');
    else if (t.isAwaitExpression(n)) atLeast('awaits');
    else if (t.isCallExpression(n) || t.isOptionalCallExpression(n) || t.isNewExpression(n) || t.isTaggedTemplateExpression(n) || t.isImport(n) || t.isClass(n)) atLeast('calls');
    else if (t.isUnaryExpression(n) && n.operator === 'delete') atLeast('calls');
    else if ((t.isAssignmentExpression(n) && !t.isIdentifier(n.left)) || (t.isUpdateExpression(n) && !t.isIdentifier(n.argument))) atLeast('calls');
    else if (t.isMemberExpression(n) || t.isOptionalMemberExpression(n) || t.isPattern(n) || t.isSpreadElement(n) || (t.isBinaryExpression(n) && (n.operator === 'in' || n.operator === 'instanceof'))) atLeast('reads');
  });
  return LEVELS[found]!;
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
