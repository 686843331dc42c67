import { closeSync, openSync, writeSync } from 'node:fs';

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

/**
 * Writes `doc` to `file` as JSON a piece at a time: a trace of millions of events is more JSON than
 * one string can hold (V8's limit is about 512 MB; a full 64 MiB ring's Chrome trace is more). Its
 * arrays, and the objects that hold arrays, are written element by element; anything else whole.
 */
export function writeJsonFile(file: string, doc: unknown): void {
  const fd = openSync(file, 'w');
  try {
    let pending: string[] = [];
    let size = 0;
    const flush = () => {
      writeSync(fd, pending.join(''));
      pending = [];
      size = 0;
    };
    const out = (text: string) => {
      pending.push(text);
      size += text.length;
      if (size >= CHUNK) flush();
    };
    const write = (value: unknown): void => {
      if (Array.isArray(value)) {
        out('[');
        value.forEach((v, i) => {
          if (i > 0) out(',');
          write(v === undefined || typeof v === 'function' ? null : v);
        });
        out(']');
      } else if (value !== null && typeof value === 'object' && Object.values(value).some(Array.isArray)) {
        out('{');
        let first = true;
        for (const [k, v] of Object.entries(value)) {
          if (v === undefined || typeof v === 'function') continue;
          out(`${first ? '' : ','}${JSON.stringify(k)}:`);
          first = false;
          write(v);
        }
        out('}');
      } else out(JSON.stringify(value) ?? 'null');
    };
    write(doc);
    flush();
  } finally {
    closeSync(fd);
  }
}

/** Characters gathered before a write. */
const CHUNK = 1 << 20;
