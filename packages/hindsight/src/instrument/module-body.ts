/**
 * A module's body as a frame of its own (the `modules` option): which top-level statements can go
 * inside its try blocks, and declarations split so that their initializers run inside one while
 * their bindings stay at the top level.
 */
import type { NodePath, types as T } from '@babel/core';
import { mark, t } from './babel.js';

/** A module's top-level await (or `for await`): its body is then an async activation. */
export function awaitsAtTopLevel(p: NodePath<T.Program>): boolean {
  let found = false;
  p.traverse({
    Function(q) {
      q.skip();
    },
    AwaitExpression() {
      found = true;
    },
    ForOfStatement(q) {
      if (q.node.await) found = true;
    },
  });
  return found;
}

/** TypeScript's own declarations (types, `declare`, enums, namespaces): they stay as written. */
function typeScriptOnly(node: T.Node): boolean {
  return node.type.startsWith('TS') || (node as { declare?: boolean | null }).declare === true;
}

/** A top-level statement with no code that runs where it stands: an import, a re-export, a type. */
export function runsNothing(node: T.Statement): boolean {
  if (t.isImportDeclaration(node) || t.isExportAllDeclaration(node)) return true;
  if (t.isExportNamedDeclaration(node)) return !node.declaration || t.isFunctionDeclaration(node.declaration) || typeScriptOnly(node.declaration);
  if (t.isExportDefaultDeclaration(node)) return t.isFunctionDeclaration(node.declaration) || t.isTSDeclareFunction(node.declaration) || t.isTSInterfaceDeclaration(node.declaration);
  return t.isTSInterfaceDeclaration(node) || t.isTSTypeAliasDeclaration(node) || t.isTSDeclareFunction(node) || (node as { declare?: boolean | null }).declare === true;
}

/** A top-level statement that cannot go into a block: it declares what other code sees (or is an import or export). */
export function staysAtTopLevel(node: T.Statement): boolean {
  return t.isImportOrExportDeclaration(node) || t.isFunctionDeclaration(node) || t.isClassDeclaration(node) || t.isVariableDeclaration(node) || typeScriptOnly(node);
}

/**
 * A top-level declaration whose initializers may run code: a var, let or const (exported or not),
 * a class that runs code as it is defined, or `export default <expression>`.
 */
export type Declaration =
  | { readonly variables: T.VariableDeclaration; readonly exported: boolean; readonly loc: T.SourceLocation | null | undefined }
  | { readonly cls: T.ClassDeclaration & { id: T.Identifier }; readonly exported: boolean; readonly loc: T.SourceLocation | null | undefined }
  | { readonly value: T.Expression; readonly loc: T.SourceLocation | null | undefined };

/**
 * A named class whose definition runs code (its `extends`, a computed key, a static field or
 * block): an error there is the module's. Not one with decorators, nor TypeScript's abstract or
 * declared classes (no class expression says the same).
 */
function classRunsCode(node: T.ClassDeclaration): node is T.ClassDeclaration & { id: T.Identifier } {
  if (!node.id || node.declare || node.abstract || (node.decorators?.length ?? 0) > 0) return false;
  if (node.superClass) return true;
  return node.body.body.some((m) => t.isStaticBlock(m) || ('computed' in m && m.computed) || ('static' in m && m.static && (t.isClassProperty(m) || t.isClassPrivateProperty(m))));
}

export function declarationOf(node: T.Statement): Declaration | undefined {
  if (t.isVariableDeclaration(node) && !node.declare) return { variables: node, exported: false, loc: node.loc };
  if (t.isExportNamedDeclaration(node) && t.isVariableDeclaration(node.declaration) && !node.declaration.declare) return { variables: node.declaration, exported: true, loc: node.loc };
  if (t.isExportDefaultDeclaration(node) && t.isExpression(node.declaration)) return { value: node.declaration, loc: node.loc };
  if (t.isClassDeclaration(node) && classRunsCode(node)) return { cls: node, exported: false, loc: node.loc };
  if (t.isExportNamedDeclaration(node) && t.isClassDeclaration(node.declaration) && classRunsCode(node.declaration)) return { cls: node.declaration, exported: true, loc: node.loc };
  return undefined;
}

/**
 * An initializer that runs no code (nothing to guard), or whose function or class takes its name
 * from the binding (computed into a temporary, it would be named after the temporary).
 */
function runsNoCode(init: T.Expression | null | undefined): boolean {
  let e = init;
  while (e && (t.isTSAsExpression(e) || t.isTSSatisfiesExpression(e) || t.isTSNonNullExpression(e) || t.isParenthesizedExpression(e) || t.isTSTypeAssertion(e))) e = e.expression;
  if (!e) return true;
  if (t.isTemplateLiteral(e)) return e.expressions.length === 0;
  return t.isLiteral(e) || t.isFunctionExpression(e) || t.isArrowFunctionExpression(e) || t.isClassExpression(e);
}

/**
 * A top-level declaration, one binding at a time (a later initializer may read an earlier
 * binding): what computes its initializers first, in the module's guard, into temporaries, and
 * the declaration that then only reads them. A destructuring pattern is computed whole when it
 * has no defaults or computed keys (its own errors then are the module's too).
 */
export function computeFirst(d: Declaration, temp: () => T.Identifier): { computed: T.Statement[]; declared: T.Statement }[] {
  const at = <N extends T.Node>(n: N): N => {
    n.loc = d.loc ?? null;
    return mark(n);
  };
  const assign = (target: T.LVal, value: T.Expression) => at(t.expressionStatement(t.assignmentExpression('=', target, value)));
  const exporting = (v: T.VariableDeclaration, exported: boolean): T.Statement => (exported ? at(t.exportNamedDeclaration(v, [])) : v);
  if ('value' in d) {
    if (runsNoCode(d.value)) return [{ computed: [], declared: at(t.exportDefaultDeclaration(d.value)) }];
    const T = temp();
    return [{ computed: [assign(T, d.value)], declared: at(t.exportDefaultDeclaration(t.identifier(T.name))) }];
  }
  if ('cls' in d) {
    // `class A extends B {}` is `let A = (class A extends B {})` (its binding is a let's; the class's own name binding is kept)
    const { cls } = d;
    const T = temp();
    const expression = t.classExpression(cls.id, cls.superClass, cls.body);
    Object.assign(expression, { superTypeParameters: cls.superTypeParameters, implements: cls.implements, typeParameters: cls.typeParameters });
    return [{ computed: [assign(T, expression)], declared: exporting(at(t.variableDeclaration('let', [t.variableDeclarator(t.identifier(cls.id.name), t.identifier(T.name))])), d.exported) }];
  }
  const { variables, exported } = d;
  const declaration = (declarators: T.VariableDeclarator[]): T.Statement => exporting(at(t.variableDeclaration(variables.kind, declarators)), exported);
  return variables.declarations.map((v) => {
    if (runsNoCode(v.init)) return { computed: [], declared: declaration([v]) };
    const init = v.init!;
    const pairs: [T.LVal, T.Identifier][] = [];
    const target = t.isIdentifier(v.id) ? undefined : retarget(v.id, pairs, temp);
    if (target) return { computed: [assign(target, init)], declared: declaration(pairs.map(([id, T]) => t.variableDeclarator(id, t.identifier(T.name)))) };
    const T = temp();
    return { computed: [assign(T, init)], declared: declaration([t.variableDeclarator(v.id, t.identifier(T.name))]) };
  });
}

/** A destructuring pattern with each binding replaced by a temporary (`pairs` says which), or undefined when it has defaults or computed keys. */
function retarget(pattern: T.Node, pairs: [T.LVal, T.Identifier][], temp: () => T.Identifier): T.LVal | undefined {
  if (t.isIdentifier(pattern)) {
    const T = temp();
    pairs.push([pattern, T]);
    return T;
  }
  if (t.isRestElement(pattern)) {
    const arg = retarget(pattern.argument, pairs, temp);
    return arg && t.restElement(arg as Parameters<typeof t.restElement>[0]);
  }
  if (t.isObjectPattern(pattern)) {
    const properties: (T.ObjectProperty | T.RestElement)[] = [];
    for (const prop of pattern.properties) {
      if (t.isRestElement(prop)) {
        const rest = retarget(prop, pairs, temp);
        if (!rest) return undefined;
        properties.push(rest as T.RestElement);
        continue;
      }
      if (prop.computed) return undefined;
      const value = retarget(prop.value, pairs, temp);
      if (!value) return undefined;
      properties.push(t.objectProperty(t.cloneNode(prop.key), value as T.PatternLike));
    }
    return t.objectPattern(properties);
  }
  if (t.isArrayPattern(pattern)) {
    const elements: (T.PatternLike | null)[] = [];
    for (const el of pattern.elements) {
      if (el === null) {
        elements.push(null);
        continue;
      }
      const out = retarget(el, pairs, temp);
      if (!out) return undefined;
      elements.push(out as T.PatternLike);
    }
    return t.arrayPattern(elements);
  }
  return undefined;
}
