/**
 * The values worker: re-executes a history against the values variant of the workflow code and
 * pauses, synchronously, inside the value point asked for. While it waits there the whole program
 * state is frozen at that moment, so scopes, expressions and expansions answer with values as they
 * were then. Requests arrive on a MessagePort read with receiveMessageOnPort (a paused worker has
 * no event loop); the shared signal wakes it.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { replayHistory } from '../../engine/replay.js';
import type { Sample, Scope, Value } from '../../trace/index.js';
import { loadInstrumented } from '../load.js';
import { probeRuntime, type ValuePoint } from '../../instrument/index.js';
import { childrenOf, Handles, text } from './preview.js';
import type { Reply, Request, SiteKey, WorkerInput } from './protocol.js';

const input = workerData as WorkerInput;
const signal = new Int32Array(input.signal);
const port = input.port;
const handles = new Handles();

type Goto = Extract<Request, { op: 'goto' }>;

/** The request being served by moving forward, and what was sampled on the way. */
let pending: { goto: Goto; samples: Sample[]; next: number } | undefined;

function send(reply: Reply): void {
  port.postMessage(reply);
}

/** Blocks until the main thread sends a request. */
function nextRequest(): Request {
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (m) return m.message as Request;
    Atomics.wait(signal, 0, 0);
    Atomics.store(signal, 0, 0);
  }
}

const siteKey = (p: ValuePoint): SiteKey => (p.site ? `${p.site.kind}@${p.site.file}:${p.site.line}:${p.site.column}` : '?');

function begin(goto: Goto): void {
  handles.clear();
  pending = { goto, samples: [], next: 0 };
}

function wants(index: number): boolean {
  if (!pending) return false;
  const s = pending.goto.samples?.indices;
  return index === pending.goto.target || (s !== undefined && s[pending.next] === index);
}

function visit(point: ValuePoint): void {
  const p = pending!;
  const sampled = p.goto.samples;
  if (sampled && sampled.indices[p.next] === point.index) {
    p.next++;
    p.samples.push(sample(point, sampled.expression));
  }
  if (point.index !== p.goto.target) return;
  if (siteKey(point) !== p.goto.site) {
    broken(p.goto.id, 'HS_E_VALUES_DIVERGED', `re-execution reached ${siteKey(point)} at event ${point.index} where the trace has ${p.goto.site}; the code or its inputs are not deterministic`);
  }
  pending = undefined;
  send({ id: p.goto.id, op: 'goto', at: point.index, samples: p.samples });
  serve(point);
}

/** An expression, never a statement: `{ a, b }` is an object, not a block. */
const asExpression = (expression: string) => `(${expression}\n)`;

function sample(point: ValuePoint, expression: string): Sample {
  try {
    return { index: point.index, text: text(point.evaluate(asExpression(expression))), threw: false };
  } catch (err) {
    return { index: point.index, text: describeThrown(err), threw: true };
  }
}

/** Answers requests at a paused point until one moves the execution on. */
function serve(point: ValuePoint): void {
  for (;;) {
    const req = nextRequest();
    switch (req.op) {
      case 'goto':
        if (req.target <= point.index) {
          send({ id: req.id, op: 'error', code: 'HS_E_VALUES_BACKWARDS', message: `a re-execution only moves forward: it is at ${point.index}, asked for ${req.target}` });
          continue;
        }
        begin(req);
        return;
      case 'scopes':
        send({ id: req.id, op: 'scopes', scopes: scopesAt(point) });
        continue;
      case 'evaluate':
        send({ id: req.id, op: 'evaluate', ...evaluate(point, req.expression) });
        continue;
      case 'children': {
        if (!handles.has(req.ref)) {
          send({ id: req.id, op: 'error', code: 'HS_E_VALUES_STALE', message: `value ${req.ref} was shown at another point in time; show it again here` });
          continue;
        }
        send({ id: req.id, op: 'children', children: childrenOf(handles.get(req.ref), handles) });
        continue;
      }
    }
  }
}

function scopesAt(point: ValuePoint): { scopes: Scope[]; this?: Value } {
  const read = (names: readonly string[]): Value[] =>
    names.map((name) => {
      try {
        return handles.value(name, point.evaluate(name));
      } catch {
        return { name, value: '<uninitialized>', type: 'undefined', ref: 0 };
      }
    });
  const { args, locals, closure, module } = point.scope;
  const scopes: Scope[] = [];
  if (args.length) scopes.push({ name: 'Arguments', variables: read(args) });
  scopes.push({ name: 'Locals', variables: read(locals) });
  if (closure.length) scopes.push({ name: 'Closure', variables: read(closure) });
  if (module.length) scopes.push({ name: 'Module', variables: read(module) });
  let self: unknown;
  try {
    self = point.evaluate('this');
  } catch {
    self = undefined;
  }
  return self === undefined ? { scopes } : { scopes, this: handles.value('this', self) };
}

function evaluate(point: ValuePoint, expression: string): { value?: Value; text?: string; json?: string; error?: string } {
  try {
    const v = point.evaluate(asExpression(expression));
    const json = asJson(v);
    return { value: handles.value(expression, v), text: text(v), ...(json !== undefined ? { json } : {}) };
  } catch (err) {
    return { error: describeThrown(err) };
  }
}

/** JSON of data values (objects, arrays, primitives); undefined for what JSON cannot say. */
function asJson(v: unknown): string | undefined {
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return undefined;
  try {
    return JSON.stringify(v);
  } catch {
    return undefined; // cycles
  }
}

function describeThrown(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : `threw ${text(err)}`;
}

async function main(): Promise<void> {
  const { workflows } = await loadInstrumented(input.modulePath, { values: true });
  const runtime = probeRuntime();
  port.postMessage({ op: 'ready' });
  let first = nextRequest();
  while (first.op !== 'goto') {
    send({ id: first.id, op: 'error', code: 'HS_E_VALUES_NOT_PAUSED', message: 'the re-execution has not reached a point yet' });
    first = nextRequest();
  }
  begin(first);
  runtime.reset(undefined, { wants, visit });
  await replayHistory(input.history, workflows).catch(() => undefined);
  runtime.reset(undefined);
  if (pending) broken(pending.goto.id, 'HS_E_VALUES_UNREACHED', `the re-execution ended before event ${pending.goto.target}; the code or its inputs are not deterministic`);
}

/** The re-execution cannot answer any more: says why, to this request and every later one, until the worker is stopped. */
function broken(id: number, code: string, message: string): never {
  for (let req = { id }; ; req = nextRequest()) send({ id: req.id, op: 'error', code, message });
}

main().catch((err: unknown) => {
  port.postMessage({ op: 'fatal', code: (err as { code?: string })?.code ?? 'HS_E_VALUES_WORKER', message: (err as Error)?.message ?? String(err) });
  process.exit(1);
});
