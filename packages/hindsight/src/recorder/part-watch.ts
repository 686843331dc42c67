import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RecordingPart } from '../store/index.js';
import { ringStarted } from './archive.js';
import { endingError } from './ending-error.js';
import { FILES, PARTS, readJson, removeFolder } from './spool.js';
import { alive } from './alive.js';

/** A worker thread or child process of the program that died while the program goes on. */
export interface EndedPart {
  readonly kind: RecordingPart['kind'];
  readonly id: number;
  /** What is known of its end, for the recording's reason. */
  readonly how: string;
}

/** How often the parts' folders are looked at: a crash in a part is archived within this. */
const POLL_MS = 100;

/** What the supervisor is told of the parts. */
export interface PartEvents {
  /** A part died; the caller archives it, then forgets it (`forget`), so later recordings do not carry it again. */
  ended(part: EndedPart): void;
  /** A part called snapshot(reason). */
  snapshot(part: Pick<EndedPart, 'kind' | 'id'>, reason: string): void;
}

/**
 * The supervisor is the parent of the program only, so it does not see a worker thread or a
 * cluster worker die; the program may well go on (a cluster forks a new worker) and the dead
 * part's ring would wait for the program's own end. So the parts' folders are looked at: a worker
 * thread has ended badly once its uncaught error is written down (and stays so for a poll, so its
 * last events are in); a child process once its pid is gone without a clean exit written down
 * (a signal, an abort and SIGKILL write nothing). The same look takes the parts' snapshot requests.
 */
export function watchParts(dir: string, events: PartEvents): { stop(): void; forget(part: EndedPart): void } {
  const seen = new Set<string>();
  const reported = new Set<string>();
  /** Per part, its snapshot requests file as last read: its size, and the end of the requests taken. */
  const asked = new Map<string, { size: number; end: number }>();
  const timer = setInterval(() => {
    for (const part of parts(dir)) {
      const key = `${part.kind}/${part.id}`;
      for (const reason of newRequests(part.folder, key, asked)) events.snapshot(part, reason);
      if (part.how === undefined || reported.has(key)) continue;
      // a thread's error is written as it dies: the next poll is sure to see all of its ring
      if (part.kind === 'worker thread' && !seen.has(key)) {
        seen.add(key);
        continue;
      }
      reported.add(key);
      events.ended({ kind: part.kind, id: part.id, how: part.how });
    }
  }, POLL_MS);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    forget: (part) => void removeFolder(partFolder(dir, part)),
  };
}

/** The requests written since the last look (a torn last line waits for the next). */
function newRequests(folder: string, key: string, asked: Map<string, { size: number; end: number }>): string[] {
  const file = path.join(folder, FILES.snapshots);
  // looked at every poll: read only when it has grown
  const size = statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  const before = asked.get(key) ?? { size: 0, end: 0 };
  if (size === before.size) return [];
  const text = readFileSync(file, 'utf8');
  const from = before.end;
  const end = text.lastIndexOf('\n') + 1;
  asked.set(key, { size, end });
  if (end <= from) return [];
  return text
    .slice(from, end)
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        return String((JSON.parse(line) as { reason?: unknown }).reason);
      } catch {
        return line;
      }
    });
}

function partFolder(dir: string, part: Pick<EndedPart, 'kind' | 'id'>): string {
  return path.join(dir, part.kind === 'worker thread' ? PARTS.threads : PARTS.processes, String(part.id));
}

/** Every part with a ring, and how it ended if it did. */
function* parts(dir: string): Generator<{ kind: EndedPart['kind']; id: number; folder: string; how: string | undefined }> {
  for (const [sub, kind] of [[PARTS.threads, 'worker thread'], [PARTS.processes, 'process']] as const) {
    const root = path.join(dir, sub);
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root)) {
      const id = Number(name);
      const folder = path.join(root, name);
      if (!ringStarted(folder)) continue;
      yield { kind, id, folder, how: kind === 'worker thread' ? crashed(folder) : processEnd(folder, id) };
    }
  }
}

/** A part's uncaught error (or the fatal error Node reported), as its end, if there is one. */
function crashed(folder: string): string | undefined {
  const error = endingError(folder);
  return error ? `crashed: ${error.name}: ${error.message}` : undefined;
}

function processEnd(folder: string, pid: number): string | undefined {
  if (alive(pid)) return undefined;
  const error = crashed(folder);
  if (error) return error;
  const exit = readJson<{ code?: number }>(path.join(folder, FILES.exit));
  if (!exit) return 'died without exiting (killed by a signal or aborted)';
  return exit.code === 0 ? undefined : `exited with code ${exit.code}`;
}
