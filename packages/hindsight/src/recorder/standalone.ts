import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { defaultStorePath, openRecordings, type RecordingMeta, type RecordingStore } from '../store/index.js';
import { archive, archiveParts, newRecordingId, ringStarted, type ProcessEnd } from './archive.js';
import { configuredRingBytes, ENV } from './config.js';
import { ringBytes } from './ring-layout.js';
import { memoryFolder, ringFolder } from './spool.js';
import { alive } from './alive.js';

/**
 * Recording without a supervisor (`node --import hindsight/register app.js` alone): the ring lives
 * in a spool folder of the store's, `<spool>/<pid>` (spoolRoots). The process archives it itself
 * when it ends by an error or process.exit; a process killed outright cannot, so its ring stays in
 * the spool and the next `hindsight trace` command recovers it.
 */

/**
 * Where a standalone recording's files go, for this process: its folder of the store's spool, in
 * memory unless memory has no room for the ring (then on disk, and `warn` says so), and the ring,
 * its room reserved there and mapped (the recorder writes into this mapping: the file is mapped
 * once); undefined, said too, where no spool has room for it (the program then runs unrecorded).
 */
export function spoolFor(env: NodeJS.ProcessEnv, cwd: string, pid: number, warn = (line: string) => void process.stderr.write(`${line}\n`)): { dir: string; store: string; ring: ArrayBuffer } | undefined {
  const store = env.HINDSIGHT_STORE || defaultStorePath(cwd);
  const reserved = ringFolder(spoolRoots(store), ringBytes(configuredRingBytes(env)), (root) => folderIn(root, pid), leaveSpool, warn);
  return reserved === undefined ? undefined : { ...reserved, store };
}

/** This process's folder in the spool `root`, made. */
function folderIn(root: string, pid: number): string {
  const dir = path.join(root, String(pid));
  for (;;) {
    try {
      mkdirSync(dir, { recursive: true });
      return dir;
    } catch (err) {
      // the spool was removed as it was made, by a process that found it empty (leaveSpool): again
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/** A process's folder of the spool, gone, and the spool too once no other process has one in it (a folder of /dev/shm's outlives the store's). */
function leaveSpool(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  try {
    rmdirSync(path.dirname(dir)); // only when empty
  } catch {
    // another process records into it
  }
}

/**
 * The store's spool folders, where rings are written first: in /dev/shm when the machine has it
 * (memory, as the supervisor's), named by the store; beside the store otherwise, and where earlier
 * versions wrote them (still recovered). A ring in a file on disk costs the program more: the
 * kernel writes the whole ring back to the disk, again and again, as the program writes it (the
 * benchmark's handlers took 565 ns more CPU a request than plain with their ring on disk, 362-388
 * ns with it in memory).
 */
function spoolRoots(store: string): string[] {
  const file = path.resolve(store.replace(/^sqlite:(\/\/)?/i, ''));
  const beside = path.join(path.dirname(file), 'rings');
  const memory = memoryFolder();
  if (memory === undefined) return [beside];
  const name = createHash('sha256').update(file).digest('hex').slice(0, 16);
  return [path.join(memory, `hindsight-rings-${name}`), beside];
}

/** At exit: a crash (or, with HINDSIGHT_ALWAYS, any end) is archived by the process itself; the spool is cleared. */
export function archiveAtExit(dir: string, store: string, code: number, errored: boolean): RecordingMeta | undefined {
  try {
    if (code === 0 && !errored && process.env[ENV.always] !== '1') return undefined;
    const end: ProcessEnd = {
      command: [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
      pid: process.pid,
      exitCode: code,
      signal: null,
      trigger: code === 0 && !errored ? 'exit' : 'crash',
      reason: code === 0 && !errored ? 'exited normally' : `exited with code ${code}`,
    };
    const recordings = openRecordings({ path: store });
    try {
      return saveWithParts(recordings, dir, end, false); // exit listeners after ours may still run traced code
    } finally {
      recordings.close();
    }
  } finally {
    leaveSpool(dir);
  }
}

/**
 * Recordings to finish before a store is read: rings left in the spool by processes recorded
 * without a supervisor and killed outright (archived now, with what is known), and rings whose
 * recording was committed by a process that died before it copied them in (stored now).
 * `recordings` is the store at `store`, open.
 */
export function recoverOrphans(store: string, recordings: RecordingStore): RecordingMeta[] {
  storeLeftRings(recordings);
  return archiveOrphans(store, recordings);
}

/** Rings still in their files whose owner is gone: stored, and their folder (the owner's spool) removed. */
function storeLeftRings(recordings: RecordingStore): void {
  for (const pending of recordings.pendingRings()) {
    if (alive(pending.owner)) continue;
    try {
      recordings.storeRing(pending.id);
    } catch {
      continue; // its file is gone: reading the recording says so
    }
    rmSync(path.dirname(pending.file), { recursive: true, force: true });
  }
}

/** Rings left in the spool by processes that are gone (killed outright): archived now, with what is known. */
function archiveOrphans(store: string, recordings: RecordingStore): RecordingMeta[] {
  return spoolRoots(store).flatMap((root) => (existsSync(root) ? archiveOrphansIn(root, recordings) : []));
}

function archiveOrphansIn(root: string, recordings: RecordingStore): RecordingMeta[] {
  const recovered: RecordingMeta[] = [];
  for (const name of readdirSync(root)) {
    const pid = Number(name);
    const dir = path.join(root, name);
    if (!Number.isInteger(pid) || alive(pid)) continue;
    if (ringStarted(dir)) {
      const end: ProcessEnd = { command: ['(a process recorded without a supervisor)'], pid, exitCode: null, signal: null, trigger: 'crash', reason: 'died without a word (killed by a signal or a native crash)' };
      try {
        recovered.push(saveWithParts(recordings, dir, end, true));
      } catch {
        continue; // a damaged ring stays where it is, for a person to look at
      }
    }
    leaveSpool(dir);
  }
  return recovered;
}

/** The main thread's ring and, with it, those of its worker threads: the main recording's meta. A ring left in its file (`ended`) is stored before this returns. */
function saveWithParts(recordings: RecordingStore, dir: string, end: ProcessEnd, ended: boolean): RecordingMeta {
  const main = archive(dir, end, newRecordingId(), { ended });
  recordings.save(main);
  for (const part of archiveParts(dir, end, main.meta.id)) recordings.save(part);
  recordings.storeRing(main.meta.id);
  return main.meta;
}
