import { writeNote } from './note.js';

/** Said on stderr and kept with the recording (the file): a module that runs untraced, and why. */
export function untracedWarning(file: string): (module: string, err: unknown) => void {
  return (module, err) => say(file, `${module} runs untraced (it could not be instrumented: ${((err as Error)?.message ?? String(err)).split('\n')[0]})`);
}

/**
 * Said on stderr and kept with the recording: a module traced without its source map, and why. Not
 * of a dependency whose map is missing: packages name maps they do not ship (typescript's
 * `_tsc.js.map`), and every recording that traced one would say so.
 */
export function sourceMapWarning(file: string): (module: string, why: string, missing: boolean) => void {
  return (module, why, missing) => {
    if (missing && /[\\/]node_modules[\\/]/.test(module)) return;
    say(file, `${module}: ${why}; its events name the JavaScript, not the TypeScript`);
  };
}

/** Said on stderr and kept with the recording: the transform cache's folder cannot be written. */
export function transformCacheWarning(file: string, dir: string): (why: string) => void {
  return (why) => say(file, `instrumented modules cannot be kept in ${dir} (${why}); they are instrumented again at each start: give --transform-cache a writable folder, or off`);
}

/** On the program's stderr, said as hindsight's; in the recording, as it is. */
function say(file: string, line: string): void {
  process.stderr.write(`hindsight: ${line}\n`);
  writeNote(file, `${line}\n`);
}
