import path from 'node:path';
import type { RecordingMeta } from '../store/index.js';
import { FILES, readJson } from './spool.js';

type EndingError = NonNullable<RecordingMeta['error']>;

/**
 * The error that ended a recorded process (or thread), from its folder: the uncaught error it
 * wrote down as it died, or, where no JavaScript could run any more (the heap out of memory, a
 * fatal V8 error), the diagnostic report Node writes then (register.ts asks for it).
 */
export function endingError(folder: string): EndingError | undefined {
  return readJson<EndingError>(path.join(folder, FILES.error)) ?? fatalError(path.join(folder, FILES.fatalReport));
}

/** What Node's diagnostic report says of the fatal error; only these fields are read (the report also lists the environment, which a recording must not keep). */
interface FatalReport {
  readonly header?: { readonly trigger?: string; readonly event?: string };
  readonly javascriptHeap?: { readonly usedMemory?: number; readonly memoryLimit?: number };
  readonly javascriptStack?: { readonly stack?: readonly string[] };
}

function fatalError(file: string): EndingError | undefined {
  const report = readJson<FatalReport>(file);
  const event = report?.header?.event;
  if (!event) return undefined;
  const heap = report.javascriptHeap;
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  const usage = heap?.usedMemory !== undefined && heap.memoryLimit !== undefined ? ` (heap: ${mb(heap.usedMemory)} used, the limit ${mb(heap.memoryLimit)})` : '';
  const message = `${event}${usage}`;
  // at an out-of-memory error V8 has no JavaScript stack to give: the report says "Unavailable."
  const frames = (report.javascriptStack?.stack ?? []).filter((line) => line.trim().startsWith('at '));
  return { name: report.header?.trigger ?? 'FatalError', message, origin: 'fatal error', ...(frames.length ? { stack: [message, ...frames].join('\n') } : {}) };
}
