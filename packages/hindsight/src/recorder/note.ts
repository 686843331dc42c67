import { appendFileSync, writeFileSync } from 'node:fs';

/**
 * Writes a note of the recorded process into the recording's folder, for its supervisor (a line
 * appended, or the whole file), and never throws: whether it was written. The folder is gone once
 * the supervisor has archived the recording and ended (a child process that outlived the program,
 * a cluster's worker after its primary), and a note nobody will read must not break the program.
 */
export function writeNote(file: string, text: string, how: 'append' | 'whole' = 'append'): boolean {
  try {
    if (how === 'append') appendFileSync(file, text);
    else writeFileSync(file, text);
    return true;
  } catch {
    return false;
  }
}
