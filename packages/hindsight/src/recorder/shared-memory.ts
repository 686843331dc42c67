/**
 * Memory that outlives the process: a file mapped MAP_SHARED.
 *
 * The flight recorder's ring buffer lives in such a mapping. Writes to it are
 * plain memory stores, and the kernel keeps them in the page cache however the
 * process dies (SIGKILL, a native abort), so the supervising parent maps the
 * same file afterwards and reads them. Node has no mmap; the package's native
 * part provides it (see common/memory.ts).
 */
import { memoryAddon } from '../common/memory.js';

/**
 * Maps `file` (created with mode 0600 if missing) into memory and returns the
 * mapping as an ArrayBuffer of exactly `bytes` bytes, shared with every other
 * mapping of the file, in this process or another.
 *
 * A missing or shorter file is grown to `bytes` (new bytes read as zero); an
 * existing file of that size or larger keeps its content, which is how a
 * reader maps a ring left behind by a dead process. The mapping is released
 * when the ArrayBuffer is garbage-collected.
 *
 * Throws HS_E_RECORDER_NATIVE when the addon is not built, and a plain Error
 * naming the path and the reason (with `errno` and `syscall`) when the file
 * cannot be opened, sized or mapped.
 */
export function mapShared(file: string, bytes: number): ArrayBuffer {
  return memoryAddon().map(file, bytes);
}

/**
 * Makes every page of a mapping resident now (each is written once, its content unchanged). A
 * fresh mapping is otherwise backed page by page on first touch: the ring would take a page fault
 * every 512 events, in the recorded program's time, until it first wraps. This costs one pass at
 * startup (70 to 270 ms for the default 64 MiB ring on a small VM) and makes the whole ring
 * resident from the start, where it would otherwise be once it wrapped. The kernel's own
 * MADV_POPULATE_WRITE takes a tenth of that, but was measured to leave the recorded service about
 * 2 µs a request slower until the ring's first wrap, as if each page's first write still faulted.
 */
export function touchPages(buffer: ArrayBuffer): void {
  const words = new Uint32Array(buffer);
  for (let i = 0; i < words.length; i += 1024) words[i] = words[i]!;
}

/**
 * From now on, this thread's event loop writes a time record into the ring (a started RingWriter's
 * buffer) just before it waits for I/O, whenever events were written since the last time record.
 * The probes then read the clock only where traced code starts running: where it stops, the time
 * is bounded by the next start or by this record, and an idle program writes nothing.
 */
export function stampLoopWaits(ring: ArrayBuffer): void {
  memoryAddon().stampLoopWaits(ring);
}
