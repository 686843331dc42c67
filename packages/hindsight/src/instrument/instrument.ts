import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import type * as Babel from '@babel/core';
import type { types as T, NodePath, PluginObj } from '@babel/core';
import { TraceMap, originalPositionFor, type SourceMapInput } from '@jridgewell/trace-mapping';
import { HindsightError } from '../common/index.js';
import type { Site, SiteKind } from '../trace/index.js';
import { RUNTIME_KEY } from './runtime.js';

/** A transformed module: its code, a source map to the original TypeScript, and its sites (ids 0..n-1, local to the module). */
export interface Instrumented {
  readonly code: string;
  /** Maps the instrumented code to the original sources (the input map composed in). */
  readonly map: object | null;
  readonly sites: readonly Site[];
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

export interface InstrumentOptions {
  /**
   * Also emit value points: after each statement probe and at function entry, a call that, when the
   * runtime asks for it, hands over a closure that evaluates expressions in that scope (direct eval).
   * The closure is made only at the points asked for; the cost is that V8 keeps the instrumented
   * functions' variables in contexts, so this variant is for re-execution, not for recording.
   */
  readonly values?: boolean;
  /** 'module' (default) for ES modules; 'script' for CommonJS. */
  readonly sourceType?: 'module' | 'script';
  /**
   * The flight recorder's variant: a statement that calls nothing it can see (no call, `new`,
   * tagged template, `await`, `yield`, assignment to a property; not a compound statement) and
   * follows a simple statement, or opens a function body or a branch's block, reports nothing
   * itself: the site of the probe before it lists it (`run`), and the decoder puts its Statement
   * event back where the next event of its frame is. It only sets a local (`__hs_p`) that a
   * throw or catch reports, so a throw is placed on the statement it came from. Same sites and
   * same decoded events as the dense variant, for a fraction of the probes.
   */
  readonly sparse?: boolean;
  /**
   * The flight recorder's: a module's body (its top-level code) is a frame of its own, as in V8's
   * stacks: an Enter at a function site named `<module file.js>` as it starts, its statements,
   * branches and top-level awaits (then it is an async activation), and an Exit when it ends or a
   * Throw when an error leaves it. Replay leaves it out: a workflow module's body runs at import,
   * outside any run, and the runs' events stay as they were.
   */
  readonly modules?: boolean;
}

const PROBE = '__hs';
const ACTIVATION = '__hs_a';
/** Sparse variant: the last statement of the function that started (a throw reports it). */
const PROGRESS = '__hs_p';
/** In a generator: its GeneratorState (an extra parameter, then a local of its body). */
const GENERATOR = '__hs_g';

/** A statement with no block of its own: what runs after it is the next statement. */
function simple(node: T.Statement): boolean {
  return t.isExpressionStatement(node) || t.isVariableDeclaration(node) || t.isReturnStatement(node) || t.isThrowStatement(node) || t.isBreakStatement(node) || t.isContinueStatement(node) || t.isDebuggerStatement(node);
}

/**
 * A statement that calls nothing the instrumenter can see as it starts (a compound statement: its
 * test, its loop head, its switch's cases): no call, `new`, tagged template,
 * `await`, `yield`, `import()`, `delete`, class, nor assignment to a property (a setter), also
 * inside a function it makes (to keep this simple). A getter, a valueOf or an iterator of traced
 * code may still run: its events then come before the statement's in the decoded trace.
 */
function quiet(node: T.Statement): boolean {
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
 * A jump or throw inside a for-of loop (of this function): leaving the loop calls its iterator's
 * `return()`, which may be a generator of traced code, so the statement reports itself first
 * (over-approximated: any such statement inside one).
 */
function leavesForOf(p: NodePath): boolean {
  const node = p.node;
  if (!(t.isBreakStatement(node) || t.isContinueStatement(node) || t.isReturnStatement(node) || t.isThrowStatement(node))) return false;
  for (let q = p.parentPath; q && !q.isFunction(); q = q.parentPath) if (q.isForOfStatement()) return true;
  return false;
}
const cache = new Map<string, Instrumented>();

/** Babel's node builders and tests, once loaded (loadBabel). */
let t: typeof Babel.types;
let babel: typeof Babel | undefined;

/**
 * Babel, loaded on the first module instrumented rather than with this file: a recorded process
 * whose modules are ES modules has them instrumented on the loader's thread, and its own heap (the
 * one its requests run in, and its collector scans) never holds the instrumenter. Synchronous,
 * because CommonJS is instrumented as it compiles; @babel/core is a CommonJS package.
 */
function loadBabel(): typeof Babel {
  if (babel) return babel;
  babel = createRequire(import.meta.url)('@babel/core') as typeof Babel;
  t = babel.types;
  return babel;
}

/**
 * Transforms compiled workflow JavaScript (an ES module) so that it reports its sites to the replay
 * runtime: function enter, exit and throw (the body wrapped in try/catch/finally), every statement,
 * every `await` (suspend before, resume after), every `yield` (the same), each iteration's await
 * of `for await`, and branch decisions (if/else, ?:, && and ||, loop conditions, switch cases).
 * A generator's call reports its entry (an extra parameter with a default runs at the call) and
 * its body each run, from `next()` to the next `yield` (see GeneratorState). Sites carry the file,
 * line, column and function name of the original TypeScript when `inputMap` (the compiler's
 * source map) is given. With `modules` (the flight recorder's), the module's body too, as a frame
 * of its own (see instrumentModule).
 * Results are cached by content hash (in memory): instrumenting the same input twice is free.
 */
export function instrument(code: string, file: string, inputMap?: object, options: InstrumentOptions = {}): Instrumented {
  const values = options.values === true;
  const sparse = !values && options.sparse === true;
  const modules = !values && options.modules === true;
  const key = createHash('sha256')
    .update(values ? 'values\0' : sparse ? 'sparse\0' : 'trace\0')
    .update(modules ? 'modules\0' : '')
    .update(options.sourceType ?? 'module')
    .update(file)
    .update('\0')
    .update(code)
    .update('\0')
    .update(inputMap ? JSON.stringify(inputMap) : '')
    .digest('hex');
  const hit = cache.get(key);
  if (hit) return hit;
  const { transformSync } = loadBabel();
  const trace = inputMap ? new TraceMap(inputMap as SourceMapInput, file) : undefined;
  const sites: Site[] = [];
  let result;
  try {
    result = transformSync(code, {
      filename: file,
      sourceType: options.sourceType ?? 'module',
      // CommonJS may return from the top level (its code runs inside a function)
      parserOpts: { allowReturnOutsideFunction: options.sourceType === 'script', plugins: syntaxOf(file) },
      configFile: false,
      babelrc: false,
      sourceMaps: true,
      // the code keeps its line numbers: stack traces of a recorded process name the lines users wrote
      retainLines: true,
      ...(inputMap ? { inputSourceMap: inputMap as never } : {}),
      plugins: [plugin(sites, file, trace, values, sparse, modules, options)],
    });
  } catch (err) {
    throw new HindsightError('HS_E_INSTRUMENT', `cannot instrument ${file}: ${(err as Error).message}; pass compiled JavaScript (ES2022 or older syntax)`, { cause: err });
  }
  const out: Instrumented = { code: result?.code ?? code, map: (result?.map as object | null | undefined) ?? null, sites };
  cache.set(key, out);
  return out;
}

/**
 * TypeScript arrives as such when a loader that compiles it (tsx) runs after the recorder's: the
 * types stay in the instrumented code for that loader to strip, and the sites are the file's own
 * lines. Compiled JavaScript parses as TypeScript too, so the extension decides.
 */
function syntaxOf(file: string): ('typescript' | 'jsx')[] {
  if (/\.[cm]?ts$/.test(file)) return ['typescript'];
  if (file.endsWith('.tsx')) return ['typescript', 'jsx'];
  return [];
}

/**
 * The instrumented code with its source map inline (and the compiler's own `sourceMappingURL`,
 * which maps the uninstrumented code, taken out). With source maps enabled
 * (`process.setSourceMapsEnabled(true)`), Node's stack traces and its print of the line an
 * uncaught error came from then show the original source (the TypeScript through the compiler's
 * map), not the probes. The map's sources are file URLs, resolved beside `file`.
 */
export function withInlineMap(out: Instrumented, file: string): string {
  const code = out.code.replace(/^[ \t]*\/\/[#@] sourceMappingURL=.*$/gm, '');
  if (!out.map) return code;
  const map = out.map as { sources?: (string | null)[] };
  const base = pathToFileURL(file);
  const sources = (map.sources ?? []).map((s) => (s === null ? s : new URL(s, base).href));
  const json = JSON.stringify({ ...map, sources, sourceRoot: undefined });
  return `${code}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(json).toString('base64')}\n`;
}

type FnPath = NodePath<T.Function>;
/** The code a statement belongs to: a function, or with `modules`, the module's body. */
type Owner = FnPath | NodePath<T.Program>;
type Binding = NodePath['scope']['bindings'][string];

/** Nodes the plugin made: never instrumented again. */
const made = new WeakSet<T.Node>();
function mark<N extends T.Node>(node: N): N {
  made.add(node);
  return node;
}

function plugin(sites: Site[], file: string, trace: TraceMap | undefined, values: boolean, sparse: boolean, modules: boolean, options: InstrumentOptions): () => PluginObj {
  const scopes: ScopeNames[] = [];
  const scopeIds = new Map<string, number>();
  /** `__hs.hit() && __hs.v((__hs_x) => eval(__hs_x), V)`: the value point of the scope at `p`, from source offset `at`. */
  const valuePoint = (p: NodePath, fn: FnPath, at: number): T.Statement => {
    const names = scopeNames(p, fn, at);
    const key = JSON.stringify(names);
    let id = scopeIds.get(key);
    if (id === undefined) {
      id = scopes.push(names) - 1;
      scopeIds.set(key, id);
    }
    const x = t.identifier('__hs_x');
    const evaluate = mark(t.arrowFunctionExpression([x], t.callExpression(t.identifier('eval'), [t.identifier('__hs_x')])));
    const test = probe('hit');
    return mark(t.expressionStatement(mark(t.logicalExpression('&&', test, probe('v', evaluate, num(id))))));
  };
  /** Statements instrumented per function, for its site's `statements`. */
  const statementCounts = new WeakMap<T.Node, number>();
  /** Sparse variant: per statement node, its site; per list owner (a function's body block, a branch's block, a switch case), the quiet statements it starts with. */
  const statementSites = new WeakMap<T.Node, number>();
  const leading = new WeakMap<T.Node, number[]>();
  /** The run a statement belongs to (a probed statement's own, or the one a quiet statement joined). */
  const runOf = new WeakMap<T.Node, number[]>();
  const siteOf = (kind: SiteKind, node: T.Node, functionName: string, extra: { statements?: number; async?: boolean; run?: number[]; in?: number; loop?: boolean } = {}): number => {
    const loc = node.loc?.start;
    let where = { file, line: loc?.line ?? 0, column: (loc?.column ?? 0) + 1 };
    if (trace && loc) {
      const o = originalPositionFor(trace, { line: loc.line, column: loc.column });
      if (o.source && o.line !== null) where = { file: o.source.startsWith('file:') ? new URL(o.source).pathname : path.resolve(o.source), line: o.line, column: o.column + 1 };
    }
    sites.push({ kind, ...where, functionName, ...extra });
    return sites.length - 1;
  };
  const probe = (method: string, ...args: T.Expression[]) =>
    mark(t.callExpression(t.memberExpression(t.identifier(PROBE), t.identifier(method)), args));
  const num = (n: number) => t.numericLiteral(n);
  const act = () => t.identifier(ACTIVATION);
  /** With `modules`: the module's body, a frame of its own (see instrumentModule), and its function site. */
  let program: NodePath<T.Program> | undefined;
  let moduleSite = -1;
  let moduleAsync = false;
  /** The instrumented function around a node, the module's body with `modules`, or undefined (untraced module code). */
  const owner = (p: NodePath): Owner | undefined => {
    const fn = p.getFunctionParent();
    if (fn) return fn;
    // a class's field initializers and static blocks run later, in frames of their own: not the module's
    if (!program || p.findParent((q) => q.isClassBody())) return undefined;
    return program;
  };
  /** A module's body is async when it awaits at its top level (an async activation, as an async function's). */
  const isAsync = (fn: Owner): boolean => (fn.isProgram() ? moduleAsync : fn.node.async === true);
  const isGenerator = (fn: Owner): boolean => !fn.isProgram() && fn.node.generator === true;
  const gen = () => t.identifier(GENERATOR);
  /** The probe a catch or finally block of `fn` starts with: it may have been suspended when the exception came. */
  const caught = (fn: Owner, withProgress = true): T.Statement => {
    const p = sparse && withProgress ? [t.identifier(PROGRESS)] : [];
    return mark(t.expressionStatement(isGenerator(fn) ? probe('cg', gen(), ...p) : probe('ca', act(), ...p)));
  };
  const names = new WeakMap<T.Node, string>();
  const nameOf = (fn: Owner): string => {
    const known = names.get(fn.node);
    if (known) return known;
    const name = functionName(fn as FnPath); // a module's body is named as it starts
    names.set(fn.node, name);
    return name;
  };
  const toBlock = (p: NodePath<T.Statement | null | undefined>) => {
    if (!p.node || t.isBlockStatement(p.node)) return;
    const block = t.blockStatement([p.node]);
    block.loc = p.node.loc; // the branch site of the block is the statement's place
    p.replaceWith(block);
  };

  const caseSites = new WeakMap<T.Node, number>();
  /**
   * Async functions with a `for await`: a `return` in its body awaits the iterator's `return()`
   * on the way out, so their `finally` first reports the Resume of that await (if any).
   */
  const forAwait = new WeakSet<T.Node>();
  /** Sparse: the statement a branch belongs to (the innermost enclosing one that has a site). */
  const ownerOf = (p: NodePath): number | undefined => {
    for (let q: NodePath | null = p; q && !q.isFunction(); q = q.parentPath) {
      const id = statementSites.get(q.node);
      if (id !== undefined) return id;
    }
    return undefined;
  };
  /** Sparse: a branch site's fields: the statement it belongs to, and the quiet statements its block starts with. */
  const sparseBranch = (block: T.Node | null | undefined, own: number | undefined): { run?: number[]; in?: number } => {
    if (!sparse) return {};
    return { ...(own !== undefined ? { in: own } : {}), ...(block ? { run: leading.get(block) ?? [] } : {}) };
  };
  /**
   * Sparse: the run a quiet statement at `p` joins, or undefined (it is reported itself): the run
   * of the simple statement before it, or, first in its list, the list owner's leading run (a
   * function body, the block of an if's branch, of a while or for loop with a test, a switch case).
   */
  const runBefore = (p: NodePath): number[] | undefined => {
    const list = p.container as T.Node[] | undefined;
    if (!Array.isArray(list) || typeof p.key !== 'number') return undefined;
    for (let i = p.key - 1; i >= 0; i--) {
      const prev = list[i]!;
      if (made.has(prev) && !statementSites.has(prev)) continue; // the probes and the bk inserted
      if (t.isFunctionDeclaration(prev)) continue; // hoisted: it does not run here
      if (!statementSites.has(prev) && t.isStatement(prev) && runsNothing(prev)) continue; // at the top level, an import or a type: no code
      // after a jump, a statement is never reached from it
      if (t.isReturnStatement(prev) || t.isThrowStatement(prev) || t.isBreakStatement(prev) || t.isContinueStatement(prev)) return undefined;
      // after a compound statement, a statement is reached from its blocks: it is reported
      return t.isStatement(prev) && simple(prev) ? runOf.get(prev) : undefined;
    }
    const parent = p.parentPath;
    if (!parent) return undefined;
    const block = parent.node;
    const up = parent.parentPath?.node;
    let owned = false;
    if (t.isSwitchCase(block) || t.isProgram(block)) owned = true;
    else if (t.isBlockStatement(block) && up) {
      if (t.isFunction(up) && up.body === block) owned = true;
      else if (t.isIfStatement(up)) owned = true;
      else if ((t.isWhileStatement(up) || (t.isForStatement(up) && up.test)) && up.body === block) owned = true;
    }
    if (!owned) return undefined;
    let run = leading.get(block);
    if (!run) leading.set(block, (run = []));
    return run;
  };

  /**
   * Where a module's frame is: line 1, column 1 of the file the user wrote (the source of the
   * compiler's map when the code has one; its first line may be the compiler's own, not mapped).
   */
  const moduleWhere = (): { file: string; line: number; column: number } => {
    let source: string | null | undefined;
    if (trace) source = originalPositionFor(trace, { line: 1, column: 0 }).source ?? (trace.sources.length === 1 ? trace.sources[0] : undefined);
    const mapped = source ? (source.startsWith('file:') ? new URL(source).pathname : path.resolve(source)) : file;
    return { file: mapped, line: 1, column: 1 };
  };
  const moduleExit = () => mark(t.expressionStatement(probe(moduleAsync ? 'xa' : 'ex', num(moduleSite), act())));
  /**
   * A CommonJS module's `return` at its top level ends the module's frame: `{ const __hs_r = value;
   * <exit>; return __hs_r; }`, the value still evaluated first, inside the body's guard.
   */
  const returnFromModule = (p: NodePath<T.ReturnStatement>): void => {
    const value = t.identifier('__hs_r');
    const keep = mark(t.variableDeclaration('const', [t.variableDeclarator(value, p.node.argument ?? t.identifier('undefined'))]));
    const block = mark(t.blockStatement([keep, moduleExit(), mark(t.returnStatement(t.identifier('__hs_r')))]));
    // it stands for the return: the statement its branches are part of, and no quiet statement joins it
    const S = statementSites.get(p.node);
    if (S !== undefined) statementSites.set(block, S);
    p.replaceWith(block);
  };
  /**
   * The module's body as a frame: its Enter first, its Exit last, and its code between them
   * guarded by try/catch blocks that report a Throw (and end the frame) when an error leaves it.
   * The body cannot go into one block: imports and exports must stay at the top level, hoisted
   * functions stay hoisted, and a let, const or class would no longer be seen by the functions
   * and modules that use it. So each run of other statements gets a guard of its own, and a
   * declaration stays where it is, its initializers computed first, into temporaries, in the
   * guard before it (the bindings keep their kind and their dead zone; a function or class
   * assigned keeps its inferred name).
   */
  const instrumentModule = (p: NodePath<T.Program>): void => {
    const F = moduleSite;
    sites[F] = { ...sites[F]!, statements: statementCounts.get(p.node) ?? 0, ...(sparse ? { run: leading.get(p.node) ?? [] } : {}) };
    const temps: T.Identifier[] = [];
    const temp = (): T.Identifier => {
      const id = t.identifier(`__hs_t${temps.length}`);
      temps.push(id);
      return t.identifier(id.name);
    };
    const body: T.Statement[] = [];
    let guarded: T.Statement[] = [];
    const close = () => {
      if (guarded.length > 0) body.push(guard(guarded));
      guarded = [];
    };
    for (const node of p.node.body) {
      const split = declarationOf(node);
      if (split) {
        for (const { computed, declared } of computeFirst(split, temp)) {
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
    const entry: T.Statement[] = [mark(t.variableDeclaration('const', [t.variableDeclarator(act(), probe(moduleAsync ? 'ea' : 'en', num(F)))]))];
    if (sparse) entry.push(mark(t.variableDeclaration('let', [t.variableDeclarator(t.identifier(PROGRESS), num(-1))])));
    if (temps.length > 0) entry.push(mark(t.variableDeclaration('let', temps.map((id) => t.variableDeclarator(id)))));
    // imports first, as written (they are hoisted anyway); then the frame
    const imports = body.filter((n) => t.isImportDeclaration(n));
    p.node.body = [...imports, ...entry, ...body.filter((n) => !t.isImportDeclaration(n)), moduleExit()];
  };
  /** `try { code } catch (e) { <throw>; <exit>; throw e; }`: the module's frame ends by the error. */
  const guard = (code: T.Statement[]): T.Statement => {
    const e = t.identifier('__hs_e');
    const threw = mark(t.expressionStatement(probe('th', num(moduleSite), act(), ...(sparse ? [t.identifier(PROGRESS)] : []))));
    // the Exit probe after a Throw only ends the frame (its activation's bookkeeping), as a function's finally does
    return mark(t.tryStatement(mark(t.blockStatement(code)), t.catchClause(e, mark(t.blockStatement([threw, moduleExit(), mark(t.throwStatement(t.identifier('__hs_e')))])))));
  };

  return () => ({
    visitor: {
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
        },
        exit(p) {
          if (made.has(p.node.body)) return;
          const body = p.node.body as T.BlockStatement;
          const F = siteOf('function', p.node, nameOf(p), { statements: statementCounts.get(p.node) ?? 0, ...(p.node.async ? { async: true } : {}), ...(p.node.generator ? { generator: true } : {}), ...(sparse ? { run: leading.get(body) ?? [] } : {}) });
          if (p.node.generator) return instrumentGenerator(p, F);
          const e = t.identifier('__hs_e');
          const entry: T.Statement[] = [mark(t.variableDeclaration('const', [t.variableDeclarator(act(), probe(p.node.async ? 'ea' : 'en', num(F)))]))];
          if (sparse) entry.push(mark(t.variableDeclaration('let', [t.variableDeclarator(t.identifier(PROGRESS), num(-1))])));
          if (values) entry.push(valuePoint(p.get('body') as NodePath, p, body.start ?? 0));
          const wrapped = mark(
            t.blockStatement([
              ...entry,
              mark(
                t.tryStatement(
                  mark(t.blockStatement(body.body)),
                  t.catchClause(e, mark(t.blockStatement([mark(t.expressionStatement(probe('th', num(F), act(), ...(sparse ? [t.identifier(PROGRESS)] : [])))), mark(t.throwStatement(t.identifier('__hs_e')))]))),
                  mark(t.blockStatement([...(forAwait.has(p.node) ? [caught(p, false)] : []), mark(t.expressionStatement(probe(p.node.async ? 'xa' : 'ex', num(F), act())))])),
                ),
              ),
            ], body.directives),
          );
          p.node.body = wrapped;
        },
      },
      Statement(p) {
        const node = p.node;
        if (made.has(node) || t.isFunctionDeclaration(node) || t.isBlockStatement(node) || t.isEmptyStatement(node)) return;
        const fn = owner(p);
        if (!fn) return;
        // of the module's body: an export with code of its own (`export const x = f()`) is a statement; a type is not
        if (fn === program ? runsNothing(node) : t.isImportOrExportDeclaration(node)) return;
        const parent = p.parentPath?.node;
        if (!(t.isBlockStatement(parent) || t.isSwitchCase(parent) || t.isProgram(parent)) || p.listKey === undefined) return;
        mark(node); // an enclosing rewrite (an await's operand) may queue it again: instrumented once
        statementCounts.set(fn.node, (statementCounts.get(fn.node) ?? 0) + 1);
        if (sparse) {
          const run: number[] = [];
          const S = siteOf('statement', node, nameOf(fn), { run });
          statementSites.set(node, S);
          const joins = quiet(node) && !leavesForOf(p) ? runBefore(p) : undefined;
          if (joins) {
            joins.push(S);
            runOf.set(node, joins);
            p.insertBefore(mark(t.expressionStatement(mark(t.assignmentExpression('=', t.identifier(PROGRESS), num(S))))));
          } else {
            // a compound statement's run stays empty: what follows it is reported again
            if (simple(node)) runOf.set(node, run);
            p.insertBefore(mark(t.expressionStatement(probe('st', mark(t.assignmentExpression('=', t.identifier(PROGRESS), num(S))), act()))));
          }
          if (fn === program && t.isReturnStatement(node)) returnFromModule(p as NodePath<T.ReturnStatement>);
          return;
        }
        const S = siteOf('statement', node, nameOf(fn));
        statementSites.set(node, S);
        const report = mark(t.expressionStatement(probe('st', num(S), act())));
        p.insertBefore(values ? [report, valuePoint(p, fn as FnPath, node.start ?? 0)] : report);
        if (fn === program && t.isReturnStatement(node)) returnFromModule(p as NodePath<T.ReturnStatement>);
      },
      IfStatement: {
        enter(p) {
          if (!owner(p)) return;
          toBlock(p.get('consequent'));
          toBlock(p.get('alternate'));
        },
        exit(p) {
          const fn = owner(p);
          if (!fn || made.has(p.node.test)) return;
          const name = nameOf(fn);
          const own = ownerOf(p);
          const yes = siteOf('branch', p.node.consequent, name, sparseBranch(p.node.consequent, own));
          const no = siteOf('branch', p.node.alternate ?? p.node, name, sparseBranch(p.node.alternate, own));
          p.node.test = branch(p.node.test, yes, no);
        },
      },
      Loop: {
        enter(p) {
          if (owner(p)) toBlock(p.get('body') as NodePath<T.Statement>);
        },
        exit(p) {
          const fn = owner(p);
          const node = p.node;
          if (!fn || !('test' in node) || !node.test || made.has(node.test)) return;
          const name = nameOf(fn);
          const own = ownerOf(p);
          // a do-while body first runs without a branch before it: its block starts with a report
          const body = t.isDoWhileStatement(node) ? undefined : node.body;
          node.test = branch(node.test, siteOf('branch', node.body, name, sparseBranch(body, own)), siteOf('branch', node, name, sparseBranch(undefined, own)));
        },
      },
      ConditionalExpression: {
        exit(p) {
          const fn = owner(p);
          if (!fn || made.has(p.node.test)) return;
          const name = nameOf(fn);
          const own = ownerOf(p);
          p.node.test = branch(p.node.test, siteOf('branch', p.node.consequent, name, sparseBranch(undefined, own)), siteOf('branch', p.node.alternate, name, sparseBranch(undefined, own)));
        },
      },
      LogicalExpression: {
        exit(p) {
          const fn = owner(p);
          const node = p.node;
          if (!fn || node.operator === '??' || made.has(node.left)) return;
          const name = nameOf(fn);
          const own = ownerOf(p);
          const right = siteOf('branch', node.right, name, sparseBranch(undefined, own));
          const short = siteOf('branch', node, name, sparseBranch(undefined, own));
          node.left = node.operator === '&&' ? branch(node.left, right, short) : branch(node.left, short, right);
        },
      },
      CatchClause(p) {
        const fn = owner(p);
        if (!fn || made.has(p.node.body)) return;
        p.node.body.body.unshift(caught(fn));
      },
      TryStatement(p) {
        const fin = p.node.finalizer;
        const fn = owner(p);
        if (!fn || !fin || made.has(fin)) return;
        fin.body.unshift(caught(fn));
      },
      SwitchCase: {
        enter(p) {
          const fn = owner(p);
          if (!fn || made.has(p.node)) return;
          mark(p.node);
          const site = siteOf('branch', p.node, nameOf(fn));
          p.node.consequent.unshift(mark(t.expressionStatement(probe('bk', num(site), act()))));
          if (sparse) caseSites.set(p.node, site);
        },
        exit(p) {
          // sparse: the case's run is known once its statements are instrumented (same site id as dense)
          const site = caseSites.get(p.node);
          if (site === undefined) return;
          caseSites.delete(p.node);
          sites[site] = { ...sites[site]!, ...sparseBranch(p.node, p.parentPath ? ownerOf(p.parentPath as NodePath) : undefined) };
        },
      },
      AwaitExpression: {
        exit(p) {
          const fn = owner(p);
          if (!fn || made.has(p.node) || !isAsync(fn)) return;
          const S = siteOf('await', p.node, nameOf(fn));
          // in an async generator, the generator's state knows who resumed it
          const [su, re, a] = isGenerator(fn) ? ['sw', 'rw', gen()] : ['su', 're', act()];
          const awaited = mark(t.awaitExpression(probe(su, num(S), a, p.node.argument)));
          p.replaceWith(probe(re, num(S), a, awaited));
        },
      },
      YieldExpression: {
        exit(p) {
          const fn = owner(p);
          if (!fn || made.has(p.node)) return;
          const Y = siteOf('yield', p.node, nameOf(fn));
          const yielded = mark(t.yieldExpression(probe('sy', num(Y), gen(), p.node.argument ?? t.identifier('undefined')), p.node.delegate));
          p.replaceWith(probe('ry', num(Y), gen(), yielded));
        },
      },
      ForOfStatement: {
        exit(p) {
          // `for await`: the loop awaits each next(): the iterable reports the Suspend, the body (or the code after the loop) the Resume
          const fn = owner(p);
          const node = p.node;
          if (!fn || !node.await || !isAsync(fn) || made.has(node.right)) return;
          const S = siteOf('await', node, nameOf(fn), { loop: true });
          forAwait.add(fn.node);
          const g = isGenerator(fn);
          // the loop's statement is reported again before each later next(), which may run traced code
          let statement: NodePath = p;
          while (!statementSites.has(statement.node) && statement.parentPath?.isLabeledStatement()) statement = statement.parentPath;
          const again = statementSites.get(statement.node) ?? -1;
          node.right = probe(g ? 'fg' : 'fa', num(S), g ? gen() : act(), node.right, num(again));
          const resumed = mark(t.expressionStatement(probe(g ? 'rw' : 're', num(S), g ? gen() : act())));
          (node.body as T.BlockStatement).body.unshift(resumed);
          // the loop ends when next() says done, after its await: resumed there
          let after: NodePath = p;
          while (after.parentPath?.isLabeledStatement()) after = after.parentPath;
          after.insertAfter(caught(fn, false));
        },
      },
      Program: {
        enter(p) {
          if (!modules) return;
          program = p;
          moduleAsync = options.sourceType !== 'script' && awaitsAtTopLevel(p);
          // the module's frame starts at its first line, where V8 puts the module's own function
          const where = moduleWhere();
          names.set(p.node, `<module ${path.basename(where.file)}>`);
          moduleSite = sites.push({ kind: 'function', ...where, functionName: nameOf(p), ...(moduleAsync ? { async: true } : {}), module: true }) - 1;
        },
        exit(p) {
          if (program) instrumentModule(p);
          // the runtime is found through a registered symbol; the module's sites are registered once, at load
          const runtime = t.memberExpression(t.identifier('globalThis'), t.callExpression(t.memberExpression(t.identifier('Symbol'), t.identifier('for')), [t.stringLiteral(RUNTIME_KEY.description!)]), true);
          const register = t.callExpression(t.memberExpression(runtime, t.identifier('module')), [t.valueToNode(sites), t.valueToNode(scopes)]);
          p.unshiftContainer('body', mark(t.variableDeclaration('const', [t.variableDeclarator(t.identifier(PROBE), register)])));
        },
      },
    },
  });

  /**
   * A generator: an extra last parameter `__hs_g = __hs.eg(F)` reports the call (defaults run at
   * the call, the body only on next()); the body reports each start of a run and keeps the state
   * in `__hs_g`. Where a parameter cannot be added (a rest parameter, a 'use strict' body, which
   * needs simple parameters, or sloppy code reading `arguments`), the call is reported as the body
   * first runs.
   */
  function instrumentGenerator(p: FnPath, F: number): void {
    const node = p.node;
    const body = node.body as T.BlockStatement;
    const G = gen();
    const strictBody = body.directives.some((d) => d.value.value === 'use strict');
    const rest = node.params.some((q) => t.isRestElement(q));
    let readsArguments = false;
    if (options.sourceType === 'script') t.traverseFast(body, (n) => {
      if (t.isIdentifier(n) && n.name === 'arguments') readsArguments = true;
    });
    const param = !rest && !strictBody && !readsArguments;
    if (param) node.params.push(mark(t.assignmentPattern(gen(), probe('eg', num(F)))));
    const start = probe('gs', num(F), param ? gen() : t.identifier('undefined'));
    const entry: T.Statement[] = [
      param ? mark(t.expressionStatement(t.assignmentExpression('=', G, start))) : mark(t.variableDeclaration('const', [t.variableDeclarator(G, start)])),
      mark(t.variableDeclaration('const', [t.variableDeclarator(act(), t.memberExpression(gen(), t.identifier('a')))])),
    ];
    const progress = sparse ? [t.identifier(PROGRESS)] : [];
    if (sparse) entry.push(mark(t.variableDeclaration('let', [t.variableDeclarator(t.identifier(PROGRESS), num(-1))])));
    if (values) entry.push(valuePoint(p.get('body') as NodePath, p, body.start ?? 0));
    const e = t.identifier('__hs_e');
    node.body = mark(
      t.blockStatement([
        ...entry,
        mark(
          t.tryStatement(
            mark(t.blockStatement(body.body)),
            t.catchClause(e, mark(t.blockStatement([mark(t.expressionStatement(probe('tg', num(F), gen(), ...progress))), mark(t.throwStatement(t.identifier('__hs_e')))]))),
            mark(t.blockStatement([mark(t.expressionStatement(probe('xg', num(F), gen(), ...progress)))])),
          ),
        ),
      ], body.directives),
    );
  }

  function branch(test: T.Expression, yes: number, no: number): T.Expression {
    const call = probe('br', test, num(yes), num(no), act());
    made.add(call.arguments[0]!);
    return call;
  }
}

/** A readable name: the function's own, else what it is assigned to (`const f = ...`, `{ f: ... }`, `f = ...`), else `<anonymous>`. */
function functionName(fn: FnPath): string {
  const node = fn.node;
  if ((t.isFunctionDeclaration(node) || t.isFunctionExpression(node)) && node.id) return node.id.name;
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
  return '<anonymous>';
}

/**
 * The names a value point at source offset `at` inside `fn` can see, from Babel's scope analysis.
 * Inner bindings shadow outer ones of the same name.
 */
function scopeNames(p: NodePath, fn: FnPath, at: number): ScopeNames {
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

/** A module's top-level await (or `for await`): its body is then an async activation. */
function awaitsAtTopLevel(p: NodePath<T.Program>): boolean {
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
function runsNothing(node: T.Statement): boolean {
  if (t.isImportDeclaration(node) || t.isExportAllDeclaration(node)) return true;
  if (t.isExportNamedDeclaration(node)) return !node.declaration || t.isFunctionDeclaration(node.declaration) || typeScriptOnly(node.declaration);
  if (t.isExportDefaultDeclaration(node)) return t.isFunctionDeclaration(node.declaration) || t.isTSDeclareFunction(node.declaration) || t.isTSInterfaceDeclaration(node.declaration);
  return t.isTSInterfaceDeclaration(node) || t.isTSTypeAliasDeclaration(node) || t.isTSDeclareFunction(node) || (node as { declare?: boolean | null }).declare === true;
}

/** A top-level statement that cannot go into a block: it declares what other code sees (or is an import or export). */
function staysAtTopLevel(node: T.Statement): boolean {
  return t.isImportOrExportDeclaration(node) || t.isFunctionDeclaration(node) || t.isClassDeclaration(node) || t.isVariableDeclaration(node) || typeScriptOnly(node);
}

/**
 * A top-level declaration whose initializers may run code: a var, let or const (exported or not),
 * a class that runs code as it is defined, or `export default <expression>`.
 */
type Declaration =
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

function declarationOf(node: T.Statement): Declaration | undefined {
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
function computeFirst(d: Declaration, temp: () => T.Identifier): { computed: T.Statement[]; declared: T.Statement }[] {
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
