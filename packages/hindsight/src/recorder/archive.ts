import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { readAt, withFile } from '../common/index.js';
import type { DemotedFunction, NewRecording, RecordedModule, RecordingMeta, RecordingPart, RecordingTrigger, RingFile } from '../store/index.js';
import { Layout } from './ring-layout.js';
import { RING_HEADER_BYTES, ringHeader } from './ring-reader.js';
import { VALUES_RING_HEADER_BYTES, valuesRingUsedBytes } from './values-ring.js';
import { endingError } from './ending-error.js';
import { FILES, PARTS, readJson } from './spool.js';

/** What the supervisor knows of the process when it archives its ring. */
export interface ProcessEnd {
  readonly command: readonly string[];
  readonly pid: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly trigger: RecordingTrigger;
  readonly reason: string;
  /** For a worker thread's or child process's ring: which, and the main recording. */
  readonly part?: RecordingPart;
}

const SNAPSHOT = 'snapshot: ';

/** A snapshot's reason, as a ProcessEnd keeps it: `snapshot: <why>`. */
export function snapshotReason(why: string): string {
  return `${SNAPSHOT}${why}`;
}

/** Why a snapshot was taken, from its reason (snapshotReason). */
export function snapshotWhy(reason: string): string {
  return reason.startsWith(SNAPSHOT) ? reason.slice(SNAPSHOT.length) : reason;
}

/** How a process ended (a ProcessEnd's reason) as a sentence says it: 'was killed by SIGTERM', 'exited with code 2'. */
export function endedAs(reason: string): string {
  return reason.startsWith('killed by ') ? `was ${reason}` : reason;
}

/**
 * What became of a recorded program, as a shell or gdb would say it, wherever a recording is
 * named (the supervisor's notice, `trace list` and `trace show`): a crash is an uncaught error; a
 * program killed by a signal (SIGTERM from a deploy) or that exited with a code of failure did not
 * crash, though its recording is archived as one.
 */
export function howItEnded(m: Pick<RecordingMeta, 'error' | 'trigger' | 'reason' | 'part'>): string {
  if (m.error) return `crashed (${m.error.name}: ${m.error.message})${m.part ? ` (${m.part.kind} ${m.part.id} of ${m.part.of})` : ''}`;
  if (m.trigger === 'snapshot') return `was snapshotted, and goes on (${snapshotWhy(m.reason)})`;
  return endedAs(m.reason);
}

/** A function the recorder demoted, in words: which, when, and `consequence` for what the reader is shown. */
export function demotion(d: DemotedFunction, consequence: string): string {
  return `${d.functionName} (${d.file}:${d.line}) was demoted after ${d.calls} calls (too hot and too small to trace): ${consequence}`;
}

export const newRecordingId = (): string => `rec-${randomUUID().slice(0, 8)}`;

/**
 * A recording from the files a recorded process left in its folder: the ring (compacted when it
 * never wrapped), the site table of every module that loaded, the error that ended it, and the
 * code bundle (the sources the sites name, as they are on disk now, by content hash).
 *
 * The ring of a process that `ended` is left in its file, for the store to copy in once the
 * recording is committed (RecordingStore.storeRing: a full 64 MiB ring takes a few hundred ms,
 * the rest a few ms). A live process's (a snapshot) is copied at once: what it writes meanwhile
 * must not mix into the copy.
 */
export function archive(dir: string, end: ProcessEnd, id = newRecordingId(), { ended = false } = {}): NewRecording {
  // a snapshot reads the ring of a live process: the few newest events may be torn, never the rest
  const { ring, header } = readRingFile(path.join(dir, FILES.ring), ended);
  const modules = readModules(path.join(dir, FILES.modules));
  const error = endingError(dir);
  const warnings = existsSync(path.join(dir, FILES.warnings)) ? readFileSync(path.join(dir, FILES.warnings), 'utf8').split('\n').filter(Boolean) : [];
  const demoted = readLines<DemotedFunction>(path.join(dir, FILES.demoted));
  const meta: RecordingMeta = {
    id,
    createdAt: Date.now(),
    trigger: end.trigger,
    command: end.command,
    pid: end.pid,
    exitCode: end.exitCode,
    signal: end.signal,
    ...(error ? { error } : {}),
    node: process.version,
    host: hostname(),
    events: header.events,
    wrapped: header.wrapped,
    reason: end.reason,
    ...(warnings.length ? { warnings } : {}),
    ...(demoted.length ? { demoted } : {}),
    ...(end.part ? { part: end.part } : {}),
  };
  const values = readValuesFile(path.join(dir, FILES.values));
  return { meta, ring, modules, files: bundle(modules), ...(values ? { values } : {}) };
}

/**
 * The rings of the program's worker threads and child processes (cluster workers), each in its
 * own folder under the main one (spool.ts): one recording each, archived with the main one (`of`).
 * Rings with no event (a worker that ran no traced code) are left out. For a part's own snapshot,
 * its ring alone (`only`: one that asked for it, or one that died while the program goes on,
 * `ended`, archived as the crash it was): its siblings go on, and a cluster's rolling restart, or its
 * workers' slow requests, would otherwise store every worker's ring again each time.
 */
export function archiveParts(dir: string, end: ProcessEnd, of: string, only?: Pick<RecordingPart, 'kind' | 'id'>, { ended = false } = {}): NewRecording[] {
  const out: NewRecording[] = [];
  for (const [sub, kind] of [[PARTS.threads, 'worker thread'], [PARTS.processes, 'process']] as const) {
    const root = path.join(dir, sub);
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort((a, b) => Number(a) - Number(b))) {
      const folder = path.join(root, name);
      if (!ringStarted(folder)) continue;
      const id = Number(name);
      if (only && (only.kind !== kind || only.id !== id)) continue;
      const part: RecordingPart = { kind, id, of };
      // a child process runs a command of its own (a launcher's program, a cluster's worker); a thread, the program's
      const own = kind === 'process' ? readJson<{ command?: string[] }>(path.join(folder, FILES.owner))?.command : undefined;
      const taken = archive(folder, { ...end, ...(kind === 'process' ? { pid: id } : {}), ...(own?.length ? { command: own } : {}), ...(ended ? { trigger: 'crash' as const } : {}), reason: `${end.reason} (${kind} ${id} of ${of})`, part });
      if (taken.meta.events > 0) out.push(taken);
    }
  }
  return out;
}

/**
 * The ring: its header first, then only the bytes it says are used (a ring that never wrapped is
 * read no further than its last event), copied, or, when its process has `ended`, left in its
 * file for this process to store.
 */
function readRingFile(file: string, ended: boolean): { ring: Uint8Array | RingFile; header: ReturnType<typeof ringHeader> } {
  if (!ended) {
    const ring = readUsed(file, RING_HEADER_BYTES, (head) => ringHeader(head).usedBytes);
    return { ring, header: ringHeader(ring) };
  }
  const header = ringHeader(withFile(file, (fd) => readAt(fd, new Uint8Array(RING_HEADER_BYTES), 0)));
  return { ring: { file, bytes: header.usedBytes, owner: process.pid }, header };
}

/**
 * Whether the folder's ring was started (its header written, the magic last): a ring's file is
 * made, and its room reserved, before its program runs (spool.ts, ringFolder).
 */
export function ringStarted(dir: string): boolean {
  const file = path.join(dir, FILES.ring);
  if (!existsSync(file)) return false;
  const head = withFile(file, (fd) => readAt(fd, new Uint8Array(4), 0));
  return new DataView(head.buffer).getUint32(0, true) === Layout.MAGIC;
}

/** The values ring (captured arguments), its header and the slots written, when the program captured any. */
function readValuesFile(file: string): Uint8Array | undefined {
  return existsSync(file) ? readUsed(file, VALUES_RING_HEADER_BYTES, valuesRingUsedBytes) : undefined;
}

/**
 * A ring file's header, then the bytes it says are used. A live program (a snapshot) has written
 * more since the header was read: the copy keeps that header, which says what was read.
 */
function readUsed(file: string, headerBytes: number, used: (head: Uint8Array) => number): Uint8Array {
  return withFile(file, (fd) => {
    const head = readAt(fd, new Uint8Array(headerBytes), 0);
    const bytes = readAt(fd, new Uint8Array(used(head)), 0);
    bytes.set(head);
    return bytes;
  });
}

function readModules(file: string): RecordedModule[] {
  return readLines<{ base: number; sites: RecordedModule['sites'] }>(file).map((m) => ({ url: m.sites[0]?.file ?? '', base: m.base, sites: m.sites }));
}

/** A JSON-lines file; a line cut short by the process dying is left out. */
function readLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const out: T[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // the torn last line of a process killed while writing it
    }
  }
  return out;
}

function bundle(modules: readonly RecordedModule[]): NewRecording['files'] {
  const files = new Set(modules.flatMap((m) => m.sites.map((s) => s.file)));
  const out: NewRecording['files'][number][] = [];
  for (const file of [...files].sort()) {
    if (!existsSync(file)) continue;
    const content = readFileSync(file, 'utf8');
    out.push({ path: file, hash: createHash('sha256').update(content).digest('hex'), content });
  }
  return out;
}
