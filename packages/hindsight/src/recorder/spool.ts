import { existsSync, readFileSync } from 'node:fs';

/** The files of a recording in progress, in the folder the supervisor gives the recorded process. */
export const FILES = {
  ring: 'ring',
  /** Created by the one process (and thread) that writes the ring. */
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

/** Folders under the main one where worker threads (by threadId) and child processes (by pid) keep their own rings. */
export const PARTS = {
  threads: 'threads',
  processes: 'processes',
} as const;

/** Linux's memory file system, where rings are kept when the machine has it: memory, not disk. */
export function memoryFolder(): string | undefined {
  return existsSync('/dev/shm') ? '/dev/shm' : undefined;
}

/** A JSON file of a recording's folder; undefined when it is absent, or torn by the death it tells of. */
export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
