/** What instrumented code calls things: a function's readable name, the names a value point can see. */
import type { NodePath, types as T } from '@babel/core';
import { ANONYMOUS } from '../trace/index.js';
import { t } from './babel.js';

/** The methods of a router (Express, Fastify, Koa's and Hono's) that register a route's handler for an HTTP method. */
const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'all']);

/** A route's path: it starts with `/` (or is `*`), which a cache's or a map's key rarely does. */
const isRoutePath = (text: string | null | undefined): text is string => text != null && /^[/*]/.test(text);

/**
 * A route's handler, the last argument of `app.get('/users/:id', ..., (req, res) => ...)`, is
 * named by its route (`GET /users/:id`), as tracing tools name requests: a service's handlers are
 * mostly anonymous, and a route says more than where one is defined. A path is a string that
 * starts with `/` (or `*`), which a cache's or a map's `get('key', fallback)` does not.
 */
function routeHandler(fn: FnPath): string | undefined {
  const call = fn.parentPath.node;
  if (!t.isCallExpression(call) || call.arguments.length < 2 || call.arguments.at(-1) !== fn.node) return undefined;
  const method = call.callee;
  if (!t.isMemberExpression(method) || method.computed || !t.isIdentifier(method.property) || !ROUTE_METHODS.has(method.property.name)) return undefined;
  const first = call.arguments[0];
  const route = t.isStringLiteral(first) ? first.value : t.isTemplateLiteral(first) && first.expressions.length === 0 ? first.quasis[0]!.value.cooked : undefined;
  return isRoutePath(route) ? `${method.property.name.toUpperCase()} ${route}` : undefined;
}

/**
 * A route declared as an object, `fastify.route({ method: 'GET', url: '/users/:id', handler })` (hapi
 * spells `url` `path`): its `handler`, a function written there, is named by the route as well.
 */
function routeObjectHandler(fn: FnPath): string | undefined {
  const property = t.isObjectMethod(fn.node) ? fn.node : fn.parentPath.node;
  if (!(t.isObjectProperty(property) || t.isObjectMethod(property)) || property.computed || !t.isIdentifier(property.key, { name: 'handler' })) return undefined;
  if (t.isObjectProperty(property) && property.value !== fn.node) return undefined;
  const route = (t.isObjectMethod(fn.node) ? fn.parentPath : fn.parentPath.parentPath)?.node;
  if (!t.isObjectExpression(route)) return undefined;
  const value = (name: string): T.Node | undefined => route.properties.find((q): q is T.ObjectProperty => t.isObjectProperty(q) && !q.computed && t.isIdentifier(q.key, { name }))?.value;
  const methods = value('method');
  const verbs = t.isStringLiteral(methods) ? [methods.value] : t.isArrayExpression(methods) && methods.elements.every((e) => t.isStringLiteral(e)) ? methods.elements.map((e) => (e as T.StringLiteral).value) : [];
  const url = value('url') ?? value('path');
  if (verbs.length === 0 || !t.isStringLiteral(url) || !isRoutePath(url.value)) return undefined;
  return `${verbs.map((v) => v.toUpperCase()).join(',')} ${url.value}`;
}

/**
 * The names in scope at a value point, innermost scope first within each group: what `info locals`
 * lists. Names are only those written in the source (the instrumenter's own are left out), and a
 * let/const/class of the current function appears only once the point is past its declaration.
 */
export interface ScopeNames {
  readonly args: readonly string[];
  readonly locals: readonly string[];
  /** Bindings of the enclosing functions the function closes over. */
  readonly closure: readonly string[];
  /** Top-level bindings of the module (imports left out). */
  readonly module: readonly string[];
}

type FnPath = NodePath<T.Function>;
type Binding = NodePath['scope']['bindings'][string];

/** A readable name: the function's own, else a route's (routeHandler, routeObjectHandler), else what it is assigned to (`const f = ...`, `{ f: ... }`, `f = ...`), else `<anonymous>`. */
export function functionName(fn: FnPath): string {
  const node = fn.node;
  if ((t.isFunctionDeclaration(node) || t.isFunctionExpression(node)) && node.id) return node.id.name;
  const route = routeHandler(fn) ?? routeObjectHandler(fn);
  if (route) return route;
  if (t.isClassMethod(node) || t.isObjectMethod(node) || t.isClassPrivateMethod(node)) {
    // a getter and its setter share the name, so `break Cart.total` stops in both
    return classMember(fn, node.key);
  }
  // walk up through wrappers such as `workflow('name', async () => ...)` to the binding; a callback
  // of a method call (`xs.map((x) => ...)`) is not what the call's result is assigned to
  let p: NodePath | null = fn.parentPath;
  for (let hops = 0; p && hops < 3; hops++, p = p.parentPath) {
    const n = p.node;
    if (t.isVariableDeclarator(n) && t.isIdentifier(n.id)) return n.id.name;
    if (t.isObjectProperty(n) && t.isIdentifier(n.key)) return n.key.name;
    if (t.isAssignmentExpression(n) && t.isIdentifier(n.left)) return n.left.name;
    if (t.isAssignmentExpression(n) && t.isMemberExpression(n.left) && t.isIdentifier(n.left.property)) return n.left.property.name;
    if ((t.isClassProperty(n) || t.isClassPrivateProperty(n)) && n.value === fn.node) return classMember(p, n.key);
    const wrapper = t.isCallExpression(n) && t.isIdentifier(n.callee);
    if (!wrapper && !t.isTSAsExpression(n) && !t.isParenthesizedExpression(n)) break;
  }
  return ANONYMOUS;
}

/**
 * The names a value point at source offset `at` inside `fn` can see, from Babel's scope analysis.
 * Inner bindings shadow outer ones of the same name.
 */
export function scopeNames(p: NodePath, fn: FnPath, at: number): ScopeNames {
  const out = { args: [] as string[], locals: [] as string[], closure: [] as string[], module: [] as string[] };
  const blocks: string[][] = []; // the function's own block scopes, innermost first
  const seen = new Set<string>();
  for (let scope: NodePath['scope'] | undefined = p.scope; scope; scope = scope.parent) {
    const block: string[] = [];
    blocks.push(block);
    const own = scope.path === fn || scope.path.isDescendant(fn);
    for (const [name, b] of Object.entries(scope.bindings)) {
      // imports and a class's own name are not variables anyone looks for
      if (seen.has(name) || name.startsWith('__hs') || b.kind === 'module' || (b.kind === 'local' && scope.path.isClass())) continue;
      // of the enclosing functions, only what this function uses (what V8 would have kept alive)
      if (!own && !scope.path.isProgram() && !uses(b, fn)) continue;
      // a let/const/class of this function is only shown once declared (before, it is in its dead zone)
      const declared = (b.identifier.start ?? 0) < at || b.kind === 'var' || b.kind === 'hoisted' || b.kind === 'param';
      if (own && !declared) continue;
      seen.add(name);
      const group = scope.path.isProgram() ? out.module : !own ? out.closure : b.kind === 'param' ? out.args : block;
      group.push(name);
    }
  }
  // locals in the order they were written: the function's outermost block first
  out.locals = blocks.reverse().flat();
  return out;
}

/** `Class.key` for a member of a named class, else `key`. */
function classMember(at: NodePath, key: T.Node): string {
  const name = t.isIdentifier(key) ? key.name : t.isPrivateName(key) ? `#${key.id.name}` : t.isStringLiteral(key) ? key.value : '<computed>';
  const cls = at.findParent((q) => q.isClass());
  const clsName = cls && (cls.node as T.Class).id ? (cls.node as T.Class).id!.name : undefined;
  return clsName ? `${clsName}.${name}` : name;
}

function uses(b: Binding, fn: FnPath): boolean {
  return b.referencePaths.some((r) => r.isDescendant(fn)) || b.constantViolations.some((r) => r.isDescendant(fn));
}
