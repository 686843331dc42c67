/** Machine-readable output: the whole answer as one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One JSON object per line, for logs that are read as they are written. */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value);
}

export function println(line = ''): void {
  process.stdout.write(`${line}\n`);
}
