import { EventKind, ExecutionBuilder, SiteTable, type Execution } from '../../src/trace/index.js';

/**
 * Executions of a made-up service, built event by event at whole milliseconds so that every
 * duration, percentile and mean in the tests is exact.
 *
 * service.ts
 *  1 async function handle(req) {   if (req.slow) await flush();  return await get(req.key); }
 *  5 async function get(key)       { return await db.read(key); }
 *  9 async function flush()        { await sleep(20); }
 * 13 function health()              { return 'ok'; }
 * 17 function route(req)            { void handle(req); }
 * 21 async function audit(req)      { await log.write(req); }
 * 25 async function both(keys)      { return await Promise.all(keys.map((k) => get(k))); }
 * 29 async function relay(key)      { return get(key); }
 * 33 async function hop(key)        { return relay(key); }
 */
export const S = { HANDLE: 0, HANDLE_AWAIT: 1, GET: 2, GET_AWAIT: 3, FLUSH: 4, FLUSH_AWAIT: 5, HEALTH: 6, HEALTH_ST: 7, ROUTE: 8, AUDIT: 9, AUDIT_AWAIT: 10, BOTH: 11, BOTH_AWAIT: 12, BOTH_MAP: 13, RELAY: 14, RELAY_RETURN: 15, HOP: 16, HOP_RETURN: 17 } as const;

const fn = (line: number, name: string) => ({ kind: 'function' as const, file: 'service.ts', line, column: 1, functionName: name });
const asyncFn = (line: number, name: string) => ({ ...fn(line, name), async: true });
const aw = (line: number, name: string) => ({ kind: 'await' as const, file: 'service.ts', line, column: 10, functionName: name });
const st = (line: number, name: string) => ({ kind: 'statement' as const, file: 'service.ts', line, column: 3, functionName: name });

export const sites = new SiteTable([
  asyncFn(1, 'handle'), aw(2, 'handle'), asyncFn(5, 'get'), aw(6, 'get'), asyncFn(9, 'flush'), aw(10, 'flush'),
  fn(13, 'health'), st(14, 'health'), fn(17, 'route'), asyncFn(21, 'audit'), aw(22, 'audit'),
  asyncFn(25, 'both'), aw(26, 'both'), fn(26, '<anonymous>'),
  asyncFn(29, 'relay'), { ...st(30, 'relay'), returnsValue: true }, asyncFn(33, 'hop'), { ...st(34, 'hop'), returnsValue: true },
]);

/** Appends a service's events in time order; requests run one after another unless said otherwise. */
export class ServiceTrace {
  readonly b: ExecutionBuilder;
  #act = 1;
  t = 0;

  /** `partial`: the trace starts in the middle of the program, as a ring that wrapped does. */
  constructor(partial = false) {
    this.b = new ExecutionBuilder(sites, { partial });
  }

  #e(kind: EventKind, site: number, act: number): void {
    this.b.append(kind, site, act, this.t);
  }

  /** An async call of `site` on a new activation that awaits `ms` of untraced work, then returns. */
  #awaitingCall(site: number, awaitSite: number, ms: number, caller: number): void {
    const a = this.#act++;
    this.#e(EventKind.Enter, site, a);
    this.#e(EventKind.Suspend, awaitSite, a);
    this.#e(EventKind.Suspend, S.HANDLE_AWAIT, caller);
    this.t += ms;
    this.#e(EventKind.Resume, awaitSite, a);
    this.#e(EventKind.Exit, site, a);
    this.#e(EventKind.Resume, S.HANDLE_AWAIT, caller);
  }

  /** `handle` from the event loop: `get` takes `getMs`; with `flushMs` it first awaits `flush` for that long. */
  handle(getMs: number, flushMs?: number): this {
    const a = this.#act++;
    this.#e(EventKind.Enter, S.HANDLE, a);
    if (flushMs !== undefined) this.#awaitingCall(S.FLUSH, S.FLUSH_AWAIT, flushMs, a);
    this.#awaitingCall(S.GET, S.GET_AWAIT, getMs, a);
    this.#e(EventKind.Exit, S.HANDLE, a);
    return this;
  }

  /** `health` from the event loop: synchronous, `ms` long. */
  health(ms: number): this {
    const a = this.#act++;
    this.#e(EventKind.Enter, S.HEALTH, a);
    this.#e(EventKind.Statement, S.HEALTH_ST, a);
    this.t += ms;
    this.#e(EventKind.Exit, S.HEALTH, a);
    return this;
  }

  /**
   * `route` (sync, from the event loop) starts `handle` without awaiting it and returns; `handle`
   * awaits `get` for `getMs`, and fires `audit` (`auditMs` long) that it does not await either.
   */
  routed(getMs: number, auditMs: number): this {
    const r = this.#act++;
    const h = this.#act++;
    const g = this.#act++;
    const au = this.#act++;
    this.#e(EventKind.Enter, S.ROUTE, r);
    this.#e(EventKind.Enter, S.HANDLE, h);
    this.#e(EventKind.Enter, S.GET, g);
    this.#e(EventKind.Suspend, S.GET_AWAIT, g);
    this.#e(EventKind.Suspend, S.HANDLE_AWAIT, h);
    this.#e(EventKind.Exit, S.ROUTE, r);
    this.t += getMs;
    this.#e(EventKind.Resume, S.GET_AWAIT, g);
    this.#e(EventKind.Exit, S.GET, g);
    this.#e(EventKind.Resume, S.HANDLE_AWAIT, h);
    this.#e(EventKind.Enter, S.AUDIT, au);
    this.#e(EventKind.Suspend, S.AUDIT_AWAIT, au);
    this.#e(EventKind.Exit, S.HANDLE, h);
    this.t += auditMs;
    this.#e(EventKind.Resume, S.AUDIT_AWAIT, au);
    this.#e(EventKind.Exit, S.AUDIT, au);
    return this;
  }

  /**
   * `both` from the event loop: its callback of `map` calls `get` for each key and returns at once
   * with its promise; `both` awaits them all (the `get`s take `ms`, in flight together). With
   * `demoted`, the callback is no longer traced (the recorder demoted it): `get` seems called by `both`.
   */
  both(keys: number, ms: number, { demoted = false } = {}): this {
    const a = this.#act++;
    const gets = Array.from({ length: keys }, () => this.#act++);
    this.#e(EventKind.Enter, S.BOTH, a);
    for (const g of gets) {
      if (!demoted) this.#e(EventKind.Enter, S.BOTH_MAP, a);
      this.#e(EventKind.Enter, S.GET, g);
      this.#e(EventKind.Suspend, S.GET_AWAIT, g);
      if (!demoted) this.#e(EventKind.Exit, S.BOTH_MAP, a);
    }
    this.#e(EventKind.Suspend, S.BOTH_AWAIT, a);
    this.t += ms;
    for (const g of gets) {
      this.#e(EventKind.Resume, S.GET_AWAIT, g);
      this.#e(EventKind.Exit, S.GET, g);
    }
    this.#e(EventKind.Resume, S.BOTH_AWAIT, a);
    this.#e(EventKind.Exit, S.BOTH, a);
    return this;
  }

  /**
   * `relay` from the event loop (`hops` of `hop` before it, each returning the next): it returns
   * `get`'s promise at once, and `get` takes `ms`.
   */
  relay(ms: number, hops = 0): this {
    const calls = [...Array<number>(hops).fill(S.HOP), S.RELAY].map((site) => [site, site + 1, this.#act++] as const);
    for (const [site, statement, a] of calls) {
      this.#e(EventKind.Enter, site, a);
      this.#e(EventKind.Statement, statement, a);
    }
    const g = this.#act++;
    this.#e(EventKind.Enter, S.GET, g);
    this.#e(EventKind.Suspend, S.GET_AWAIT, g);
    for (const [site, , a] of calls.reverse()) this.#e(EventKind.Exit, site, a);
    this.t += ms;
    this.#e(EventKind.Resume, S.GET_AWAIT, g);
    this.#e(EventKind.Exit, S.GET, g);
    return this;
  }

  /**
   * A `relay` that returns `get`'s promise and exits while `get` waits; `get`'s activation, for
   * getEnds. Requests that overlap are made of these.
   */
  relayReturned(): number {
    const a = this.#act++;
    const g = this.#act++;
    this.#e(EventKind.Enter, S.RELAY, a);
    this.#e(EventKind.Statement, S.RELAY_RETURN, a);
    this.#e(EventKind.Enter, S.GET, g);
    this.#e(EventKind.Suspend, S.GET_AWAIT, g);
    this.#e(EventKind.Exit, S.RELAY, a);
    return g;
  }

  /** The `get` of activation g resumes, then returns, or throws. */
  getEnds(g: number, throws = false): this {
    this.#e(EventKind.Resume, S.GET_AWAIT, g);
    this.#e(throws ? EventKind.Throw : EventKind.Exit, S.GET, g);
    return this;
  }

  /** The end of a `health` whose beginning the ring overwrote: its statement, then its return (to a caller the trace makes up). */
  tailOfHealth(): this {
    const a = this.#act++;
    this.#e(EventKind.Statement, S.HEALTH_ST, a);
    this.#e(EventKind.Exit, S.HEALTH, a);
    return this;
  }

  /** A `handle` whose Enter the ring overwrote, from its call of `get` (`ms` long) on. */
  handleFromItsGet(ms: number): this {
    const h = this.#act++;
    this.#awaitingCall(S.GET, S.GET_AWAIT, ms, h);
    this.#e(EventKind.Exit, S.HANDLE, h);
    return this;
  }

  /** The end of a `handle` whose beginning the ring overwrote: resumes after its await, then returns. */
  tailOfHandle(): this {
    const a = this.#act++;
    this.#e(EventKind.Resume, S.HANDLE_AWAIT, a);
    this.#e(EventKind.Exit, S.HANDLE, a);
    return this;
  }

  /** A `handle` the trace ends inside: it entered and awaits `get`. */
  unfinishedHandle(): this {
    const a = this.#act++;
    const g = this.#act++;
    this.#e(EventKind.Enter, S.HANDLE, a);
    this.#e(EventKind.Enter, S.GET, g);
    this.#e(EventKind.Suspend, S.GET_AWAIT, g);
    this.#e(EventKind.Suspend, S.HANDLE_AWAIT, a);
    return this;
  }

  idle(ms: number): this {
    this.t += ms;
    return this;
  }

  build(): Execution {
    return this.b.build();
  }
}

/**
 * 20 `handle` requests: 18 typical ones whose `get` takes 1..9 ms (each twice), and every 10th
 * (2 of them) first awaits `flush` for 20 ms, then `get` for 5 and 6 ms: 25 and 26 ms in all.
 * Between them, 5 `health` checks of 1 ms.
 */
export function flushingService(): Execution {
  const s = new ServiceTrace();
  let fast = 0;
  for (let i = 1; i <= 20; i++) {
    if (i % 10 === 0) s.handle(i === 10 ? 5 : 6, 20);
    else s.handle((fast++ % 9) + 1);
    s.idle(1);
    if (i % 4 === 0) s.health(1).idle(1);
  }
  return s.build();
}
