// The shop's handlers called in process, without HTTP, and the CPU time they take a request:
// what recording costs the service's own code, apart from the loopback network and the load
// generator (which take most of an HTTP request's CPU here, and move with the machine's other
// loads). Run plain or under `--import hindsight/register`; prints {nsPerRequest} (one figure a
// round, warm-up rounds left out) as JSON.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { route, send } from './shop-handlers.js';

const [roundsArg, requestsArg] = process.argv.slice(2);
const ROUNDS = Number(roundsArg ?? 8);
const REQUESTS = Number(requestsArg ?? 20_000);
const WARM_UP = 3;
/** Requests started at once, as an HTTP server under load has several in flight. */
const IN_FLIGHT = 100;

/** Enough of a response for send(): its status and body are kept, as a socket would take them. */
class Response {
  status = 0;
  body = '';
  writeHead(status: number): this {
    this.status = status;
    return this;
  }
  end(text: string): this {
    this.body = text;
    return this;
  }
}

async function round(): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < REQUESTS; i += IN_FLIGHT) {
    for (let j = 0; j < IN_FLIGHT; j++) {
      const req = { url: `/quote/${((i + j) % 16) * 13}` } as IncomingMessage;
      const res = new Response() as unknown as ServerResponse;
      route(req, res).catch((err: Error) => send(res, 500, { error: err.message }));
    }
    await new Promise((resolve) => setImmediate(resolve)); // their awaits run, as between a server's reads
  }
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / REQUESTS;
}

const nsPerRequest: number[] = [];
for (let r = 0; r < WARM_UP + ROUNDS; r++) {
  const ns = await round();
  if (r >= WARM_UP) nsPerRequest.push(ns);
}
console.log(JSON.stringify({ nsPerRequest }));
