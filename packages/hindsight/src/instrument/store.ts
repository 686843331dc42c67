import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Instrumented } from './instrument.js';

/**
 * Where instrumented modules are kept between processes, so that a program starts as fast the
 * second time as it would untraced (see the recorder's TransformCache). Keyed by the content hash
 * instrument() computes: the code, its file, its input map and the options. A store that fails
 * answers undefined: the module is instrumented again.
 */
export interface TransformStore {
  get(key: string): Instrumented | undefined;
  set(key: string, value: Instrumented): void;
}

let id: string | undefined;

/**
 * What produced a stored transform: this instrumenter's own compiled code and Babel's version. A
 * store keeps transforms under it, so a changed instrumenter never reads another's output.
 */
export function instrumenterId(): string {
  if (id !== undefined) return id;
  const hash = createHash('sha256');
  // this folder, from this file or from the recorder's bundle of it (one folder over, scripts/bundle.mjs)
  const here = fileURLToPath(new URL('../instrument/', import.meta.url));
  for (const file of readdirSync(here).filter((f) => f.endsWith('.js')).sort()) hash.update(file).update('\0').update(readFileSync(here + file));
  const babel = createRequire(import.meta.url)('@babel/core/package.json') as { version: string };
  id = hash.update(babel.version).digest('hex').slice(0, 16);
  return id;
}
