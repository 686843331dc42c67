/** The files of a recording in progress, in the folder the supervisor gives the recorded process. */
export const FILES = {
  ring: 'ring',
  /** Created by the one process (and thread) that writes the ring. */
  owner: 'owner',
  /** One JSON line per instrumented module: {base, sites}. */
  modules: 'modules.jsonl',
  /** The uncaught error that ended the process, if one did. */
  error: 'error.json',
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
