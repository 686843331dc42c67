import path from 'node:path';
import type { types as T, NodePath, Visitor } from '@babel/core';
import { eachChild, loadBabel, made, mark, t } from './babel.js';
import { continuationHost, handOver, hostDeclaration, isContinuation } from './continuations.js';
import { instrumentGenerator } from './generator-body.js';
import { awaitsAtTopLevel, mergedNames, runsNothing } from './module-body.js';
import { isTypeScript } from './output-map.js';
import { ModuleFrame, moduleWhere } from './module-frame.js';
import { act, entryCall, guarded, INSTANCE, num, probe, PROBE, PROGRESS, progressArgs, progressLocal, report, usedProbes } from './probe-calls.js';
import { RUNTIME_KEY } from './runtime.js';
import { reportsItself, simple, startsWith } from './statements.js';
import type { FnPath, Owner, Transform } from './transform.js';
import type { Site } from '../trace/index.js';

/**
 * The names a function's parameters bind, in the order they are written: `(a, { b = 1, c } = {},
 * ...rest)` binds a, b, c and rest (TypeScript's `this` binds none). Babel lists a pattern's
 * bindings in the order it walks them, which a default puts last: they are sorted by position.
 */
function parameterNames(fn: T.Function): string[] {
  return fn.params
    .flatMap((param) => Object.values(t.getBindingIdentifiers(t.isTSParameterProperty(param) ? param.parameter : param, false)).sort((x, y) => (x.start ?? 0) - (y.start ?? 0)))
    .map((id) => id.name)
    .filter((n) => n !== 'this');
}

/**
 * Frames and statements: a function's body is wrapped so that it reports its entry, exit and throw;
 * each statement reports itself (or, sparse, joins the run of the probe before it); a catch or
 * finally reports where it resumed; with `modules`, the module's body is a frame of its own; and
 * the module registers its sites with the runtime as it loads.
 */
export function codeVisitor(x: Transform): Visitor {
  return {
    Function: {
      enter(p) {
        if (made.has(p.node)) return p.skip();
        const body = p.node.body;
        if (!t.isBlockStatement(body)) {
          // `(x) => expr` becomes `(x) => { return expr; }`, so the expression is a statement to stop at
          const ret = t.returnStatement(body);
          ret.loc = body.loc;
          (p.get('body') as NodePath).replaceWith(t.blockStatement([ret]));
        }
        keepOriginal(x, p);
      },
      exit(p) {
        x.inserts.apply(p.node);
        if (made.has(p.node.body)) return;
        wrapFunction(x, p);
      },
    },
    Statement(p) {
      const node = p.node;
      if (made.has(node) || t.isFunctionDeclaration(node) || t.isBlockStatement(node) || t.isEmptyStatement(node)) return;
      const fn = x.owner(p);
      if (!fn) return;
      // of the module's body: an export with code of its own (`export const x = f()`) is a statement; a type is not
      if (fn === x.program ? runsNothing(node) : t.isImportOrExportDeclaration(node)) return;
      const parent = p.parentPath?.node;
      if (!(t.isBlockStatement(parent) || t.isSwitchCase(parent) || t.isProgram(parent)) || p.listKey === undefined) return;
      mark(node); // an enclosing rewrite (an await's operand) may queue it again: instrumented once
      x.statementCounts.set(fn.node, (x.statementCounts.get(fn.node) ?? 0) + 1);
      const flags = statementFlags(p, fn);
      if (x.sparse) reportSparse(x, p, fn, flags);
      else {
        const S = x.siteOf('statement', node, x.nameOf(fn), flags);
        x.statementSites.set(node, S);
        const st = report('st', num(S), act());
        x.inserts.before(p, fn.node, x.values ? [st, x.valuePoint(p, fn as FnPath, node.start ?? 0)] : [st]);
      }
      if (fn === x.program && t.isReturnStatement(node)) {
        x.frame!.returnFrom(p as NodePath<T.ReturnStatement>, x.statementSites);
        x.inserts.retarget(fn.node, node, p.node);
      }
    },
    CallExpression(p) {
      handOver(x, p);
    },
    OptionalCallExpression(p) {
      handOver(x, p);
    },
    CatchClause(p) {
      const fn = x.owner(p);
      if (!fn || made.has(p.node.body)) return;
      p.node.body.body.unshift(x.caught(fn));
    },
    TryStatement(p) {
      const fin = p.node.finalizer;
      const fn = x.owner(p);
      if (!fn || !fin || made.has(fin)) return;
      fin.body.unshift(x.caught(fn));
    },
    Program: {
      enter(p) {
        if (!x.modules) return;
        x.program = p;
        const async = x.options.sourceType !== 'script' && awaitsAtTopLevel(p);
        // the module's frame starts at its first line, where V8 puts the module's own function
        const where = moduleWhere(x.trace, x.file);
        x.name(p.node, `<module ${path.basename(where.file)}>`);
        // only TypeScript has enums and namespaces: the walk is left out of a JavaScript module
        const merged = isTypeScript(x.file) ? mergedNames(p.node) : new Set<string>();
        // it ends after its last statement, where its Exit is shown (a function's at its closing brace)
        const last = p.node.body.at(-1);
        const end = last ? x.endOf(last) : {};
        x.frame = new ModuleFrame(x.sites.push({ kind: 'function', ...where, ...end, functionName: x.nameOf(p), ...(async ? { async: true } : {}), module: true }) - 1, async, x.sparse, merged);
      },
      exit(p) {
        x.inserts.apply(p.node);
        if (x.frame) {
          x.sites[x.frame.site] = { ...x.sites[x.frame.site]!, statements: x.statementCounts.get(p.node) ?? 0, ...(x.sparse ? { run: x.leading.get(p.node) ?? [] } : {}) };
          x.frame.instrument(p, hostDeclaration(x, p.node));
        }
        register(x, p);
      },
    },
  };
}

/** `globalThis[Symbol.for("hindsight.probes")]`: the process's runtime, found through a registered symbol. */
const RUNTIME = `globalThis[Symbol.for(${JSON.stringify(RUNTIME_KEY.description)})]`;

/**
 * The module's registration: `<the runtime>.install(globalThis, id, sites, scopes, methods)` makes
 * the probes it calls globals of this module instance (see ProbeRuntime.install); `table` writes
 * its sites and scopes.
 */
function installSource(x: Transform, p: NodePath<T.Program>, table: (v: unknown) => string): string {
  return `${RUNTIME}.install(globalThis, ${JSON.stringify(INSTANCE)}, ${table(x.sites)}, ${table(x.scopes)}, ${JSON.stringify(usedProbes(p.node))});`;
}

/**
 * Puts the module's registration where it runs before anything of the module, on a line of its
 * own below the module's code where it can: the code keeps its lines (retainLines), and the line
 * Node prints under an uncaught error (from the instrumented code, without source maps) would
 * otherwise hold the whole site table when the error is on the module's first line.
 * - CommonJS: a call first (on the first line), of a function declared on that last line (hoisted).
 * - An ES module: its import is evaluated before the module's other imports only if it comes before
 *   them in the text; without any, it may come last.
 */
function register(x: Transform, p: NodePath<T.Program>): void {
  if (x.options.sourceType === 'script') {
    const [call, declaration] = registration(x, p);
    p.unshiftContainer('body', call);
    p.pushContainer('body', onLineAfter(declaration, p.node));
  } else if (p.node.body.some(requestsModule)) p.unshiftContainer('body', registrationModule(x, p));
  else p.pushContainer('body', onLineAfter(registrationModule(x, p), p.node));
}

/** An import, or an export from another module: the module requests it, in the order of the text. */
function requestsModule(s: T.Statement): boolean {
  return t.isImportDeclaration(s) || t.isExportAllDeclaration(s) || (t.isExportNamedDeclaration(s) && s.source != null);
}

/** The node printed on the line after the program's last (retainLines prints a node on its line). */
function onLineAfter<N extends T.Node>(node: N, program: T.Program): N {
  const line = (program.loc?.end.line ?? 0) + 1;
  node.loc = { start: { line, column: 0, index: 0 }, end: { line, column: 0, index: 0 }, filename: '', identifierName: undefined };
  return node;
}

/**
 * A CommonJS module's registration: its first statement calls a function declared at its end. Its
 * tables are JSON strings it parses: a large module's are megabytes, here one string token each (as
 * literals, as many nodes to make and print), and V8 parses JSON faster than the same literal.
 */
function registration(x: Transform, p: NodePath<T.Program>): [T.Statement, T.Statement] {
  const source = `${REGISTER}();function ${REGISTER}() {${installSource(x, p, (v) => `JSON.parse(${JSON.stringify(JSON.stringify(v))})`)}}`;
  const [call, declaration] = loadBabel().parseSync(source, { configFile: false, babelrc: false, sourceType: 'script' })!.program.body;
  return [mark(call!), mark(declaration!)];
}

const REGISTER = '__hs_register';

/**
 * An ES module's registration, imported from a module of its own (a `data:` URL): the modules a
 * module imports run before its body, and this one first, so a function of it that another
 * module calls before its body has run (a cycle of imports: the other module runs first, as this
 * one's dependency) finds its probes. Its tables are literals, the URL's own JSON: as strings to
 * parse they would be escaped once more.
 */
function registrationModule(x: Transform, p: NodePath<T.Program>): T.ImportDeclaration {
  // percent-encoded only where a URL needs it (a `#` or `?` would end its path, a `%` starts an
  // escape): the site table of a large module is hundreds of kilobytes, and fully encoded, half again
  const url = `data:text/javascript,${installSource(x, p, JSON.stringify).replace(/[%#?]/g, encodeURIComponent)}`;
  const specifier = t.stringLiteral(url);
  specifier.extra = { raw: JSON.stringify(url), rawValue: url }; // printed as it is, not escaped again character by character
  return mark(t.importDeclaration([], specifier));
}

/**
 * A function's body in `try { …; xs } catch { ts }` (`xr` and `ta` for an async one), after the
 * probe of its entry; where a `return` runs a `finally` of its own, in `try { … } catch { th }
 * finally { ex }` (a generator's: generator-body.ts).
 */
function wrapFunction(x: Transform, p: FnPath): void {
  const body = p.node.body as T.BlockStatement;
  const name = x.nameOf(p);
  const params = x.options.captureArgs?.matches(name) ? parameterNames(p.node) : undefined;
  const statements = x.statementCounts.get(p.node) ?? 0;
  const original = !params && statements <= (x.options.demotable ?? -1) ? x.originals.get(p.node) : undefined;
  const F = x.siteOf('function', p.node, name, { statements, ...x.endOf(p.node), ...(p.node.async ? { async: true } : {}), ...(p.node.generator ? { generator: true } : {}), ...(x.sparse ? { run: x.leading.get(body) ?? [] } : {}), ...(params ? { params } : {}), ...(original ? { demotable: true } : {}) });
  if (p.node.generator) return instrumentGenerator(p, F, { sparse: x.sparse, sourceType: x.options.sourceType, valuePoint: x.values ? (q, fn, at) => x.valuePoint(q, fn, at) : undefined, params });
  const host = continuationHost(x, p);
  const method = p.node.async ? 'ea' : original ? 'et' : 'en';
  const enter = host === undefined ? entryCall(method, F, params) : entryCall(`${method}c`, F, params, t.identifier(host));
  const entry: T.Statement[] = [mark(t.variableDeclaration('const', [t.variableDeclarator(act(), enter)])), ...hostDeclaration(x, p.node)];
  if (x.sparse) entry.push(progressLocal());
  if (x.values) entry.push(x.valuePoint(p.get('body') as NodePath, p, body.start ?? 0));
  // A function reports its exit where it returns (`return __hs_xr(F, __hs_a, v)`, `xs` for a sync
  // one), where its body ends (unless by its last return) and where an exception leaves it, rather
  // than in a `finally`: V8 resolves an async function's promise with a value that went through a
  // `finally` by looking its `then` up (0.24 k instructions a request of the benchmark's service,
  // two calls returning objects), and a `finally` is some 40 bytecodes of every function, which V8
  // counts against its inlining budget. Not where a return runs a `finally` of the function's
  // own, nor with a `for await` (its `finally` reports where the loop resumed).
  const own = !x.forAwait.has(p.node) ? ownReturns(body) : undefined;
  let traced: T.Statement[];
  if (own && !own.runFinally) {
    // the values variant's exits are value points too, of what the function returned
    const [exits, throws] = p.node.async ? [x.values ? 'xrv' : 'xr', 'ta'] : [x.values ? 'xsv' : 'xs', 'ts'];
    for (const r of own.returns) r.argument = probe(exits, num(F), act(), ...(r.argument ? [r.argument] : []));
    const ends = t.isReturnStatement(body.body.at(-1)) ? [] : [report(exits, num(F), act())];
    // the throw and the exit in one call: every function's bytecode, counted against V8's inlining budget
    traced = [...entry, guarded([...body.body, ...ends], [report(throws, num(F), act(), ...progressArgs(x.sparse))])];
  } else {
    const exit = [...(x.forAwait.has(p.node) ? [x.caught(p, false)] : []), report(`${p.node.async ? 'xa' : 'ex'}${x.values ? 'v' : ''}`, num(F), act())];
    traced = [...entry, guarded(body.body, [report('th', num(F), act(), ...progressArgs(x.sparse))], exit)];
  }
  p.node.body = mark(t.blockStatement(original ? untilDemoted(F, traced, original) : traced, body.directives));
}

/**
 * The function's own `return` statements (not those of the functions inside it), and whether one
 * of them runs a `finally` of the function's own on the way out (it is in the `try` or `catch`
 * block of a `try` with a `finally`): the exit is then reported after that `finally`, from the
 * function's own (one reported at the `return` would come before its calls).
 */
function ownReturns(body: T.BlockStatement): { returns: T.ReturnStatement[]; runFinally: boolean } {
  const returns: T.ReturnStatement[] = [];
  let runFinally = false;
  const walk = (node: T.Node, inTry: boolean): void => {
    if (t.isFunction(node)) return;
    if (node.type === 'ReturnStatement') {
      returns.push(node);
      runFinally ||= inTry;
    }
    if (node.type === 'TryStatement' && node.finalizer) {
      walk(node.block, true);
      if (node.handler) walk(node.handler, true);
      walk(node.finalizer, inTry);
    } else eachChild(node, (child) => walk(child, inTry));
  };
  walk(body, false);
  return { returns, runFinally };
}

/**
 * With `demotable`, a copy of the code of a function that may be demoted, taken before its
 * statements are instrumented: a sync function, not a generator or a constructor (a copy would
 * call super() in a block of its own), with few enough statements at its top level to be under
 * the limit (counted again at its exit, nested blocks included), and no function or class
 * declared in it (two copies of a hoisted declaration would be one too many).
 */
function keepOriginal(x: Transform, p: FnPath): void {
  const limit = x.options.demotable;
  const node = p.node;
  const body = node.body as T.BlockStatement;
  if (!limit || node.async || node.generator || (t.isClassMethod(node) && node.kind === 'constructor') || body.body.length > limit || isContinuation(p)) return;
  if (body.body.some(declares)) return;
  const copy = body.body.map((s) => t.cloneNode(s, true));
  for (const s of copy) t.traverseFast(s, (n) => void made.add(n)); // the copy is never instrumented
  x.originals.set(node, copy);
}

/** Whether `node` is or holds a function or class declaration, not one inside a function of its own. */
function declares(node: T.Node): boolean {
  if (t.isFunctionDeclaration(node) || t.isClassDeclaration(node)) return true;
  if (t.isFunction(node)) return false;
  let found = false;
  eachChild(node, (child) => void (found ||= declares(child)));
  return found;
}

/**
 * `if (__hs<id>.d[F] === 0) { …traced; return; } …the original code`: a demoted function runs its code
 * untraced. The traced code comes first, so that it keeps its lines (the instrumented code's stacks
 * name the source's lines without a source map); the copy follows on its last line.
 */
function untilDemoted(F: number, traced: T.Statement[], original: T.Statement[]): T.Statement[] {
  const notDemoted = mark(t.binaryExpression('===', t.memberExpression(t.memberExpression(t.identifier(PROBE), t.identifier('d')), num(F), true), num(0)));
  return [mark(t.ifStatement(notDemoted, mark(t.blockStatement([...traced, mark(t.returnStatement())])))), ...original];
}

/** What a statement's site says of it beyond where it is. */
type StatementFlags = Pick<Site, 'finally' | 'throws' | 'returnsValue'>;

function statementFlags(p: NodePath<T.Statement>, fn: Owner): StatementFlags {
  const node = p.node;
  const returnsValue = t.isReturnStatement(node) && node.argument != null && t.isFunction(fn.node) && fn.node.async && !fn.node.generator;
  const finalizer = inFinally(p, fn);
  return { ...(finalizer ? { finally: true } : {}), ...(finalizer && t.isThrowStatement(node) ? { throws: true } : {}), ...(returnsValue ? { returnsValue: true } : {}) };
}

/** Whether a statement is in a `finally` block of its own function (not of a function around it). */
function inFinally(p: NodePath, fn: Owner): boolean {
  for (let q = p.parentPath; q && q.node !== fn.node; q = q.parentPath) if (q.key === 'finalizer' && q.parentPath?.isTryStatement()) return true;
  return false;
}

/**
 * Sparse: a statement that calls nothing it can see and follows a simple statement (or opens a
 * block) joins the run of the probe before it and only sets the progress local; so does one that
 * calls or awaits, where no traced code could run since the run's event. The first of a run that
 * may enter traced code (a call, a getter) is marked `calls`: the decoder puts the run back up to
 * it before a callee's entry, which only it can have made, or at its await's Suspend. Others
 * report themselves, and start a run of their own.
 */
function reportSparse(x: Transform, p: NodePath<T.Statement>, fn: Owner, flags: StatementFlags): void {
  const node = p.node;
  const run: number[] = [];
  let starts = startsWith(node);
  if (starts === 'awaits' && x.isGenerator(fn)) starts = 'reports'; // an async generator's awaits go through its state
  const S = x.siteOf('statement', node, x.nameOf(fn), { run, ...flags });
  x.statementSites.set(node, S);
  const before = starts !== 'reports' && !reportsItself(p) ? x.runBefore(p) : undefined;
  const joins = (starts === 'calls' || starts === 'awaits') && before && x.mayCall.has(before) ? undefined : before;
  if (joins) {
    joins.push(S);
    x.runOf.set(node, joins);
    // the first statement of a run that may enter traced code: whatever is entered while it is pending, it entered
    if (starts !== 'pure' && !x.mayCall.has(joins)) x.sites[S] = { ...x.sites[S]!, calls: true };
    if (starts !== 'pure') x.mayCall.add(joins);
    x.inserts.before(p, fn.node, [mark(t.expressionStatement(mark(t.assignmentExpression('=', t.identifier(PROGRESS), num(S)))))]);
    return;
  }
  if (starts !== 'pure') x.mayCall.add(run);
  // a compound statement's run stays empty: what follows it is reported again
  if (simple(node)) x.runOf.set(node, run);
  x.inserts.before(p, fn.node, [report('st', mark(t.assignmentExpression('=', t.identifier(PROGRESS), num(S))), act())]);
}
