/**
 * A top-level destructuring declaration computed in the module's guard: its pattern assigned there
 * with each binding replaced by a temporary (`({ a: __hs_t1 = f() } = __hs_t0)`), so that its
 * defaults, its computed keys and the destructuring itself throw inside the guard, and the
 * declaration after it only reads the temporaries.
 */
import type { types as T } from '@babel/core';
import { t } from './babel.js';

/** Where a node holds types, never values: not walked. */
const TYPE_KEYS = new Set(['typeAnnotation', 'typeParameters', 'typeArguments', 'superTypeParameters', 'returnType', 'implements', 'predicate']);
const TS_EXPRESSIONS = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'TSInstantiationExpression']);

/** The expression under parentheses and TypeScript's assertions (which tsx strips). */
export function bare(e: T.Expression): T.Expression {
  let x = e;
  while (t.isTSAsExpression(x) || t.isTSSatisfiesExpression(x) || t.isTSNonNullExpression(x) || t.isParenthesizedExpression(x) || t.isTSTypeAssertion(x)) x = x.expression;
  return x;
}

/** A function or class the binding it initializes names: assigned to a temporary, it would be named after the temporary. */
function anonymous(e: T.Expression): boolean {
  const x = bare(e);
  return t.isArrowFunctionExpression(x) || ((t.isFunctionExpression(x) || t.isClassExpression(x)) && !x.id);
}

/** The nodes of an expression with their parents, types left out; `inner` says inside a function or class it makes. */
export function walk(node: T.Node, visit: (node: T.Node, parent: T.Node | undefined, grand: T.Node | undefined, inner: boolean) => void, parent?: T.Node, grand?: T.Node, inner = false): void {
  if (node.type.startsWith('TS') && !TS_EXPRESSIONS.has(node.type)) return;
  visit(node, parent, grand, inner);
  const within = inner || t.isFunction(node) || t.isClass(node);
  for (const key of t.VISITOR_KEYS[node.type] ?? []) {
    if (TYPE_KEYS.has(key)) continue;
    const child = (node as unknown as Record<string, unknown>)[key];
    for (const c of Array.isArray(child) ? child : [child]) if (c && typeof (c as T.Node).type === 'string') walk(c as T.Node, visit, node, parent, within);
  }
}

/** An identifier the code assigns (rather than reads). */
function written(node: T.Identifier, parent: T.Node, grand: T.Node | undefined): boolean {
  if (t.isAssignmentExpression(parent) || t.isAssignmentPattern(parent)) return parent.left === node;
  if (t.isUpdateExpression(parent) || t.isArrayPattern(parent) || t.isRestElement(parent)) return true;
  return t.isObjectProperty(parent) && parent.value === node && t.isObjectPattern(grand);
}

/**
 * A pattern with each binding replaced by a temporary (`pairs` says which), or undefined when it
 * cannot be computed so with the same meaning. A default or a computed key runs with the bindings
 * before it in the pattern already made: its reads of them read their temporaries. Left as written
 * (undefined): a default that is an anonymous function or class (the binding names it), a binding
 * made earlier in the pattern that a default or key assigns, or uses in a function or class of its
 * own (it would be called with the binding still unmade), and a direct `eval` there.
 */
export function retarget(pattern: T.Node, pairs: [T.LVal, T.Identifier][], temp: () => T.Identifier): T.LVal | undefined {
  const bound = new Map<string, string>();
  // applied once the whole pattern is known to be computed so (else the declaration stays as written)
  const edits: (() => void)[] = [];
  const reads = (e: T.Expression, parent: T.Node): T.Expression | undefined => {
    let ok = true;
    walk(e, (node, parent, grand, inner) => {
      if (!t.isIdentifier(node) || !parent) return;
      if (node.name === 'eval') ok = false;
      const to = bound.get(node.name);
      if (to === undefined) return;
      if (inner || written(node, parent, grand)) ok = false;
      else if (t.isReferenced(node, parent, grand))
        edits.push(() => {
          if (t.isObjectProperty(parent) && parent.shorthand) {
            parent.shorthand = false;
            parent.key = t.identifier(node.name);
          }
          node.name = to;
        });
    }, parent);
    return ok ? e : undefined;
  };
  // where the original is: an error in destructuring points there
  const at = <N extends T.Node>(n: N, from: T.Node): N => {
    n.loc = from.loc ?? null;
    return n;
  };
  const each = (p: T.Node): T.LVal | undefined => {
    if (t.isIdentifier(p)) {
      const T = temp();
      pairs.push([p, T]);
      bound.set(p.name, T.name);
      return T;
    }
    if (t.isAssignmentPattern(p)) {
      // the default runs before its own binding is made
      if (t.isIdentifier(p.left) && anonymous(p.right)) return undefined;
      const right = reads(p.right, p);
      const left = right && each(p.left);
      return left && at(t.assignmentPattern(left as T.Identifier, right!), p);
    }
    if (t.isRestElement(p)) {
      const arg = each(p.argument);
      return arg && at(t.restElement(arg as Parameters<typeof t.restElement>[0]), p);
    }
    if (t.isObjectPattern(p)) {
      const properties: (T.ObjectProperty | T.RestElement)[] = [];
      for (const prop of p.properties) {
        if (t.isRestElement(prop)) {
          const rest = each(prop);
          if (!rest) return undefined;
          properties.push(rest as T.RestElement);
          continue;
        }
        // its key is computed before its value is taken
        const key = prop.computed ? reads(prop.key as T.Expression, prop) : t.cloneNode(prop.key);
        const value = key && each(prop.value);
        if (!value) return undefined;
        properties.push(at(t.objectProperty(key!, value as T.PatternLike, prop.computed), prop));
      }
      return at(t.objectPattern(properties), p);
    }
    if (t.isArrayPattern(p)) {
      const elements: (T.PatternLike | null)[] = [];
      for (const el of p.elements) {
        const out = el === null ? null : each(el);
        if (out === undefined) return undefined;
        elements.push(out as T.PatternLike | null);
      }
      return at(t.arrayPattern(elements), p);
    }
    return undefined;
  };
  const out = each(pattern);
  if (out) for (const edit of edits) edit();
  return out;
}
