import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { ProbeRuntime } from '../instrument/index.js';

/** A burst of slow requests is one snapshot: the ring then holds them all. */
const QUIET_MS = 10_000;
/** How long a slow unit of work waits for the HTTP trigger to name it better (as the request it served). */
const HTTP_FIRST_MS = 50;

/** `slow`, at most once per QUIET_MS, whichever trigger asks: the snapshot of a burst of slow work holds it all. */
export function oncePerBurst(slow: (reason: string) => void, now: () => number = performance.now.bind(performance)): (reason: string) => void {
  let last = -Infinity;
  return (reason) => {
    if (now() - last < QUIET_MS) return;
    last = now();
    slow(reason);
  };
}

/**
 * Calls `slow` when an HTTP request of this process takes longer than `thresholdMs`, from its
 * arrival to the end of its response. Node publishes both moments on diagnostics channels, so this
 * costs two Map operations per request and touches neither the server nor the trace.
 */
export function watchSlowRequests(thresholdMs: number, slow: (reason: string) => void, now: () => number = performance.now.bind(performance)): void {
  const started = new WeakMap<ServerResponse, number>();
  diagnostics.subscribe('http.server.request.start', (m) => {
    started.set((m as { response: ServerResponse }).response, now());
  });
  diagnostics.subscribe('http.server.response.finish', (m) => {
    const { request, response } = m as { request: IncomingMessage; response: ServerResponse };
    const t0 = started.get(response);
    if (t0 === undefined) return;
    const ms = now() - t0;
    if (ms > thresholdMs) slow(`slow request: ${request.method} ${request.url} took ${Math.round(ms)} ms (threshold ${thresholdMs} ms)`);
  });
}

/**
 * Calls `slow` when a unit of work of the traced code takes longer than `thresholdMs`: an async
 * function the event loop started, directly or from a synchronous callback (a message consumer, a
 * job, a request handler of a server that is not node:http), from its call to its end, awaits
 * included (see ProbeRuntime.watchSlow). Not a module's top-level code. It waits HTTP_FIRST_MS
 * before asking, so that a slow HTTP request is named by the request trigger, URL and all.
 */
export function watchSlowWork(runtime: ProbeRuntime, thresholdMs: number, slow: (reason: string) => void): void {
  let waiting = false;
  runtime.watchSlow(thresholdMs, (site, ms) => {
    const s = runtime.sites[site];
    if (!s || s.module || waiting) return;
    waiting = true;
    const reason = `slow work: ${s.functionName} (${path.basename(s.file)}:${s.line}) took ${Math.round(ms)} ms (threshold ${thresholdMs} ms)`;
    setTimeout(() => {
      waiting = false;
      slow(reason);
    }, HTTP_FIRST_MS).unref();
  });
}
