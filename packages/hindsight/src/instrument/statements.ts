/** What the instrumenter asks of a statement: for the sparse variant, does it report itself, or can the site before stand for it. */
import type { NodePath, types as T } from '@babel/core';
import { eachChild, t } from './babel.js';

/** A statement with no block of its own: what runs after it is the next statement. */
export function simple(node: T.Statement): boolean {
  return t.isExpressionStatement(node) || t.isVariableDeclaration(node) || t.isReturnStatement(node) || t.isThrowStatement(node) || t.isBreakStatement(node) || t.isContinueStatement(node) || t.isDebuggerStatement(node);
}

/** What a statement can do as it starts, from the least to the most (startsWith). */
type Level = 'pure' | 'reads' | 'calls' | 'awaits' | 'reports';

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
  for (const head of heads) if (head) found |= holds(head);
  if (found & Holds.Yield || (found & Holds.Await && !simple(node))) return 'reports';
  if (found & Holds.Await) return 'awaits';
  return found & Holds.Call ? 'calls' : found & Holds.Read ? 'reads' : 'pure';
}

/** What startsWith looks for in a subtree, as flags. */
const enum Holds {
  Read = 1,
  Call = 2,
  Await = 4,
  Yield = 8,
}

/**
 * A function's Holds, once: every statement that holds a function walks it, so a function nested
 * in n others would be walked n times over (a bundle's modules are functions in a function). A
 * statement is looked at before anything inside it is instrumented, so what was found stays true.
 */
const functionHolds = new WeakMap<T.Node, number>();

/** What `node` and the nodes under it hold (startsWith); a function's, as its code may run as the statement starts. */
function holds(node: T.Node): number {
  const isFunction = t.isFunction(node);
  const known = isFunction ? functionHolds.get(node) : undefined;
  if (known !== undefined) return known;
  let found = ownHolds(node);
  eachChild(node, (child) => void (found |= holds(child)));
  if (isFunction) functionHolds.set(node, found);
  return found;
}

/** What `n` itself is, by its type: this runs on every node of the module, where one t.isX call per kind would be as many again. */
function ownHolds(n: T.Node): number {
  switch (n.type) {
    case 'YieldExpression':
      return Holds.Yield;
    case 'AwaitExpression':
      return Holds.Await;
    case 'CallExpression':
    case 'OptionalCallExpression':
    case 'NewExpression':
    case 'TaggedTemplateExpression':
    case 'Import':
    case 'ClassExpression':
    case 'ClassDeclaration':
      return Holds.Call;
    case 'UnaryExpression':
      return n.operator === 'delete' ? Holds.Call : 0;
    case 'AssignmentExpression':
      return n.left.type === 'Identifier' ? 0 : Holds.Call;
    case 'UpdateExpression':
      return n.argument.type === 'Identifier' ? 0 : Holds.Call;
    case 'BinaryExpression':
      return n.operator === 'in' || n.operator === 'instanceof' ? Holds.Read : 0;
    case 'MemberExpression':
    case 'OptionalMemberExpression':
    case 'SpreadElement':
      return Holds.Read;
    default:
      return t.isPattern(n) ? Holds.Read : 0;
  }
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

/**
 * A branch's or loop's body that is one statement becomes a block, for the probes to go in. Set on
 * the node, from the enter of its if or loop, before the traversal reaches it: Babel's replaceWith
 * would crawl the new block's scope, its whole subtree, at each level of nested bodies.
 */
export function toBlock(node: T.IfStatement | T.Loop, key: 'consequent' | 'alternate' | 'body'): void {
  const bodies = node as unknown as Record<typeof key, T.Statement | null | undefined>;
  const body = bodies[key];
  if (!body || t.isBlockStatement(body)) return;
  const block = t.blockStatement([body]);
  block.loc = body.loc; // the branch site of the block is the statement's place
  bodies[key] = block;
}
