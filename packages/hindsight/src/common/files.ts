import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

/** Runs `use` with the file open for reading, and closes it. */
export function withFile<T>(file: string, use: (fd: number) => T): T {
  const fd = openSync(file, 'r');
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

/** Fills `into` from the file at `position`; past the file's end (a file shorter than its header says), zeros. */
export function readAt(fd: number, into: Uint8Array, position: number): Uint8Array {
  into.fill(0, readSync(fd, into, 0, into.byteLength, position));
  return into;
}

/**
 * A hidden name beside `file` for writing it before a rename. Unique per call:
 * worker threads share the pid, and two of them writing the same file under one
 * temporary name would rename it from under each other.
 */
export function tempBeside(file: string): string {
  const tag = `${process.pid}-${threadId}-${randomBytes(4).toString('hex')}`;
  return path.join(path.dirname(file), `.${path.basename(file)}.${tag}.tmp`);
}
