import { existsSync, readFileSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { HindsightError } from '../common/index.js';
import { ENV } from './config.js';
import { mapShared } from './shared-memory.js';

/** The files of a recording in progress, in the folder the supervisor gives the recorded process. */
export const FILES = {
  ring: 'ring',
  /** Created by the one process (and thread) that writes the ring, with its command ({ command }: a child process's names its part). */
  owner: 'owner',
  /** One JSON line per instrumented module: {base, sites}. */
  modules: 'modules.jsonl',
  /** The uncaught error that ended the process, if one did. */
  error: 'error.json',
  /** Node's diagnostic report of a fatal error (the heap out of memory), written by Node as the process dies: no JavaScript runs then. */
  fatalReport: 'fatal-report.json',
  /** A child process's exit code, written as it exits (one killed by a signal writes none). */
  exit: 'exit.json',
  /** A worker thread's or child process's snapshot(reason) requests, one JSON line each, for the supervisor to take. */
  snapshots: 'snapshots.jsonl',
  /** One line per module that could not be instrumented (it ran untraced). */
  warnings: 'warnings.txt',
  /** One JSON line per function demoted (too hot and too small to trace). */
  demoted: 'demoted.jsonl',
  /** The arguments of the calls of the functions named with --capture-args (values-ring.ts). */
  values: 'values.ring',
} as const;

/**
 * Removes a recording's folder (or a part's); whether it went. A process of the program that
 * outlived it (a detached child, a cluster's worker) may still be writing into it: the removal is
 * retried while files appear, and a folder that will not go is left, not the supervisor brought down.
 */
export function removeFolder(dir: string): boolean {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
    return true;
  } catch {
    return false;
  }
}

/** Folders under the main one where worker threads (by threadId) and child processes (by pid) keep their own rings. */
export const PARTS = {
  threads: 'threads',
  processes: 'processes',
} as const;

/**
 * The memory file system where rings are kept when the machine has one: Linux's /dev/shm, or
 * another tmpfs named by HINDSIGHT_MEMORY_DIR (one with more room than a container's /dev/shm).
 */
export function memoryFolder(): string | undefined {
  const named = process.env[ENV.memoryDir];
  if (named && !existsSync(named)) throw new HindsightError('HS_E_MEMORY_DIR', `${ENV.memoryDir} names ${named}, which does not exist: make it (a tmpfs) or unset it to keep rings in /dev/shm`);
  const folder = named || '/dev/shm';
  return existsSync(folder) ? folder : undefined;
}

/**
 * The ring file of `bytes` (ringBytes) at `file`, mapped (mapShared), its room reserved as it is
 * made; undefined, the file removed, when the file system has no room for it (ENOSPC). A ring
 * whose pages a file system cannot back would kill the program with SIGBUS at its first write to one.
 */
export function mapRing(file: string, bytes: number): ArrayBuffer | undefined {
  try {
    return mapShared(file, bytes);
  } catch (err) {
    if ((err as { errno?: number }).errno !== -constants.errno.ENOSPC) throw err;
    rmSync(file, { force: true });
    return undefined;
  }
}

/**
 * The folder for a recording's ring of `bytes`, in the first of `roots` with room for it (memory
 * first, where the machine has it), and the ring's mapping: `make` makes a folder in a root, where
 * the ring's file is made with its room reserved (mapRing); a folder without room is `discard`ed.
 * The user is told when the ring is not in the first root (memory had no room), and when no root
 * has room (undefined: the program runs unrecorded).
 */
export function ringFolder(roots: readonly string[], bytes: number, make: (root: string) => string, discard: (dir: string) => void, warn: (line: string) => void): { dir: string; ring: ArrayBuffer } | undefined {
  const mib = Math.round(bytes / 2 ** 20);
  for (const [i, root] of roots.entries()) {
    const dir = make(root);
    const ring = mapRing(path.join(dir, FILES.ring), bytes);
    if (ring) {
      if (i > 0) warn(`hindsight: ${roots[0]} has no room for the ${mib} MiB ring; it is a file in ${root} instead, which costs the program more CPU (a container's /dev/shm is 64 MiB unless run with --shm-size; HINDSIGHT_MEMORY_DIR names another tmpfs)`);
      return { dir, ring };
    }
    discard(dir);
  }
  warn(`hindsight: no room for the ${mib} MiB ring in ${roots.join(' or ')}: the program runs unrecorded`);
  return undefined;
}

/** A JSON file of a recording's folder; undefined when it is absent, or torn by the death it tells of. */
export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
