import { closeSync, openSync } from 'node:fs';
import { readAt } from '../common/index.js';

/** Pieces a ring is read from its file in: the size the store keeps them in. */
export const RING_PIECE_BYTES = 1 << 20;

/**
 * The file's first `bytes` bytes, in pieces of one buffer, each read again for the next (the
 * store copies a piece before it asks for the next): a 64 MiB ring is never held at once.
 * `missing` is called when the file is gone.
 */
export function* filePieces(file: string, bytes: number, missing: () => never): Generator<Uint8Array> {
  const fd = openIfThere(file) ?? missing();
  try {
    const piece = new Uint8Array(Math.min(bytes, RING_PIECE_BYTES));
    for (let at = 0; at < bytes; at += piece.byteLength) yield readAt(fd, piece.subarray(0, Math.min(piece.byteLength, bytes - at)), at);
  } finally {
    closeSync(fd);
  }
}

/** The file's first `bytes` bytes at once; what `missing` returns when the file is gone. */
export function fileBytes(file: string, bytes: number, missing: () => Uint8Array): Uint8Array {
  const fd = openIfThere(file);
  if (fd === undefined) return missing();
  try {
    return readAt(fd, new Uint8Array(bytes), 0);
  } finally {
    closeSync(fd);
  }
}

function openIfThere(file: string): number | undefined {
  try {
    return openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
