import { EventKind, ExecutionBuilder, SiteTable, type Execution, type Site } from '../../src/trace/index.js';

/**
 * Random well-formed traces for property tests, made by running a tiny imaginary program driven
 * by a list of choices. Alongside the events it records what a naive model of the program says:
 * the function sites on the stack at each event (innermost first) and a token per activation of
 * a function, so tests can compare the Execution's indexes with something built differently.
 */
export const FUNCTIONS = 4;
export const STATEMENTS_PER_FUNCTION = 3;
export const functionSite = (fn: number) => fn;
export const statementSite = (fn: number, k: number) => FUNCTIONS + fn * STATEMENTS_PER_FUNCTION + k;
export const awaitSite = (fn: number) => FUNCTIONS * (1 + STATEMENTS_PER_FUNCTION) + fn;
export const branchSite = (fn: number) => FUNCTIONS * (2 + STATEMENTS_PER_FUNCTION) + fn;

export function siteTable(): SiteTable {
  const sites: Site[] = [];
  const file = 'gen.ts';
  // half of them async, whose `return` of a value the analysis follows (Site.returnsValue)
  for (let fn = 0; fn < FUNCTIONS; fn++) sites[functionSite(fn)] = { kind: 'function', file, line: fn * 10 + 1, column: 1, functionName: `f${fn}`, ...(fn % 2 === 0 ? { async: true } : {}) };
  for (let fn = 0; fn < FUNCTIONS; fn++)
    for (let k = 0; k < STATEMENTS_PER_FUNCTION; k++)
      // the first a `return` of a value
      sites[statementSite(fn, k)] = { kind: 'statement', file, line: fn * 10 + 2 + k, column: 3, functionName: `f${fn}`, ...(k === 0 ? { returnsValue: true } : {}) };
  for (let fn = 0; fn < FUNCTIONS; fn++) sites[awaitSite(fn)] = { kind: 'await', file, line: fn * 10 + 6, column: 9, functionName: `f${fn}` };
  for (let fn = 0; fn < FUNCTIONS; fn++) sites[branchSite(fn)] = { kind: 'branch', file, line: fn * 10 + 7, column: 5, functionName: `f${fn}` };
  return new SiteTable(sites);
}

export interface RawEvent {
  kind: EventKind;
  site: number;
  activation: number;
}

export interface Generated {
  events: RawEvent[];
  /** Per event: function sites on the naive stack, innermost first. */
  stacks: number[][];
  /** Per event: the token of the function activation it belongs to. */
  tokens: number[];
}

interface Activation {
  id: number;
  /** Function sites and tokens, outermost first, including the frames of the activation that called it. */
  stack: { fn: number; token: number }[];
  own: number;
  caller: Activation | undefined;
  suspendedOnce: boolean;
}

export function generate(choices: number[], options: { async?: boolean; maxDepth?: number } = {}): Generated {
  const asyncOn = options.async ?? true;
  const maxDepth = options.maxDepth ?? 6;
  const events: RawEvent[] = [];
  const stacks: number[][] = [];
  const tokens: number[] = [];
  const waiting: Activation[] = [];
  let cur: Activation | undefined;
  let nextAct = 1;
  let nextToken = 1;
  const emit = (kind: EventKind, site: number, a: Activation) => {
    events.push({ kind, site, activation: a.id });
    stacks.push(a.stack.map((s) => s.fn).reverse());
    tokens.push(a.stack[a.stack.length - 1]!.token);
  };
  const enter = (a: Activation, fn: number) => {
    a.stack.push({ fn, token: nextToken++ });
    a.own++;
    emit(EventKind.Enter, functionSite(fn), a);
  };
  for (const c of choices) {
    if (!cur) {
      if (waiting.length > 0 && c % 4 !== 0) {
        cur = waiting.splice(c % waiting.length, 1)[0]!;
        emit(EventKind.Resume, awaitSite(cur.stack[cur.stack.length - 1]!.fn), cur);
      } else {
        cur = { id: nextAct++, stack: [], own: 0, caller: undefined, suspendedOnce: false };
        enter(cur, c % FUNCTIONS);
      }
      continue;
    }
    const a: Activation = cur;
    const top = a.stack[a.stack.length - 1]!;
    let op = c % 10;
    if ((op === 5 || op === 8) && a.stack.length >= maxDepth) op = 0;
    if (!asyncOn && (op === 8 || op === 9)) op = 1;
    if (op === 9 && a.own !== 1) op = 2;
    if (op <= 3) emit(EventKind.Statement, statementSite(top.fn, (c >> 4) % STATEMENTS_PER_FUNCTION), a);
    else if (op === 4) emit(EventKind.Branch, branchSite(top.fn), a);
    else if (op === 5) enter(a, (c >> 4) % FUNCTIONS);
    else if (op === 6 || op === 7) {
      emit(op === 6 ? EventKind.Exit : EventKind.Throw, functionSite(top.fn), a);
      a.stack.pop();
      a.own--;
      if (a.own === 0) cur = a.suspendedOnce ? undefined : a.caller;
    } else if (op === 8) {
      const b: Activation = { id: nextAct++, stack: [...a.stack], own: 0, caller: a, suspendedOnce: false };
      cur = b;
      enter(b, (c >> 4) % FUNCTIONS);
    } else {
      emit(EventKind.Suspend, awaitSite(top.fn), a);
      cur = a.suspendedOnce ? undefined : a.caller;
      a.suspendedOnce = true;
      waiting.push(a);
    }
  }
  return { events, stacks, tokens };
}

/** Builds events[from, to) into an Execution; timestamps are 10 per event. `partial`: told that it starts mid-program. */
export function build(events: readonly RawEvent[], from = 0, to = events.length, partial = false): Execution {
  const b = new ExecutionBuilder(siteTable(), { partial });
  for (let i = from; i < to; i++) b.append(events[i]!.kind, events[i]!.site, events[i]!.activation, (i - from) * 10);
  return b.build();
}
