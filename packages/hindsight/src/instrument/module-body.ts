/**
 * A module's body as a frame of its own (the `modules` option): which top-level statements can go
 * inside its try blocks, and declarations split so that their initializers run inside one while
 * their bindings stay at the top level.
 */
import type { NodePath, types as T } from '@babel/core';
import { mark, t } from './babel.js';
import { bare, retarget, walk } from './patterns.js';

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

/** TypeScript's own declarations (types, `declare`, enums, namespaces): they stay where they are (see guardBody for what runs in an enum or a namespace). */
function typeScriptOnly(node: T.Node): boolean {
  return node.type.startsWith('TS') || (node as { declare?: boolean | null }).declare === true;
}

/**
 * A top-level statement with no code that runs where it stands: an import, a re-export, a type.
 * An export's declaration is asked as the same declaration not exported is (an enum or a
 * namespace runs code either way).
 */
export function runsNothing(node: T.Statement): boolean {
  if (t.isImportDeclaration(node) || t.isExportAllDeclaration(node)) return true;
  if (t.isExportNamedDeclaration(node)) return !node.declaration || t.isFunctionDeclaration(node.declaration) || runsNothing(node.declaration);
  if (t.isExportDefaultDeclaration(node)) return t.isFunctionDeclaration(node.declaration) || t.isTSDeclareFunction(node.declaration) || t.isTSInterfaceDeclaration(node.declaration);
  return t.isTSInterfaceDeclaration(node) || t.isTSTypeAliasDeclaration(node) || t.isTSDeclareFunction(node) || (node as { declare?: boolean | null }).declare === true;
}

/** A top-level statement that cannot go into a block: it declares what other code sees (or is an import or export). */
export function staysAtTopLevel(node: T.Statement): boolean {
  return t.isImportOrExportDeclaration(node) || t.isFunctionDeclaration(node) || t.isClassDeclaration(node) || t.isVariableDeclaration(node) || typeScriptOnly(node);
}

type Named = T.ClassDeclaration & { id: T.Identifier };
type Where = { readonly loc: T.SourceLocation | null | undefined };

/**
 * A top-level declaration whose initializers may run code: a var, let or const (exported or not),
 * a class that runs code as it is defined, a decorated class (exported as `default` too), or
 * `export default <expression>`.
 */
export type Declaration = Where &
  (
    | { readonly variables: T.VariableDeclaration; readonly exported: boolean }
    | { readonly cls: Named; readonly exported: boolean }
    | { readonly decorated: Named; readonly exported: boolean | 'default' }
    | { readonly value: T.Expression }
  );

/** Decorators anywhere in a class (on it, a member, a constructor's parameter): they are applied as it is defined. */
function decorated(node: T.Class): boolean {
  const has = (n: object): boolean => ((n as { decorators?: unknown[] | null }).decorators?.length ?? 0) > 0;
  return has(node) || node.body.body.some((m) => has(m) || ('params' in m && m.params.some(has)));
}

/**
 * A named class whose definition runs code (its `extends`, a computed key, a static field or
 * block): an error there is the module's. An abstract one too (tsx compiles a class expression's
 * abstract members away as a declaration's); not a declared one, nor a decorated one (see
 * computeFirst).
 */
function classRunsCode(node: T.ClassDeclaration): node is Named {
  if (!node.id || node.declare || decorated(node)) return false;
  if (node.superClass) return true;
  return node.body.body.some((m) => t.isStaticBlock(m) || ('computed' in m && m.computed) || ('static' in m && m.static && (t.isClassProperty(m) || t.isClassPrivateProperty(m))));
}

/** A named class with decorators, not a declared one (no code). */
function decoratedClass(node: T.Node | null | undefined): node is Named {
  return t.isClassDeclaration(node) && !!node.id && !node.declare && decorated(node);
}

/**
 * In a namespace's body, an exported class is left as written: tsx makes an exported binding
 * there a property of the namespace, read as such by the code in it, where a class keeps a local
 * binding of its own. A class exported as `default` is split only when decorated and named (an
 * anonymous one has no binding to copy out).
 */
export function declarationOf(node: T.Statement, inNamespace = false): Declaration | undefined {
  const { loc } = node;
  if (t.isVariableDeclaration(node) && !node.declare) return { variables: node, exported: false, loc };
  if (t.isExportNamedDeclaration(node) && t.isVariableDeclaration(node.declaration) && !node.declaration.declare) return { variables: node.declaration, exported: true, loc };
  if (t.isExportDefaultDeclaration(node) && t.isExpression(node.declaration)) return { value: node.declaration, loc };
  const asDefault = t.isExportDefaultDeclaration(node);
  const exported = t.isExportNamedDeclaration(node) && !inNamespace;
  const cls = t.isClassDeclaration(node) ? node : exported || asDefault ? node.declaration : undefined;
  if (decoratedClass(cls)) return { decorated: cls, exported: asDefault ? 'default' : exported, loc };
  if (!asDefault && t.isClassDeclaration(cls) && classRunsCode(cls)) return { cls, exported, loc };
  return undefined;
}

/**
 * An initializer that runs no code (nothing to guard), or whose function or class takes its name
 * from the binding (computed into a temporary, it would be named after the temporary).
 */
function runsNoCode(init: T.Expression | null | undefined): boolean {
  if (!init) return true;
  const e = bare(init);
  if (t.isTemplateLiteral(e)) return e.expressions.length === 0;
  return t.isLiteral(e) || t.isFunctionExpression(e) || t.isArrowFunctionExpression(e) || t.isClassExpression(e);
}

/**
 * A top-level declaration, one binding at a time (a later initializer may read an earlier
 * binding): what computes its initializers first, in the module's guard, into temporaries, and
 * the declaration that then only reads them. A destructuring pattern is computed whole, its
 * defaults and computed keys too, where it keeps its meaning so (see retarget): its own errors
 * then are the module's too.
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
  if ('decorated' in d) {
    // tsx applies decorators in statements after the class (legacy and standard ones alike, whichever
    // the tsconfig chooses), and a decorated class cannot be an expression: it is defined in a block
    // of its own in the guard, its binding copied out (`{ @f class A {} __hs_t0 = A; }`, then `let A = __hs_t0`)
    const { decorated: cls } = d;
    const T = temp();
    const name = () => t.identifier(cls.id.name);
    const computed = mark(t.blockStatement([cls, assign(T, name())]));
    const binding = at(t.variableDeclaration('let', [t.variableDeclarator(name(), t.identifier(T.name))]));
    if (d.exported !== 'default') return [{ computed: [computed], declared: exporting(binding, d.exported) }];
    return [
      { computed: [computed], declared: binding },
      { computed: [], declared: at(t.exportNamedDeclaration(null, [t.exportSpecifier(name(), t.identifier('default'))])) },
    ];
  }
  if ('cls' in d) {
    // `class A extends B {}` is `let A = (class A extends B {})` (its binding is a let's; the class's own name binding is kept)
    const { cls } = d;
    const T = temp();
    const expression = t.classExpression(cls.id, cls.superClass, cls.body);
    Object.assign(expression, { superTypeParameters: cls.superTypeParameters, implements: cls.implements, typeParameters: cls.typeParameters, loc: cls.loc });
    // `(0, class ...)`: V8 puts the module's call of its static initializers at the class (not at the temporary, whose name a source map would give that frame)
    return [{ computed: [assign(T, t.sequenceExpression([t.numericLiteral(0), expression]))], declared: exporting(at(t.variableDeclaration('let', [t.variableDeclarator(t.identifier(cls.id.name), t.identifier(T.name))])), d.exported) }];
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

/** What guards a body: temporaries, the try/catch that reports the module's Throw, and the enums that merge. */
export interface Guarding {
  readonly temp: () => T.Identifier;
  readonly guard: (code: T.Statement[]) => T.Statement;
  readonly merged: ReadonlySet<string>;
}

/**
 * A module's body (or a namespace's, the same way) as the module's frame runs it: each run of
 * statements that may go into a block gets a guard of its own, a declaration stays where it is,
 * its initializers computed just before, in the guard (computeFirst), and so are an enum's. A
 * namespace's body runs where it stands, in a function of tsx's: its own statements are guarded.
 */
export function guardBody(statements: T.Statement[], g: Guarding, inNamespace = false): T.Statement[] {
  const body: T.Statement[] = [];
  let guarded: T.Statement[] = [];
  const close = () => {
    if (guarded.length > 0) body.push(g.guard(guarded));
    guarded = [];
  };
  for (const node of statements) {
    const inner = t.isExportNamedDeclaration(node) && node.declaration ? node.declaration : node;
    const block = t.isTSModuleDeclaration(inner) ? namespaceBlock(inner) : undefined;
    if (block) block.body = guardBody(block.body, g, true);
    const first = t.isTSEnumDeclaration(inner) ? enumFirst(inner, g) : [];
    const split = declarationOf(node, inNamespace);
    if (first.length > 0) {
      guarded.push(...first);
      close();
      body.push(node);
    } else if (split) {
      for (const { computed, declared } of computeFirst(split, g.temp)) {
        guarded.push(...computed);
        close();
        body.push(declared);
      }
    } else if (staysAtTopLevel(node)) {
      close();
      body.push(node);
    } else guarded.push(node);
  }
  close();
  return body;
}

/** A namespace's statements (`namespace A.B { ... }`'s innermost), not a declared one's (no code). */
function namespaceBlock(node: T.TSModuleDeclaration): T.TSModuleBlock | undefined {
  if (node.declare || node.kind === 'global' || t.isStringLiteral(node.id)) return undefined;
  let body: T.TSModuleBlock | T.TSModuleDeclaration = node.body;
  while (t.isTSModuleDeclaration(body)) body = body.body;
  return body;
}

/** The names more than one enum or namespace of the file declares: their members merge. */
export function mergedNames(program: T.Program): Set<string> {
  const seen = new Set<string>();
  const merged = new Set<string>();
  t.traverseFast(program, (n) => {
    if (!(t.isTSEnumDeclaration(n) || t.isTSModuleDeclaration(n)) || !t.isIdentifier(n.id)) return;
    if (seen.has(n.id.name)) merged.add(n.id.name);
    seen.add(n.id.name);
  });
  return merged;
}

/**
 * An initializer tsx may compute as it compiles (a constant of the enum, then inlined where it is
 * read, and the next member's value counted from it): literals, operators, names and properties.
 */
function mayFold(e: T.Node): boolean {
  if (t.isLiteral(e) && !t.isTemplateLiteral(e)) return !t.isRegExpLiteral(e);
  if (t.isTemplateLiteral(e)) return e.expressions.every(mayFold);
  if (t.isUnaryExpression(e)) return mayFold(e.argument);
  if (t.isBinaryExpression(e) || t.isLogicalExpression(e)) return mayFold(e.left) && mayFold(e.right);
  if (t.isConditionalExpression(e)) return mayFold(e.test) && mayFold(e.consequent) && mayFold(e.alternate);
  if (t.isIdentifier(e)) return true;
  if (t.isMemberExpression(e)) return mayFold(e.object) && (!e.computed || t.isStringLiteral(e.property));
  if (t.isExpression(e) && bare(e) !== e) return mayFold(bare(e));
  return false;
}

/**
 * An enum whose initializers run code (`A = f()`): they are computed first, in the guard, each in
 * an arrow of its own as tsx's enum function calls them (`__hs_t0 = (() => f())()`), and the enum
 * reads the temporaries. Only where nothing can tell the difference: all of them or none; not a
 * `const` or declared enum, nor one that merges with another (the enum's object would already be
 * there to read, as its members are set), nor an initializer that names the enum, one of its
 * members, or `eval`; an initializer tsx may fold into a constant stays (see mayFold).
 */
function enumFirst(node: T.TSEnumDeclaration, g: Guarding): T.Statement[] {
  if (node.declare || node.const || g.merged.has(node.id.name)) return [];
  const names = new Set([node.id.name, 'eval', ...node.members.map((m) => (t.isIdentifier(m.id) ? m.id.name : m.id.value))]);
  const running = node.members.filter((m) => m.initializer && !mayFold(m.initializer));
  for (const m of running) {
    let mentions = false;
    walk(m.initializer!, (n, parent) => {
      const property = (t.isMemberExpression(parent) || t.isObjectProperty(parent)) && !parent.computed && n !== (t.isMemberExpression(parent) ? parent.object : parent.value);
      if (t.isIdentifier(n) && names.has(n.name) && !property) mentions = true;
    });
    if (mentions) return [];
  }
  return running.map((m) => {
    const T = g.temp();
    const named = t.memberExpression(t.objectExpression([t.objectProperty(t.stringLiteral(node.id.name), mark(t.arrowFunctionExpression([], m.initializer!)), true)]), t.identifier(node.id.name));
    named.property.loc = node.id.loc ?? null;
    const call = mark(t.callExpression(t.sequenceExpression([t.numericLiteral(0), named]), []));
    call.loc = node.id.loc ?? null;
    const computed = mark(t.expressionStatement(mark(t.assignmentExpression('=', T, call))));
    computed.loc = m.loc ?? null;
    m.initializer = t.identifier(T.name);
    return computed;
  });
}
