import { appendFileSync } from 'node:fs';

/** Said on stderr and kept with the recording (the file): a module that runs untraced, and why. */
export function untracedWarning(file: string): (module: string, err: unknown) => void {
  return (module, err) => {
    const line = `hindsight: ${module} runs untraced (it could not be instrumented: ${((err as Error)?.message ?? String(err)).split('\n')[0]})`;
    process.stderr.write(`${line}\n`);
    appendFileSync(file, `${line}\n`);
  };
}
