import path from 'node:path';
import type { types as T, NodePath } from '@babel/core';
import { originalPositionFor, type TraceMap } from '@jridgewell/trace-mapping';
import type { Site, SiteKind } from '../trace/index.js';
import { made, mark, t } from './babel.js';
import type { InstrumentOptions } from './instrument.js';
import type { ModuleFrame } from './module-frame.js';
import { runsNothing } from './module-body.js';
import { functionName, scopeNames, type ScopeNames } from './names.js';
import { act, gen, num, probe, progressArgs, report } from './probe-calls.js';
import { StatementInserts } from './statement-inserts.js';
import { simple } from './statements.js';

export type FnPath = NodePath<T.Function>;
/** The code a statement belongs to: a function, or with `modules`, the module's body. */
export type Owner = FnPath | NodePath<T.Program>;

/** What a branch site records in the sparse variant. */
type SparseFields = { run?: number[]; in?: number };

/**
 * One module's transform: the sites it makes and what its visitors share about the code they have
 * seen (visit-code.ts, visit-branches.ts, visit-suspensions.ts). One per instrument() call.
 */
export class Transform {
  readonly scopes: ScopeNames[] = [];
  readonly #scopeIds = new Map<string, number>();
  /** Statements instrumented per function, for its site's `statements`. */
  readonly statementCounts = new WeakMap<T.Node, number>();
  /** Per statement node, its site. */
  readonly statementSites = new WeakMap<T.Node, number>();
  /** Sparse: per list owner (a function's body block, a branch's block, a switch case), the quiet statements it starts with. */
  readonly leading = new WeakMap<T.Node, number[]>();
  /** Sparse: the run a statement belongs to (a probed statement's own, or the one a quiet statement joined). */
  readonly runOf = new WeakMap<T.Node, number[]>();
  /**
   * Sparse: per if statement whose block always jumps away (it has no else), and per loop with a
   * test that no break leaves: the run the branch out of it starts, which the statements after it
   * join (they are reached only that way).
   */
  readonly after = new WeakMap<T.Node, number[]>();
  /**
   * Sparse: the runs in which traced code may have run since their event (a getter, a call of the
   * statement that reported, of one that joined): a statement that calls may not join them, as the
   * decoder could not tell which of the two entered a callee.
   */
  readonly mayCall = new WeakSet<number[]>();
  readonly #names = new WeakMap<T.Node, string>();
  /** Sparse: a switch case's site, until its statements are instrumented and its run is known. */
  readonly caseSites = new WeakMap<T.Node, number>();
  /**
   * Async functions with a `for await`: a `return` in its body awaits the iterator's `return()`
   * on the way out, so their `finally` first reports the Resume of that await (if any).
   */
  readonly forAwait = new WeakSet<T.Node>();
  /** The functions (and the module's body) whose continuations are told their activation: the local they hold it in (continuations.ts). */
  readonly hosts = new WeakMap<T.Node, string>();
  /** With `demotable`: the code of each function small enough to be demoted, as it was before it was instrumented. */
  readonly originals = new WeakMap<T.Node, T.Statement[]>();
  /** The statement probes, put in as each owner's traversal ends (StatementInserts). */
  readonly inserts = new StatementInserts();
  /** With `modules`: the module's body, a frame of its own (see ModuleFrame). */
  program: NodePath<T.Program> | undefined;
  frame: ModuleFrame | undefined;

  constructor(
    readonly sites: Site[],
    readonly file: string,
    readonly trace: TraceMap | undefined,
    /** The replay variant's value points (InstrumentOptions.values). */
    readonly values: boolean,
    readonly sparse: boolean,
    readonly modules: boolean,
    readonly options: InstrumentOptions,
  ) {}

  /** A new site at `node`, named as in the original source when there is a source map. */
  siteOf(kind: SiteKind, node: T.Node, functionName: string, extra: Omit<Site, 'kind' | 'file' | 'line' | 'column' | 'functionName'> = {}): number {
    // a decorated method starts at its decorators: its line is its name's
    const loc = (t.isClassMethod(node) || t.isClassPrivateMethod(node)) && node.decorators?.length ? node.key.loc?.start : node.loc?.start;
    const where = (loc && this.#original(loc)) ?? { file: this.file, line: loc?.line ?? 0, column: (loc?.column ?? 0) + 1 };
    this.sites.push({ kind, ...where, functionName, ...extra });
    return this.sites.length - 1;
  }

  /**
   * Where a function's code ends in the original source (its closing brace, an arrow's expression's
   * last character), for Site.endLine; nothing where the source map does not say, or says another file.
   */
  endOf(node: T.Node): Pick<Site, 'endLine' | 'endColumn'> {
    const { start, end } = node.loc ?? {};
    if (!start || !end) return {};
    const from = this.#original(start);
    const to = this.#original({ line: end.line, column: Math.max(0, end.column - 1) });
    if (!from || !to || to.file !== from.file || to.line < from.line) return {};
    return { endLine: to.line, endColumn: to.column };
  }

  /** A position of the code given (1-based line, 0-based column) in the original source: 1-based both; itself without a source map, undefined where the map does not say. */
  #original(at: { line: number; column: number }): { file: string; line: number; column: number } | undefined {
    if (!this.trace) return { file: this.file, line: at.line, column: at.column + 1 };
    const o = originalPositionFor(this.trace, { line: at.line, column: at.column });
    if (!o.source || o.line === null) return undefined;
    return { file: o.source.startsWith('file:') ? new URL(o.source).pathname : path.resolve(o.source), line: o.line, column: o.column + 1 };
  }

  /** `__hs<id>_hit() && __hs<id>_v((__hs_x) => eval(__hs_x), V)`: the value point of the scope at `p`, from source offset `at`. */
  valuePoint(p: NodePath, fn: FnPath, at: number): T.Statement {
    const names = scopeNames(p, fn, at);
    const key = JSON.stringify(names);
    let id = this.#scopeIds.get(key);
    if (id === undefined) {
      id = this.scopes.push(names) - 1;
      this.#scopeIds.set(key, id);
    }
    const x = t.identifier('__hs_x');
    const evaluate = mark(t.arrowFunctionExpression([x], t.callExpression(t.identifier('eval'), [t.identifier('__hs_x')])));
    return mark(t.expressionStatement(mark(t.logicalExpression('&&', probe('hit'), probe('v', evaluate, num(id))))));
  }

  /** The instrumented function around a node, the module's body with `modules`, or undefined (untraced module code). */
  owner(p: NodePath): Owner | undefined {
    const fn = p.getFunctionParent();
    if (fn) return fn;
    // a class's field initializers and static blocks run later, in frames of their own: not the module's
    if (!this.program || p.findParent((q) => q.isClassBody())) return undefined;
    return this.program;
  }

  /** A module's body is async when it awaits at its top level (an async activation, as an async function's). */
  isAsync(fn: Owner): boolean {
    return fn.isProgram() ? this.frame?.async === true : fn.node.async === true;
  }

  isGenerator(fn: Owner): boolean {
    return !fn.isProgram() && fn.node.generator === true;
  }

  /** The probe a catch or finally block of `fn` starts with: it may have been suspended when the exception came. */
  caught(fn: Owner, withProgress = true): T.Statement {
    const p = progressArgs(this.sparse && withProgress);
    return this.isGenerator(fn) ? report('cg', gen(), ...p) : report('ca', act(), ...p);
  }

  nameOf(fn: Owner): string {
    const known = this.#names.get(fn.node);
    if (known) return known;
    const name = functionName(fn as FnPath); // a module's body is named as it starts
    this.#names.set(fn.node, name);
    return name;
  }

  /** Names a node (the module's body: `<module file.js>`). */
  name(node: T.Node, name: string): void {
    this.#names.set(node, name);
  }

  /** Sparse: the statement a branch belongs to (the innermost enclosing one that has a site). */
  ownerOf(p: NodePath): number | undefined {
    for (let q: NodePath | null = p; q && !q.isFunction(); q = q.parentPath) {
      const id = this.statementSites.get(q.node);
      if (id !== undefined) return id;
    }
    return undefined;
  }

  /** Sparse: a branch site's fields: the statement it belongs to, and the quiet statements its block starts with. */
  sparseBranch(block: T.Node | null | undefined, own: number | undefined): SparseFields {
    if (!this.sparse) return {};
    return { ...(own !== undefined ? { in: own } : {}), ...(block ? { run: this.leading.get(block) ?? [] } : {}) };
  }

  /**
   * Sparse: the run a quiet statement at `p` joins, or undefined (it is reported itself): the run
   * of the simple statement before it, or, first in its list, the list owner's leading run (a
   * function body, the block of an if's branch, of a while or for loop with a test, a switch case).
   */
  runBefore(p: NodePath): number[] | undefined {
    const list = p.container as T.Node[] | undefined;
    if (!Array.isArray(list) || typeof p.key !== 'number') return undefined;
    for (let i = p.key - 1; i >= 0; i--) {
      const prev = list[i]!;
      if (made.has(prev) && !this.statementSites.has(prev)) continue; // the probes and the bk inserted
      if (t.isFunctionDeclaration(prev)) continue; // hoisted: it does not run here
      if (!this.statementSites.has(prev) && t.isStatement(prev) && runsNothing(prev)) continue; // at the top level, an import or a type: no code
      // after a jump, a statement is never reached from it
      if (t.isReturnStatement(prev) || t.isThrowStatement(prev) || t.isBreakStatement(prev) || t.isContinueStatement(prev)) return undefined;
      // after a compound statement, a statement is reached from its blocks (it is reported), or only by its way out
      if (t.isIfStatement(prev) || t.isLoop(prev)) return this.after.get(prev);
      return t.isStatement(prev) && simple(prev) ? this.runOf.get(prev) : undefined;
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
    let run = this.leading.get(block);
    if (!run) this.leading.set(block, (run = []));
    return run;
  }

  /** Sparse: the fields of the branch out of an if or a loop (`p`), with the run of the statements after it when only that branch reaches them. */
  branchOut(p: NodePath<T.IfStatement | T.Loop>, own: number | undefined): SparseFields {
    if (!this.sparse) return {};
    const node = p.node;
    const onlyWay = t.isIfStatement(node) ? !node.alternate && jumpsAway(node.consequent) : !breaksOut(p as NodePath<T.Loop>);
    if (!onlyWay) return this.sparseBranch(t.isIfStatement(node) ? node.alternate : undefined, own);
    const run: number[] = [];
    this.after.set(node, run);
    return { ...this.sparseBranch(undefined, own), run };
  }

  /** `__hs<id>_br(test, yes, no, __hs_a)`: the test's value, and which way it went. */
  branch(test: T.Expression, yes: number, no: number): T.Expression {
    const call = probe('br', test, num(yes), num(no), act());
    made.add(call.arguments[0]!);
    return call;
  }
}

/** A block whose last statement leaves it (return, throw, break, continue): what follows it is not reached through it. */
function jumpsAway(block: T.Statement): boolean {
  const last = t.isBlockStatement(block) ? block.body[block.body.length - 1] : block;
  return t.isReturnStatement(last) || t.isThrowStatement(last) || t.isBreakStatement(last) || t.isContinueStatement(last);
}

/** Whether a break may leave the loop (one of its own, or a labeled one: over-approximated), not counting those of a loop or switch inside it. */
function breaksOut(loop: NodePath<T.Loop>): boolean {
  let found = false;
  loop.get('body').traverse({
    Function: (f) => f.skip(),
    BreakStatement(b) {
      // an unlabeled break leaves the innermost loop or switch around it
      if (!b.node.label && b.findParent((q) => q.node === loop.node || q.isLoop() || q.isSwitchStatement())?.node !== loop.node) return;
      found = true;
    },
  });
  return found;
}
