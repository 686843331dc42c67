import { createRequire, syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeterminismViolationError } from '../workflow/errors.js';
import { activeTarget, type ActivationTarget } from './activation.js';

/** What the guards need from the run whose code is executing. */
export interface DeterministicSource extends ActivationTarget {
  now(): number;
  random(): number;
  uuid(): string;
  /** Milliseconds of workflow time since the run started (for `performance.now()`). */
  elapsed(): number;
  /** Records a violation; the run is parked (BLOCKED) at the end of the activation. */
  violation(err: DeterminismViolationError): void;
}

const nodeCrypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');

const original = {
  Date: globalThis.Date,
  random: Math.random,
  setTimeout: globalThis.setTimeout,
  setInterval: globalThis.setInterval,
  setImmediate: globalThis.setImmediate,
  fetch: globalThis.fetch,
  performanceNow: performance.now.bind(performance),
  webRandomUUID: globalThis.crypto.randomUUID.bind(globalThis.crypto),
  webGetRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto),
  nodeRandomUUID: nodeCrypto.randomUUID,
};

/** A fresh random UUID from the real generator, for engine code that runs inside activations. */
export const realRandomUUID = (): string => original.webRandomUUID();

let installed = false;

const scope = (): DeterministicSource | undefined => (activeTarget() as DeterministicSource | null) ?? undefined;

// This package's own code, compiled and (with source maps) original: never the culprit.
const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));
const ownCode = [path.join(packageRoot, 'dist', 'src') + path.sep, path.join(packageRoot, 'src') + path.sep];

/** First frame of the stack that is user code, for the report. */
export function callerLocation(): string | undefined {
  const lines = new Error().stack?.split('\n') ?? [];
  return lines
    .slice(1)
    .map((l) => l.trim())
    .find((l) => !ownCode.some((dir) => l.includes(dir)) && !l.includes('node:'))
    ?.replace(/^at /, '');
}

function refuse(what: string, advice: string): never {
  const err = new DeterminismViolationError(what, advice, callerLocation());
  scope()?.violation(err);
  throw err;
}

/**
 * Makes the non-deterministic globals safe inside workflow code, for the whole
 * process, once: `Date`, `performance.now`, `Math.random`, `crypto.randomUUID`
 * and `crypto.getRandomValues` become the run's deterministic time and random
 * numbers; real timers and `fetch` are refused with the line that called them. Code outside workflows (steps, libraries) is not affected:
 * it never runs while an activation is open.
 */
export function installDeterminismGuards(): void {
  if (installed) return;
  installed = true;
  const OriginalDate = original.Date;

  Math.random = () => scope()?.random() ?? original.random();

  globalThis.Date = new Proxy(OriginalDate, {
    construct(target, args, newTarget) {
      const s = scope();
      if (s && args.length === 0) return Reflect.construct(target, [s.now()], newTarget);
      return Reflect.construct(target, args, newTarget);
    },
    apply(target, thisArg, args) {
      const s = scope();
      return s ? new OriginalDate(s.now()).toString() : Reflect.apply(target, thisArg, args);
    },
    get(target, prop, receiver) {
      if (prop === 'now') return () => scope()?.now() ?? OriginalDate.now();
      return Reflect.get(target, prop, receiver);
    },
  });

  const guardTimer = <F extends (...a: any[]) => any>(fn: F, name: string): F =>
    Object.assign(function (this: unknown, ...args: unknown[]) {
      if (scope()) refuse(`${name}()`, 'use ctx.sleep() for durable waits');
      return fn.apply(this, args);
    }, fn) as unknown as F;
  globalThis.setTimeout = guardTimer(original.setTimeout, 'setTimeout');
  globalThis.setInterval = guardTimer(original.setInterval, 'setInterval');
  globalThis.setImmediate = guardTimer(original.setImmediate, 'setImmediate');
  if (original.fetch) {
    globalThis.fetch = function (this: unknown, ...args: Parameters<typeof fetch>) {
      if (scope()) refuse('fetch()', 'move I/O into a step (ctx.step)');
      return original.fetch.apply(this, args);
    } as typeof fetch;
  }

  performance.now = () => scope()?.elapsed() ?? original.performanceNow();
  const randomUUID = (() => scope()?.uuid() ?? original.webRandomUUID()) as typeof crypto.randomUUID;
  globalThis.crypto.randomUUID = randomUUID;
  globalThis.crypto.getRandomValues = (<T extends ArrayBufferView | null>(array: T): T => {
    const s = scope();
    if (!s || !array) return original.webGetRandomValues(array as never) as T;
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(s.random() * 256);
    return array;
  }) as typeof crypto.getRandomValues;
  nodeCrypto.randomUUID = ((options?: import('node:crypto').RandomUUIDOptions) =>
    scope()?.uuid() ?? original.nodeRandomUUID(options)) as typeof nodeCrypto.randomUUID;
  syncBuiltinESMExports(); // `import { randomUUID } from 'node:crypto'` sees the guarded one too
}
