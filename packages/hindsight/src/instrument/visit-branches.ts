import type { NodePath, Visitor } from '@babel/core';
import { made, mark, t } from './babel.js';
import { act, num, report } from './probe-calls.js';
import { toBlock } from './statements.js';
import type { Transform } from './transform.js';

/**
 * Branch decisions: an if's test, a loop's condition, a ternary's test and a short-circuit's left
 * side report which way they went (`br`), and each switch case that runs reports itself (`bk`).
 * Each way is a site of its own; sparse, it lists the quiet statements its block starts with.
 */
export function branchVisitor(x: Transform): Visitor {
  return {
    IfStatement: {
      enter(p) {
        if (!x.owner(p)) return;
        toBlock(p.node, 'consequent');
        toBlock(p.node, 'alternate');
      },
      exit(p) {
        const fn = x.owner(p);
        if (!fn || made.has(p.node.test)) return;
        const name = x.nameOf(fn);
        const own = x.ownerOf(p);
        const yes = x.siteOf('branch', p.node.consequent, name, x.sparseBranch(p.node.consequent, own));
        const no = x.siteOf('branch', p.node.alternate ?? p.node, name, x.branchOut(p, own));
        p.node.test = x.branch(p.node.test, yes, no);
      },
    },
    Loop: {
      enter(p) {
        if (x.owner(p)) toBlock(p.node, 'body');
      },
      exit(p) {
        const fn = x.owner(p);
        const node = p.node;
        if (!fn || !('test' in node) || !node.test || made.has(node.test)) return;
        const name = x.nameOf(fn);
        const own = x.ownerOf(p);
        // a do-while body first runs without a branch before it: its block starts with a report
        const body = t.isDoWhileStatement(node) ? undefined : node.body;
        node.test = x.branch(node.test, x.siteOf('branch', node.body, name, x.sparseBranch(body, own)), x.siteOf('branch', node, name, x.branchOut(p, own)));
      },
    },
    ConditionalExpression: {
      exit(p) {
        const fn = x.owner(p);
        if (!fn || made.has(p.node.test)) return;
        const name = x.nameOf(fn);
        const own = x.ownerOf(p);
        p.node.test = x.branch(p.node.test, x.siteOf('branch', p.node.consequent, name, x.sparseBranch(undefined, own)), x.siteOf('branch', p.node.alternate, name, x.sparseBranch(undefined, own)));
      },
    },
    LogicalExpression: {
      exit(p) {
        const fn = x.owner(p);
        const node = p.node;
        if (!fn || node.operator === '??' || made.has(node.left)) return;
        const name = x.nameOf(fn);
        const own = x.ownerOf(p);
        const right = x.siteOf('branch', node.right, name, x.sparseBranch(undefined, own));
        const short = x.siteOf('branch', node, name, x.sparseBranch(undefined, own));
        node.left = node.operator === '&&' ? x.branch(node.left, right, short) : x.branch(node.left, short, right);
      },
    },
    SwitchCase: {
      enter(p) {
        const fn = x.owner(p);
        if (!fn || made.has(p.node)) return;
        mark(p.node);
        const site = x.siteOf('branch', p.node, x.nameOf(fn));
        p.node.consequent.unshift(report('bk', num(site), act()));
        if (x.sparse) x.caseSites.set(p.node, site);
      },
      exit(p) {
        // sparse: the case's run is known once its statements are instrumented (same site id as dense)
        const site = x.caseSites.get(p.node);
        if (site === undefined) return;
        x.caseSites.delete(p.node);
        x.sites[site] = { ...x.sites[site]!, ...x.sparseBranch(p.node, p.parentPath ? x.ownerOf(p.parentPath as NodePath) : undefined) };
      },
    },
  };
}
