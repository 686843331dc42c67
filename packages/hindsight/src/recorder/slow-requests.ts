import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A burst of slow requests is one snapshot: the ring then holds them all. */
const QUIET_MS = 10_000;

/**
 * Calls `slow` when an HTTP request of this process takes longer than `thresholdMs`, from its
 * arrival to the end of its response. Node publishes both moments on diagnostics channels, so this
 * costs two Map operations per request and touches neither the server nor the trace.
 */
export function watchSlowRequests(thresholdMs: number, slow: (reason: string) => void, now: () => number = performance.now.bind(performance)): void {
  const started = new WeakMap<ServerResponse, number>();
  let last = -Infinity;
  diagnostics.subscribe('http.server.request.start', (m) => {
    started.set((m as { response: ServerResponse }).response, now());
  });
  diagnostics.subscribe('http.server.response.finish', (m) => {
    const { request, response } = m as { request: IncomingMessage; response: ServerResponse };
    const t0 = started.get(response);
    if (t0 === undefined) return;
    const ms = now() - t0;
    if (ms <= thresholdMs || now() - last < QUIET_MS) return;
    last = now();
    slow(`slow request: ${request.method} ${request.url} took ${Math.round(ms)} ms (threshold ${thresholdMs} ms)`);
  });
}
