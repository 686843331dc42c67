import { createHash } from 'node:crypto';
import path from 'node:path';
import type { types as T, NodePath, PluginObj } from '@babel/core';
import { TraceMap, originalPositionFor, type SourceMapInput } from '@jridgewell/trace-mapping';
import { HindsightError } from '../common/index.js';
import type { Site, SiteKind } from '../trace/index.js';
import { RUNTIME_KEY } from './runtime.js';
import { syntaxOf } from './output-map.js';
import { quiet, reportsItself, simple, toBlock } from './statements.js';
import { loadBabel, made, mark, t } from './babel.js';
import { functionName, scopeNames, type ScopeNames } from './names.js';
import { awaitsAtTopLevel, runsNothing } from './module-body.js';
import type { TransformStore } from './store.js';
import { act, entryCall, gen, num, probe, PROBE, PROGRESS } from './probe-calls.js';
import { instrumentGenerator } from './generator-body.js';
import { ModuleFrame, moduleWhere } from './module-frame.js';

/** A transformed module: its code, a source map to the original TypeScript, and its sites (ids 0..n-1, local to the module). */
export interface Instrumented {
  readonly code: string;
  /** Maps the instrumented code to the original sources (the input map composed in). */
  readonly map: object | null;
  readonly sites: readonly Site[];
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
  /** Transforms kept between processes: looked up before instrumenting, given what was instrumented (not part of the key). */
  readonly store?: TransformStore;
  /**
   * The flight recorder's `--capture-args`: the functions (by name, `patterns` as given, `matches`
   * deciding) whose calls hand their parameters' values to the runtime at entry (`ena`, `eaa`);
   * their sites list the parameter names (`params`). A generator hands them over at its call
   * (`ega`, after its defaults), or, where its call is seen only as its body first runs, there (`gsa`).
   */
  readonly captureArgs?: { readonly patterns: readonly string[]; readonly matches: (functionName: string) => boolean };
}

const cache = new Map<string, Instrumented>();

/**
 * Transforms compiled workflow JavaScript (an ES module) so that it reports its sites to the replay
 * runtime: function enter, exit and throw (the body wrapped in try/catch/finally), every statement,
 * every `await` (suspend before, resume after; also the one of a `return` in an async generator),
 * every `yield` (the same; a `yield*` at each step of its delegation), each iteration's await
 * of `for await`, and branch decisions (if/else, ?:, && and ||, loop conditions, switch cases).
 * A generator's call reports its entry (an extra parameter with a default runs at the call) and
 * its body each run, from `next()` to the next `yield` (see GeneratorState). Sites carry the file,
 * line, column and function name of the original TypeScript when `inputMap` (the compiler's
 * source map) is given. With `modules` (the flight recorder's), the module's body too, as a frame
 * of its own (see ModuleFrame).
 * Results are cached by content hash (in memory, and in `options.store` when given): instrumenting
 * the same input twice is free.
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
    .update(options.captureArgs?.patterns.length ? `\0args\0${options.captureArgs.patterns.join('\0')}` : '')
    .digest('hex');
  const hit = cache.get(key) ?? options.store?.get(key);
  if (hit) {
    cache.set(key, hit);
    return hit;
  }
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
  options.store?.set(key, out);
  return out;
}

type FnPath = NodePath<T.Function>;

/** The names a function's parameters bind, in order: `(a, { b, c } = {}, ...rest)` binds a, b, c and rest (TypeScript's `this` binds none). */
function parameterNames(fn: T.Function): string[] {
  return fn.params.flatMap((param) => Object.keys(t.getBindingIdentifiers(t.isTSParameterProperty(param) ? param.parameter : param, false))).filter((n) => n !== 'this');
}
/** The code a statement belongs to: a function, or with `modules`, the module's body. */
type Owner = FnPath | NodePath<T.Program>;

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
    // a decorated method starts at its decorators: its line is its name's
    const loc = (t.isClassMethod(node) || t.isClassPrivateMethod(node)) && node.decorators?.length ? node.key.loc?.start : node.loc?.start;
    let where = { file, line: loc?.line ?? 0, column: (loc?.column ?? 0) + 1 };
    if (trace && loc) {
      const o = originalPositionFor(trace, { line: loc.line, column: loc.column });
      if (o.source && o.line !== null) where = { file: o.source.startsWith('file:') ? new URL(o.source).pathname : path.resolve(o.source), line: o.line, column: o.column + 1 };
    }
    sites.push({ kind, ...where, functionName, ...extra });
    return sites.length - 1;
  };
  /** With `modules`: the module's body, a frame of its own (see ModuleFrame). */
  let program: NodePath<T.Program> | undefined;
  let frame: ModuleFrame | undefined;
  /** The instrumented function around a node, the module's body with `modules`, or undefined (untraced module code). */
  const owner = (p: NodePath): Owner | undefined => {
    const fn = p.getFunctionParent();
    if (fn) return fn;
    // a class's field initializers and static blocks run later, in frames of their own: not the module's
    if (!program || p.findParent((q) => q.isClassBody())) return undefined;
    return program;
  };
  /** A module's body is async when it awaits at its top level (an async activation, as an async function's). */
  const isAsync = (fn: Owner): boolean => (fn.isProgram() ? frame?.async === true : fn.node.async === true);
  const isGenerator = (fn: Owner): boolean => !fn.isProgram() && fn.node.generator === true;
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
          const name = nameOf(p);
          const params = options.captureArgs?.matches(name) ? parameterNames(p.node) : undefined;
          const F = siteOf('function', p.node, name, { statements: statementCounts.get(p.node) ?? 0, ...(p.node.async ? { async: true } : {}), ...(p.node.generator ? { generator: true } : {}), ...(sparse ? { run: leading.get(body) ?? [] } : {}), ...(params ? { params } : {}) });
          if (p.node.generator) return instrumentGenerator(p, F, { sparse, sourceType: options.sourceType, valuePoint: values ? valuePoint : undefined, params });
          const e = t.identifier('__hs_e');
          const enter = entryCall(p.node.async ? 'ea' : 'en', F, params);
          const entry: T.Statement[] = [mark(t.variableDeclaration('const', [t.variableDeclarator(act(), enter)]))];
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
          const joins = quiet(node) && !reportsItself(p) ? runBefore(p) : undefined;
          if (joins) {
            joins.push(S);
            runOf.set(node, joins);
            p.insertBefore(mark(t.expressionStatement(mark(t.assignmentExpression('=', t.identifier(PROGRESS), num(S))))));
          } else {
            // a compound statement's run stays empty: what follows it is reported again
            if (simple(node)) runOf.set(node, run);
            p.insertBefore(mark(t.expressionStatement(probe('st', mark(t.assignmentExpression('=', t.identifier(PROGRESS), num(S))), act()))));
          }
          if (fn === program && t.isReturnStatement(node)) frame!.returnFrom(p as NodePath<T.ReturnStatement>, statementSites);
          return;
        }
        const S = siteOf('statement', node, nameOf(fn));
        statementSites.set(node, S);
        const report = mark(t.expressionStatement(probe('st', num(S), act())));
        p.insertBefore(values ? [report, valuePoint(p, fn as FnPath, node.start ?? 0)] : report);
        if (fn === program && t.isReturnStatement(node)) frame!.returnFrom(p as NodePath<T.ReturnStatement>, statementSites);
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
          const operand = p.node.argument ?? t.identifier('undefined');
          const delegated = p.node.delegate ? probe('dg', num(Y), gen(), operand, t.booleanLiteral(isAsync(fn))) : probe('sy', num(Y), gen(), operand);
          p.replaceWith(probe('ry', num(Y), gen(), mark(t.yieldExpression(delegated, p.node.delegate))));
        },
      },
      ReturnStatement: {
        exit(p) {
          // an async generator awaits the value it returns (other code runs meanwhile): an await of its own, resumed by its catch or finally
          const fn = owner(p);
          if (fn && p.node.argument && !made.has(p.node.argument) && isGenerator(fn) && isAsync(fn)) p.node.argument = probe('sw', num(siteOf('await', p.node, nameOf(fn))), gen(), p.node.argument);
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
          const async = options.sourceType !== 'script' && awaitsAtTopLevel(p);
          // the module's frame starts at its first line, where V8 puts the module's own function
          const where = moduleWhere(trace, file);
          names.set(p.node, `<module ${path.basename(where.file)}>`);
          frame = new ModuleFrame(sites.push({ kind: 'function', ...where, functionName: nameOf(p), ...(async ? { async: true } : {}), module: true }) - 1, async, sparse);
        },
        exit(p) {
          if (frame) {
            sites[frame.site] = { ...sites[frame.site]!, statements: statementCounts.get(p.node) ?? 0, ...(sparse ? { run: leading.get(p.node) ?? [] } : {}) };
            frame.instrument(p);
          }
          // the runtime is found through a registered symbol; the module's sites are registered once, at load
          const runtime = t.memberExpression(t.identifier('globalThis'), t.callExpression(t.memberExpression(t.identifier('Symbol'), t.identifier('for')), [t.stringLiteral(RUNTIME_KEY.description!)]), true);
          const register = t.callExpression(t.memberExpression(runtime, t.identifier('module')), [t.valueToNode(sites), t.valueToNode(scopes)]);
          p.unshiftContainer('body', mark(t.variableDeclaration('const', [t.variableDeclarator(t.identifier(PROBE), register)])));
        },
      },
    },
  });

  function branch(test: T.Expression, yes: number, no: number): T.Expression {
    const call = probe('br', test, num(yes), num(no), act());
    made.add(call.arguments[0]!);
    return call;
  }
}
