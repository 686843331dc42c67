import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
 * Writes `file` through a hidden temporary file beside it and a rename: a reader (another process
 * importing it, a later command) sees the old content or the new, never half of it. The temporary
 * name is unique per call: worker threads share the pid, and two of them writing the same file
 * under one name would rename it from under each other. On failure the temporary file goes and
 * the error is thrown.
 */
export function writeAtomically(file: string, text: string): void {
  const tag = `${process.pid}-${threadId}-${randomBytes(4).toString('hex')}`;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${tag}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
