/** What a site is: the static location an instrumenter numbered. */
export type SiteKind = 'function' | 'statement' | 'call' | 'await' | 'yield' | 'branch' | 'throw';

/** The functionName of a function that has none (the instrumenter names what it can). */
export const ANONYMOUS = '<anonymous>';

/** A numbered static location. `line` and `column` are 1-based, in the file as written (no source maps yet). */
export interface Site {
  readonly kind: SiteKind;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The enclosing function's name (for a function site, its own name). */
  readonly functionName: string;
  /** For a function site: how many statements its own body has (nested functions not counted). */
  readonly statements?: number;
  /** For a function site: an async function. */
  readonly async?: boolean;
  /** For a function site: a generator function (async or not); its runs are frames of their own. */
  readonly generator?: boolean;
  /** For a function site: a module's body (its top-level code), a frame of its own; never demoted. */
  readonly module?: boolean;
  /**
   * For a function site: a tiny sync function instrumented with an untraced copy of its code, which
   * it runs once the flight recorder demotes it (InstrumentOptions.demotable).
   */
  readonly demotable?: boolean;
  /**
   * Sites of the flight recorder's sparse instrumentation: the quiet statements (module-local
   * site ids) that run right after this function's entry, this statement, or this branch into a
   * block, and report nothing themselves (one of them may call); the decoder puts their
   * Statement events back.
   */
  readonly run?: readonly number[];
  /**
   * Sparse: for the quiet statement of a run that may enter traced code first (it calls, or reads
   * a property: a getter), with no code before it since the run's event that could: a callee
   * entered while it is pending was entered by it.
   */
  readonly calls?: boolean;
  /**
   * For an await site: the await of `for await`, between two iterations (the statements of the
   * body before it have all run; the sparse decoder puts back the quiet ones before its Suspend).
   */
  readonly loop?: boolean;
  /**
   * For a statement site: it is in a `finally` block of its function, where an exception may be
   * on its way out (the function's Throw after it passes that exception on).
   */
  readonly finally?: boolean;
  /**
   * For a statement site in a `finally` block: a `throw`. The function's Throw after it is that
   * exception, a new one, where after another statement of the block it is the one on its way out.
   */
  readonly throws?: boolean;
  /**
   * For a statement site: a `return` with a value, in an async function. A promise it returns is
   * what the function's own promise follows: an async call made by the statement may outlive the
   * function and still be the work its caller awaits (`return db.read(key)`).
   */
  readonly returnsValue?: boolean;
  /**
   * For a function site: where its code ends in the source (its closing brace; an arrow function's
   * expression's last character), where its Exit is shown, as a debugger shows a function about to
   * return. Absent where the source map did not say (and in recordings made before 2026-12-07).
   */
  readonly endLine?: number;
  readonly endColumn?: number;
  /** Sparse: for a branch or an await site, the statement (module-local site id) it is part of. */
  readonly in?: number;
  /**
   * For a function site whose arguments the recorder captures (`--capture-args`): the names its
   * parameters bind, in order (a destructured parameter binds several); each call's values are
   * kept beside the ring, as they were at its entry.
   */
  readonly params?: readonly string[];
}

/**
 * The site table of one code bundle: site id -> Site, ids dense from 0.
 * Immutable once built; the lookups by line and by function name are indexed on first use.
 */
export class SiteTable {
  readonly #sites: readonly Site[];
  #byLine: Map<string, number[]> | undefined;
  #byFunction: Map<string, number[]> | undefined;

  constructor(sites: readonly Site[]) {
    this.#sites = [...sites];
  }

  get size(): number {
    return this.#sites.length;
  }

  /** The site with this id, or undefined for an id the table does not know (a trace may mention it anyway). */
  get(id: number): Site | undefined {
    return this.#sites[id];
  }

  /** Ids of the sites of this kind (all kinds when omitted) on `file:line`, ascending. */
  sitesOnLine(file: string, line: number, kind?: SiteKind): number[] {
    if (!this.#byLine) {
      this.#byLine = new Map();
      this.#sites.forEach((s, id) => push(this.#byLine!, `${s.file}:${s.line}`, id));
    }
    const ids = this.#byLine.get(`${file}:${line}`) ?? [];
    return kind === undefined ? [...ids] : ids.filter((id) => this.#sites[id]!.kind === kind);
  }

  /** Ids of the function sites named `name`, ascending (several functions may share a name). */
  functionSites(name: string): number[] {
    if (!this.#byFunction) {
      this.#byFunction = new Map();
      this.#sites.forEach((s, id) => {
        if (s.kind === 'function') push(this.#byFunction!, s.functionName, id);
      });
    }
    return [...(this.#byFunction.get(name) ?? [])];
  }
}

function push(map: Map<string, number[]>, key: string, id: number): void {
  const list = map.get(key);
  if (list) list.push(id);
  else map.set(key, [id]);
}
