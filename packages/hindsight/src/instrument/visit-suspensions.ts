import type { types as T, NodePath, Visitor } from '@babel/core';
import { made, mark, t } from './babel.js';
import { act, gen, num, probe, report } from './probe-calls.js';
import type { Transform } from './transform.js';

/**
 * Where code suspends and resumes: each `await` (a Suspend before, a Resume after; in an async
 * generator, through the generator's state), each `yield` and step of a `yield*`, the await of an
 * async generator's `return`, and each iteration's await of `for await`.
 */
export function suspensionVisitor(x: Transform): Visitor {
  return {
    AwaitExpression: {
      exit(p) {
        const fn = x.owner(p);
        if (!fn || made.has(p.node) || !x.isAsync(fn)) return;
        // sparse: the statement it is in, which the decoder puts back at its Suspend if it was quiet
        const own = x.sparse ? x.ownerOf(p) : undefined;
        const S = x.siteOf('await', p.node, x.nameOf(fn), own !== undefined ? { in: own } : {});
        // in an async generator, the generator's state knows who resumed it
        const [su, re, a] = x.isGenerator(fn) ? ['sw', 'rw', gen()] : ['su', 're', act()];
        const awaited = mark(t.awaitExpression(probe(su, num(S), a, p.node.argument)));
        p.replaceWith(probe(re, num(S), a, awaited));
      },
    },
    YieldExpression: {
      exit(p) {
        const fn = x.owner(p);
        if (!fn || made.has(p.node)) return;
        const Y = x.siteOf('yield', p.node, x.nameOf(fn));
        const operand = p.node.argument ?? t.identifier('undefined');
        const delegated = p.node.delegate ? probe('dg', num(Y), gen(), operand, t.booleanLiteral(x.isAsync(fn))) : probe('sy', num(Y), gen(), operand);
        p.replaceWith(probe('ry', num(Y), gen(), mark(t.yieldExpression(delegated, p.node.delegate))));
      },
    },
    ReturnStatement: {
      exit(p) {
        // an async generator awaits the value it returns (other code runs meanwhile): an await of its own, resumed by its catch or finally
        const fn = x.owner(p);
        if (fn && p.node.argument && !made.has(p.node.argument) && x.isGenerator(fn) && x.isAsync(fn)) p.node.argument = probe('sw', num(x.siteOf('await', p.node, x.nameOf(fn))), gen(), p.node.argument);
      },
    },
    ForOfStatement: {
      exit(p) {
        // `for await`: the loop awaits each next(): the iterable reports the Suspend, the body (or the code after the loop) the Resume
        const fn = x.owner(p);
        const node = p.node;
        if (!fn || !node.await || !x.isAsync(fn) || made.has(node.right)) return;
        const S = x.siteOf('await', node, x.nameOf(fn), { loop: true });
        x.forAwait.add(fn.node);
        const g = x.isGenerator(fn);
        // the loop's statement is reported again before each later next(), which may run traced code
        let statement: NodePath = p;
        while (!x.statementSites.has(statement.node) && statement.parentPath?.isLabeledStatement()) statement = statement.parentPath;
        const again = x.statementSites.get(statement.node) ?? -1;
        node.right = probe(g ? 'fg' : 'fa', num(S), g ? gen() : act(), node.right, num(again));
        const resumed = report(g ? 'rw' : 're', num(S), g ? gen() : act());
        (node.body as T.BlockStatement).body.unshift(resumed);
        // the loop ends when next() says done, after its await: resumed there
        let after: NodePath = p;
        while (after.parentPath?.isLabeledStatement()) after = after.parentPath;
        after.insertAfter(x.caught(fn, false));
      },
    },
  };
}
