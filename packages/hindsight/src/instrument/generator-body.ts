/** A generator's body, instrumented: its call, each run, and how it ends (see GeneratorState). */
import type { NodePath, types as T } from '@babel/core';
import { mark, t } from './babel.js';
import { act, entryCall, gen, guarded, num, progressArgs, progressLocal, report } from './probe-calls.js';

/**
 * A generator: an extra last parameter `__hs_g = __hs<id>_eg(F)` reports the call (defaults run at
 * the call, the body only on next()); the body reports each start of a run and keeps the state
 * in `__hs_g`. Where a parameter cannot be added (a rest parameter, a 'use strict' body, which
 * needs simple parameters, or sloppy code reading `arguments`), the call is reported as the body
 * first runs. With `params` (its arguments captured), both hand over the parameters' values: the
 * extra parameter's default is evaluated after the others', so after their defaults and
 * destructuring, as the call leaves them; the body's start captures them only when the call was
 * not seen before (see `gs`), before any of the body has run.
 */
export function instrumentGenerator(p: NodePath<T.Function>, F: number, opts: { readonly sparse: boolean; readonly sourceType: 'module' | 'script' | undefined; readonly valuePoint: ((p: NodePath, fn: NodePath<T.Function>, at: number) => T.Statement) | undefined; readonly params: readonly string[] | undefined }): void {
  const { sparse, valuePoint, params } = opts;
  const node = p.node;
  const body = node.body as T.BlockStatement;
  const G = gen();
  const strictBody = body.directives.some((d) => d.value.value === 'use strict');
  const rest = node.params.some((q) => t.isRestElement(q));
  let readsArguments = false;
  if (opts.sourceType === 'script') t.traverseFast(body, (n) => {
    if (t.isIdentifier(n) && n.name === 'arguments') readsArguments = true;
  });
  const param = !rest && !strictBody && !readsArguments;
  if (param) node.params.push(mark(t.assignmentPattern(gen(), entryCall('eg', F, params))));
  const start = entryCall('gs', F, params, param ? gen() : t.identifier('undefined'));
  const entry: T.Statement[] = [
    param ? mark(t.expressionStatement(t.assignmentExpression('=', G, start))) : mark(t.variableDeclaration('const', [t.variableDeclarator(G, start)])),
    mark(t.variableDeclaration('const', [t.variableDeclarator(act(), t.memberExpression(gen(), t.identifier('a')))])),
  ];
  const progress = progressArgs(sparse);
  if (sparse) entry.push(progressLocal());
  if (valuePoint) entry.push(valuePoint(p.get('body') as NodePath, p, body.start ?? 0));
  node.body = mark(t.blockStatement([...entry, guarded(body.body, [report('tg', num(F), gen(), ...progress)], [report('xg', num(F), gen(), ...progress)])], body.directives));
}
