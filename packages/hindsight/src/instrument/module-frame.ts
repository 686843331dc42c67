/** A module's body as a frame of its own (InstrumentOptions.modules): its Enter, its guards, its Exit. */
import path from 'node:path';
import type { NodePath, types as T } from '@babel/core';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { mark, t } from './babel.js';
import { guardBody } from './module-body.js';
import { act, entryCall, guarded, num, progressArgs, progressLocal, report } from './probe-calls.js';

/**
 * Where a module's frame is: line 1, column 1 of the file the user wrote (the source of the
 * compiler's map when the code has one; its first line may be the compiler's own, not mapped).
 */
export function moduleWhere(trace: TraceMap | undefined, file: string): { file: string; line: number; column: number } {
  let source: string | null | undefined;
  if (trace) source = originalPositionFor(trace, { line: 1, column: 0 }).source ?? (trace.resolvedSources.length === 1 ? trace.resolvedSources[0] : undefined);
  const mapped = source ? (source.startsWith('file:') ? new URL(source).pathname : path.resolve(source)) : file;
  return { file: mapped, line: 1, column: 1 };
}

export class ModuleFrame {
  /**
   * `site`: the module's function site; `async`: it awaits at its top level (an async activation,
   * as an async function's); `merged`: the names of its enums and namespaces that merge (mergedNames).
   */
  constructor(
    readonly site: number,
    readonly async: boolean,
    private readonly sparse: boolean,
    private readonly merged: Set<string>,
  ) {}

  /** The Exit probe that ends the frame. */
  exit(): T.Statement {
    return report(this.async ? 'xr' : 'xs', num(this.site), act());
  }

  /**
   * A CommonJS module's `return` at its top level ends the module's frame: `{ const __hs_r = value;
   * <exit>; return __hs_r; }`, the value still evaluated first, inside the body's guard.
   */
  returnFrom(p: NodePath<T.ReturnStatement>, statementSites: WeakMap<T.Node, number>): void {
    const value = t.identifier('__hs_r');
    const keep = mark(t.variableDeclaration('const', [t.variableDeclarator(value, p.node.argument ?? t.identifier('undefined'))]));
    const block = mark(t.blockStatement([keep, this.exit(), mark(t.returnStatement(t.identifier('__hs_r')))]));
    // it stands for the return: the statement its branches are part of, and no quiet statement joins it
    const S = statementSites.get(p.node);
    if (S !== undefined) statementSites.set(block, S);
    p.replaceWith(block);
  }

  /**
   * The module's body as a frame: its Enter first, its Exit last, and its code between them
   * guarded by try/catch blocks that report a Throw (and end the frame) when an error leaves it.
   * The body cannot go into one block: imports and exports must stay at the top level, hoisted
   * functions stay hoisted, and a let, const or class would no longer be seen by the functions
   * and modules that use it. So each run of other statements gets a guard of its own, and a
   * declaration stays where it is, its initializers computed first, into temporaries, in the
   * guard before it (the bindings keep their kind and their dead zone; a function or class
   * assigned keeps its inferred name). See guardBody.
   */
  instrument(p: NodePath<T.Program>, hostDeclaration: readonly T.Statement[]): void {
    const temps: T.Identifier[] = [];
    const temp = (): T.Identifier => {
      const id = t.identifier(`__hs_t${temps.length}`);
      temps.push(id);
      return t.identifier(id.name);
    };
    const body = guardBody(p.node.body, { temp, guard: (code) => this.#guard(code), merged: this.merged });
    const entry: T.Statement[] = [mark(t.variableDeclaration('const', [t.variableDeclarator(act(), entryCall(this.async ? 'ea' : 'en', this.site, undefined))])), ...hostDeclaration];
    if (this.sparse) entry.push(progressLocal());
    if (temps.length > 0) entry.push(mark(t.variableDeclaration('let', temps.map((id) => t.variableDeclarator(id)))));
    // imports first, as written (they are hoisted anyway); then the frame
    const imports = body.filter((n) => t.isImportDeclaration(n));
    p.node.body = [...imports, ...entry, ...body.filter((n) => !t.isImportDeclaration(n)), this.exit()];
  }

  /** `try { code } catch (e) { <throw and exit>; throw e; }`: the module's frame ends by the error. */
  #guard(code: T.Statement[]): T.Statement {
    return guarded(code, [report(this.async ? 'ta' : 'ts', num(this.site), act(), ...progressArgs(this.sparse))]);
  }
}
