/**
 * Memory Node cannot ask for itself, from the package's native part (native/memory.c, built by
 * node-gyp when the package is installed): files mapped MAP_SHARED, for the flight recorder's ring.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HindsightError } from './errors.js';

interface MemoryAddon {
  map(file: string, bytes: number): ArrayBuffer;
  /** The thread's event loop writes a time record into this ring before it waits, when events were written since the last (native/loop-clock.c). */
  stampLoopWaits(ring: ArrayBuffer): void;
}

/** This file compiles to <package>/dist/src/common/; node-gyp builds into <package>/build/Release/. */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ADDON_PATH = path.join(PACKAGE_ROOT, 'build', 'Release', 'hindsight_memory.node');

let addon: MemoryAddon | undefined;
let missing: unknown;

/** The native part, loaded on first use (everything but recording runs without it); HS_E_RECORDER_NATIVE when it is not built. */
export function memoryAddon(): MemoryAddon {
  if (addon) return addon;
  if (missing === undefined) {
    try {
      addon = createRequire(import.meta.url)(ADDON_PATH) as MemoryAddon;
      return addon;
    } catch (cause) {
      missing = cause;
    }
  }
  throw new HindsightError('HS_E_RECORDER_NATIVE', "hindsight's native part is not built; run `npm rebuild hindsight` (needs python3, make and a C compiler)", { cause: missing });
}
