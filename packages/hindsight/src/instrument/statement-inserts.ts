import type { types as T, NodePath } from '@babel/core';

/**
 * Probes to go right before statements of a block, a `case` or a module's body, put in when the
 * traversal of the function (or module) that owns those statements ends. Babel's insertBefore
 * moves every later sibling's path along, so a body of n statements cost n² to instrument: a
 * function of 20,000 statements took 10 s, and of 150,000 (a bundle's top level) over 10 minutes.
 * The order is insertBefore's: each statement's probes in the order asked, right before it.
 */
export class StatementInserts {
  /** Per owner node: per statement list, the probes to go before each of its statements. */
  readonly #pending = new Map<T.Node, Map<T.Node[], Map<T.Node, T.Node[]>>>();

  /** Queues `nodes` to go right before `p`, a statement of a list, for when `owner`'s traversal ends. */
  before(p: NodePath<T.Statement>, owner: T.Node, nodes: readonly T.Statement[]): void {
    const lists = this.#pending.get(owner) ?? new Map<T.Node[], Map<T.Node, T.Node[]>>();
    this.#pending.set(owner, lists);
    const list = p.container as T.Node[];
    const queued = lists.get(list) ?? new Map<T.Node, T.Node[]>();
    lists.set(list, queued);
    const probes = queued.get(p.node) ?? [];
    queued.set(p.node, probes);
    for (const n of nodes) probes.push(n);
  }

  /** `replaced`, queued before, was replaced by `by` in its list: its probes go before `by`. */
  retarget(owner: T.Node, replaced: T.Node, by: T.Node): void {
    for (const queued of this.#pending.get(owner)?.values() ?? []) {
      const probes = queued.get(replaced);
      if (probes === undefined) continue;
      queued.delete(replaced);
      queued.set(by, probes);
    }
  }

  /** Puts in what was queued for `owner`'s statements: each list rebuilt once, in place (its paths are done with). */
  apply(owner: T.Node): void {
    const lists = this.#pending.get(owner);
    if (lists === undefined) return;
    this.#pending.delete(owner);
    for (const [list, queued] of lists) {
      const rebuilt: T.Node[] = [];
      for (const node of list) {
        for (const probe of queued.get(node) ?? []) rebuilt.push(probe);
        queued.delete(node);
        rebuilt.push(node);
      }
      // an internal error, not the program's: a statement left its list before its probes went in
      if (queued.size > 0) throw new Error(`${queued.size} statement(s) left their block before their probes were put in`);
      list.length = 0;
      for (const node of rebuilt) list.push(node);
    }
  }
}
