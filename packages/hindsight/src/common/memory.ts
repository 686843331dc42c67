/**
 * Memory Node cannot ask for itself, from the package's native part (native/memory.c, built by
 * node-gyp when the package is installed): files mapped MAP_SHARED, for the flight recorder's
 * ring, and anonymous memory backed by huge pages, for the columns of a decoded Execution.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HindsightError } from './errors.js';

interface MemoryAddon {
  map(file: string, bytes: number): ArrayBuffer;
  /** `resident`: the bytes that will be written, from the start, which a helper thread faults in ahead (default all). */
  allocate(bytes: number, resident?: number): ArrayBuffer;
  /** The thread's event loop writes a time record into this ring before it waits, when events were written since the last (native/loop-clock.c). */
  stampLoopWaits(ring: ArrayBuffer): void;
}

/** This file compiles to <package>/dist/src/common/; node-gyp builds into <package>/build/Release/. */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ADDON_PATH = path.join(PACKAGE_ROOT, 'build', 'Release', 'hindsight_memory.node');

let addon: MemoryAddon | undefined;
let missing: unknown;

/** The native part, loaded on first use (everything but recording and large decodes runs without it); HS_E_RECORDER_NATIVE when it is not built. */
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

/**
 * Columns of at least half a huge page (1 MiB) are allocated as huge pages: one fault instead of
 * 256 to 512 of 4 KiB (a decode's frame columns of a few hundred thousand frames are this size,
 * and took their faults one page at a time), for at most as much memory again.
 */
const LARGE = 1 << 20;

/**
 * A zeroed ArrayBuffer of `bytes` bytes for a column: a large one backed by huge pages where the
 * kernel has them. A decode fills columns of hundreds of megabytes once, and backed 4 KiB at a
 * time each page is a fault on first touch: on a virtual machine that was measured at 10 µs a
 * page, more than decoding the 500 events it holds. A helper thread of the native part also faults
 * in the part that will be written (`written` bytes from the start) while the decode computes, so
 * what is left of that cost lands on another core. A small column, or one on a machine without the
 * native part or without the memory, is a plain ArrayBuffer: the same, only slower to fill.
 */
export function columnBuffer(bytes: number, written = bytes): ArrayBuffer {
  if (bytes >= LARGE && missing === undefined) {
    try {
      return memoryAddon().allocate(bytes, written);
    } catch {
      // a plain ArrayBuffer below, which throws V8's own RangeError if the memory is not there either
    }
  }
  return new ArrayBuffer(bytes);
}
