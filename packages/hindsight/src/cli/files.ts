import { readFile } from 'node:fs/promises';
import { HindsightError, writeAtomically } from '../common/index.js';
import { parseHistoryFile, type HistoryFile } from '../history/index.js';

/** Reads and checks an exported history; every problem is one line naming the file. */
export async function readHistoryFile(file: string): Promise<HistoryFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HindsightError('HS_E_FILE_NOT_FOUND', `${file} does not exist; write one with \`hindsight workflow export <id> -o ${file}\``);
    if (code === 'EISDIR') throw new HindsightError('HS_E_FILE_READ', `${file} is a folder; pass a history file`);
    throw new HindsightError('HS_E_FILE_READ', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseHistoryFile(text, file);
}

/**
 * Writes through a temporary file and a rename, so an interrupted export never
 * leaves a truncated history where a good one is expected.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  try {
    writeAtomically(file, text);
  } catch (err) {
    throw new HindsightError('HS_E_FILE_WRITE', `cannot write ${file}: ${(err as Error).message}`, { cause: err });
  }
}
