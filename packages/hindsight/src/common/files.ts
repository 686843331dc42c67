import { closeSync, openSync, readSync } from 'node:fs';

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
