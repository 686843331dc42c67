import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import { HindsightError } from '../common/index.js';
import { openRecordings, type NewRecording, type RecordingMeta, type RecordingPart, type RecordingStore } from '../store/index.js';
import { archive, archiveParts, howItEnded, newRecordingId, ringStarted, snapshotReason, type ProcessEnd } from './archive.js';
import { DEFAULT_RING_BYTES, ENV } from './config.js';
import { watchParts, type EndedPart } from './part-watch.js';
import { isSnapshotRequest } from './snapshot.js';
import { ringBytes } from './ring-layout.js';
import { launched } from './file.js';
import { memoryFolder, removeFolder, ringFolder } from './spool.js';

export interface RecordOptions {
  /** The command to run, e.g. ['node', 'app.js']. */
  readonly command: readonly string[];
  /** The store the recording is archived in. */
  readonly store: string;
  readonly ringBytes?: number;
  /** The ring of each worker thread and child process of the program (default: ringBytes). */
  readonly workerRingBytes?: number;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** Archive the ring when the process exits normally or is stopped as asked too (default: only when it crashes). */
  readonly always?: boolean;
  /** Posts the crash notice as JSON to this URL. */
  readonly webhook?: string;
  /** Snapshot when the program logs an error (console.error). */
  readonly onErrorLog?: boolean;
  /** Snapshot when an HTTP request takes longer than this many ms. */
  readonly slowMs?: number;
  /** Demote very hot, tiny functions (default true). */
  readonly demote?: boolean;
  /** Node's source maps on in the program: its stacks name the user's source (default false: it costs CPU). */
  readonly sourceMaps?: boolean;
  /** Functions (names, or globs of names like `Cart.*`) whose calls' arguments are captured, as they are at entry. */
  readonly captureArgs?: readonly string[];
  /** V8's inlining budget in the program, bytes from the start, 0 for V8's own (default: raised once it serves; see inlining.ts). */
  readonly inliningBudget?: number;
  /** Where instrumented modules are kept between runs, or 'off' (default: node_modules/.cache/hindsight, see TransformCache). */
  readonly transformCache?: string;
  /** Where the notice goes (default: stderr). */
  readonly notify?: (line: string) => void;
}

export interface RecordResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly recording?: RecordingMeta;
  /** Recordings taken while the program ran (SIGUSR2, snapshot(reason), a slow request, an error logged). */
  readonly snapshots: readonly RecordingMeta[];
  /** From the process's death to the recording committed (listed, debuggable, the notice printed), ms. */
  readonly archiveMs?: number;
  /** From the process's death to its ring copied into the store (until then it is read from its file), ms. */
  readonly ringStoredMs?: number;
  /** The own rings of the program's worker threads and child processes, archived with each recording. */
  readonly parts: readonly RecordingMeta[];
}

/**
 * Runs a command as the recorded child of this process. The ring lives in a file both can see
 * (in /dev/shm when the machine has it: memory, not disk), so when the child dies, whatever
 * killed it, its parent notices at once and archives the ring into the store.
 */
export async function record(opts: RecordOptions): Promise<RecordResult> {
  const [program, ...args] = opts.command;
  if (!program) throw new HindsightError('HS_E_RECORD_USAGE', 'nothing to record: give the command after --, e.g. hindsight record -- node app.js');
  // opened before the program starts: a bad store is said at once, and a crash is archived without the wait
  const recordings = openRecordings({ path: opts.store });
  const notify = opts.notify ?? ((line: string) => process.stderr.write(`${line}\n`));
  let dir: string | undefined;
  try {
    dir = recordingFolder(ringBytes(opts.ringBytes ?? DEFAULT_RING_BYTES), notify);
  } catch (err) {
    recordings.close();
    throw err;
  }
  if (dir === undefined) {
    recordings.close();
    return runUnrecorded(program, args);
  }
  /** The folder stays when the ring in it could not be stored. */
  let keep = false;
  // listened for before the program starts: one that came in between would end this process and leave the program running
  let running: ChildProcess | undefined;
  const notYet = (reason: string) => notify(`hindsight: no snapshot (${reason}): ${program} has not started recording yet`);
  let snap = (reason: string, _ended?: EndedPart, _asker?: PartName): void => notYet(reason);
  // removed once the program is gone (a signal then does what it would without hindsight), and on every way out
  /** The stops hindsight record was sent and passed on (Ctrl-C, a deploy's SIGTERM): a program that ends of one ended as asked. */
  const passedOn = new Set<NodeJS.Signals>();
  const stopListening = listen([...forwarding(() => running, passedOn), ['SIGUSR2', () => snap('SIGUSR2 to hindsight record')]]);
  try {
    // the IPC channel carries the program's snapshot requests (snapshot(reason), SIGUSR2 to it, an error logged)
    const child = spawn(program, args, { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], env: childEnv(opts, dir) });
    running = child;
    const snapshots: RecordingMeta[] = [];
    const parts: RecordingMeta[] = [];
    /** The main recording and its parts saved and the notice said; the recording its debug command opens (`focus`'s, where it has one). */
    const save = (main: NewRecording, withParts: NewRecording[], focus?: PartName): RecordingMeta => {
      recordings.save(main);
      announce(main.meta, withParts.length > 0, opts, notify);
      const saved = withParts.map((p) => {
        recordings.save(p);
        notify(`hindsight: with it, ${p.meta.part!.kind} ${p.meta.part!.id}'s own ring: recording ${p.meta.id} (${p.meta.events} events)`);
        return p.meta;
      });
      parts.push(...saved);
      const target = debugTarget(main.meta, saved, focus);
      howToDebug(target, opts, notify);
      return target;
    };
    snap = (reason: string, ended?: EndedPart, asker?: PartName) => {
      // asked for (SIGUSR2) before the program got as far as recording: nothing to take yet
      if (!ringStarted(dir)) return notYet(reason);
      const end: ProcessEnd = { command: opts.command, pid: child.pid ?? 0, exitCode: null, signal: null, trigger: 'snapshot', reason: snapshotReason(reason) };
      const id = newRecordingId();
      const withParts = archiveParts(dir, end, id, ended ?? asker, { ended: ended !== undefined });
      // a part that died having traced nothing (a launcher's own process, as tsx's is): nothing of its own to show, and the program's ring is not read
      if (ended && withParts.length === 0) return;
      const taken = archive(dir, end, id);
      snapshots.push(taken.meta);
      save(taken, withParts, ended ?? asker);
    };
    // a worker thread or child process that dies while the program goes on: the program as it is, with the dead part's ring
    const partWatch = watchParts(dir, {
      ended: (part) => {
        // the stop passed on, reaching the program's workers (a launcher's, a cluster's): part of the program's end, not a crash of its own
        if (passedOn.size > 0) return;
        snap(`${part.kind} ${part.id} ${part.how}`, part);
        partWatch.forget(part);
      },
      snapshot: (part, reason) => snap(`${reason} (asked by ${part.kind} ${part.id})`, undefined, part),
    });
    child.on('message', (m) => {
      if (isSnapshotRequest(m)) snap(m.reason);
    });
    const [code, signal] = await exited(child, program);
    const died = performance.now();
    partWatch.stop();
    stopListening();
    const asked = stoppedAsAsked(passedOn, code, signal);
    const crashed = !asked && (signal !== null || code !== 0);
    if (asked && !opts.always) notify(`hindsight: ${program} was stopped by ${asked} (passed on by hindsight record); nothing archived (--always keeps the ring of a program that ends as asked)`);
    if (!crashed && !opts.always) return { exitCode: code, signal, snapshots, parts };
    if (!ringStarted(dir)) {
      notify(`hindsight: ${program} ended before it started recording (was it a Node.js program?); nothing to archive`);
      return { exitCode: code, signal, snapshots, parts };
    }
    const end: ProcessEnd = {
      command: opts.command,
      pid: child.pid ?? 0,
      exitCode: code,
      signal,
      trigger: crashed ? 'crash' : 'exit',
      reason: asked ? `stopped by ${asked} (passed on by hindsight record)` : signal ? `killed by ${signal}` : crashed ? `exited with code ${code}` : 'exited normally',
    };
    const archived = archive(dir, end, newRecordingId(), { ended: true });
    const withParts = archiveParts(dir, end, archived.meta.id);
    if (archived.meta.events === 0 && withParts.length === 0) {
      const what = archived.meta.error ? `${archived.meta.error.name}: ${archived.meta.error.message}` : end.reason;
      // a launcher whose processes died while it ran: they are archived already
      if (parts.length > 0) notify(`hindsight: ${opts.command.join(' ')} ended (${what}); it ran no traced code itself, and the processes it started are archived above`);
      else notify(`hindsight: ${opts.command.join(' ')} ended (${what}) before any traced code ran; nothing to archive (${whatIsTraced(opts)})`);
      return { exitCode: code, signal, snapshots, parts };
    }
    const recording = archived.meta;
    const archiveMs = performance.now() - died;
    const target = save(archived, withParts);
    keep = !storeRing(recordings, recording.id, dir, notify);
    const ringStoredMs = performance.now() - died;
    if (opts.webhook) await post(opts.webhook, target, opts.store, notify);
    return { exitCode: code, signal, recording, archiveMs, ringStoredMs, snapshots, parts };
  } finally {
    stopListening();
    recordings.close();
    if (!keep && !removeFolder(dir)) notify(`hindsight: ${dir} could not be removed (a process of the program that outlived it still writes there); remove it once that process ends`);
  }
}

/**
 * The ring of the committed recording, copied into the store from its file. When that fails (a
 * full disk), the file stays for the next hindsight command on the store to store.
 */
function storeRing(recordings: RecordingStore, id: string, dir: string, notify: (line: string) => void): boolean {
  try {
    recordings.storeRing(id);
    return true;
  } catch (err) {
    notify(`hindsight: the ring of recording ${id} could not be copied into the store (${(err as Error).message}); it stays in ${dir}, and the next hindsight trace command on this store stores it`);
    return false;
  }
}

/**
 * The folder of the recording in progress, with the ring's room reserved in it: in memory
 * (/dev/shm) when that has room for it, else in the temporary folder; undefined when neither has
 * (ringFolder tells the user).
 */
function recordingFolder(bytes: number, notify: (line: string) => void): string | undefined {
  const roots = [memoryFolder(), tmpdir()].filter((f) => f !== undefined);
  return ringFolder(roots, bytes, (root) => mkdtempSync(path.join(root, 'hindsight-rec-')), (dir) => rmSync(dir, { recursive: true, force: true }), notify)?.dir;
}

/** The program as if hindsight were not there (no file system had room for its ring): its end is hindsight record's. */
async function runUnrecorded(program: string, args: readonly string[]): Promise<RecordResult> {
  let child: ChildProcess | undefined;
  const stopListening = listen(forwarding(() => child));
  try {
    child = spawn(program, args, { stdio: 'inherit' });
    const [exitCode, signal] = await exited(child, program);
    return { exitCode, signal, snapshots: [], parts: [] };
  } finally {
    stopListening();
  }
}

type Handlers = readonly (readonly [NodeJS.Signals, () => void])[];

/** Handlers that pass SIGINT, SIGTERM and SIGHUP on to the program, once it runs (each one passed on is added to `passed`). */
function forwarding(program: () => ChildProcess | undefined, passed = new Set<NodeJS.Signals>()): Handlers {
  return (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, () => void (program()?.kill(s) && passed.add(s))] as const);
}

/**
 * The stop the program ended of, when it is one hindsight record passed on: killed by it, or
 * exited with the code a shell gives a death by it (128 + its number, as a program that handles
 * SIGTERM and exits 143 does). Its end was asked for, not a crash: a developer's Ctrl-C or every
 * deploy would otherwise archive a ring as a crash. An error in its shutdown (another code) is one.
 */
function stoppedAsAsked(passed: ReadonlySet<NodeJS.Signals>, code: number | null, signal: NodeJS.Signals | null): NodeJS.Signals | undefined {
  return [...passed].find((s) => s === signal || code === 128 + constants.signals[s]);
}

/** `handlers` installed on this process; returns what removes them. */
function listen(handlers: Handlers): () => void {
  for (const [s, h] of handlers) process.on(s, h);
  return () => {
    for (const [s, h] of handlers) process.off(s, h);
  };
}

/** The program's exit code and signal once it ends; HS_E_RECORD_SPAWN when it could not be run. */
function exited(child: ChildProcess, program: string): Promise<[number | null, NodeJS.Signals | null]> {
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new HindsightError('HS_E_RECORD_SPAWN', `cannot run ${program}: ${err.message}`, { cause: err })));
    child.once('exit', (c, s) => resolve([c, s]));
  });
}

function childEnv(opts: RecordOptions, dir: string): NodeJS.ProcessEnv {
  // register.ts bundled into one module (scripts/bundle.mjs): what `hindsight/register` exports
  const register = new URL('./register.bundle.js', import.meta.url).href;
  return {
    ...process.env,
    [ENV.dir]: dir,
    [ENV.supervisor]: String(process.pid),
    [ENV.ringBytes]: String(opts.ringBytes ?? DEFAULT_RING_BYTES),
    [ENV.workerRingBytes]: opts.workerRingBytes ? String(opts.workerRingBytes) : '',
    [ENV.include]: (opts.include ?? []).join(','),
    [ENV.exclude]: (opts.exclude ?? []).join(','),
    [ENV.onErrorLog]: opts.onErrorLog ? '1' : '',
    [ENV.slowMs]: opts.slowMs ? String(opts.slowMs) : '',
    [ENV.demote]: opts.demote === false ? '0' : '1',
    [ENV.sourceMaps]: opts.sourceMaps ? '1' : '',
    [ENV.captureArgs]: (opts.captureArgs ?? []).join(','),
    [ENV.inliningBudget]: opts.inliningBudget !== undefined ? String(opts.inliningBudget) : '',
    // unless given, the environment's (HINDSIGHT_TRANSFORM_CACHE), else the default
    ...(opts.transformCache !== undefined ? { [ENV.transformCache]: opts.transformCache } : {}),
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${register}`.trim(),
  };
}

/** The hint for a recording that holds nothing: what is traced, and how to change it. */
function whatIsTraced(opts: RecordOptions): string {
  const include = opts.include ?? [];
  if (include.length === 0) return `is --include right? by default only the program's own files under ${process.cwd()} are traced, not node_modules`;
  const linked = include.map(realGlob).filter((g) => g !== undefined);
  return `is --include right? it traces ${include.join(', ')}${linked.length ? `; globs match files where they really are: --include '${linked.join("' '")}'` : ''}`;
}

/**
 * The glob as the files' real paths spell it, when the folder it starts with is reached through
 * a symbolic link (a workspace package, a pnpm store); undefined otherwise. Node loads a module
 * by its real path, which is what the globs are matched against.
 */
function realGlob(glob: string): string | undefined {
  const fixed = glob.split(/[*?[{]/)[0]!.replace(/[^/]*$/, '');
  if (!fixed) return undefined;
  try {
    const real = realpathSync(path.resolve(fixed));
    return real === path.resolve(fixed) ? undefined : path.join(real, glob.slice(fixed.length));
  } catch {
    return undefined; // not there: nothing to say of it
  }
}

/**
 * The notice's first lines: what happened, and the recording. One without events whose parts have
 * some is a launcher's (`npm start`, a shell script: not the program's own code), and said so.
 */
function announce(r: RecordingMeta, withParts: boolean, opts: RecordOptions, notify: (line: string) => void): void {
  notify(`hindsight: ${r.command.join(' ')} ${howItEnded(r)}; recording ${r.id} archived (${r.events} events)`);
  if (r.events > 0) return;
  if (withParts) notify(`hindsight: ${path.basename(r.command[0] ?? '')} ran no traced code itself (a launcher, such as npm, is not the program's code); the processes it started did`);
  else notify(`hindsight: no traced code has run yet (${whatIsTraced(opts)})`);
}

/** A worker thread or child process of the program. */
type PartName = Pick<RecordingPart, 'kind' | 'id'>;

/**
 * What the notice's debug command opens: the part in `focus` (one that died: its own ring holds its
 * crash; one that asked for the snapshot: its own ring holds why), else
 * the main recording, or, where that traced nothing (a launcher such as `npm start`), the part that
 * crashed, or the first.
 */
function debugTarget(main: RecordingMeta, parts: readonly RecordingMeta[], focus?: PartName): RecordingMeta {
  const own = focus && parts.find((p) => p.part?.kind === focus.kind && p.part.id === focus.id);
  return own || launched(main, parts) || main;
}

/** The notice's last lines: the command that debugs recording r, and the link that opens it in VS Code. */
function howToDebug(r: RecordingMeta, opts: RecordOptions, notify: (line: string) => void): void {
  if (r.events === 0) return;
  notify(`hindsight: debug ${r.part ? `${r.part.kind} ${r.part.id}` : 'it'} backwards with: hindsight debug ${r.id}`);
  notify(`hindsight: reverse debug in VS Code: ${vscodeLink(r.id, opts.store)}`);
}

/** The Hindsight extension's link to a recording (its URI handler opens it in the debugger). */
function vscodeLink(recording: string, store: string): string {
  return `vscode://hindsight.hindsight/debug?${new URLSearchParams({ recording, store: path.resolve(store) }).toString()}`;
}

/** The same notice as JSON to a webhook; a webhook that fails is reported, the recording is kept. */
async function post(url: string, r: RecordingMeta, store: string, notify: (line: string) => void): Promise<void> {
  const body = { recording: r.id, trigger: r.trigger, reason: r.reason, error: r.error ?? null, command: r.command, pid: r.pid, debug: `hindsight debug ${r.id}`, vscode: vscodeLink(r.id, store) };
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
    if (!res.ok) notify(`hindsight: the webhook ${url} answered ${res.status}; the recording is stored all the same`);
  } catch (err) {
    // fetch says only "fetch failed"; why (refused, not resolved, timed out) is in its cause
    const why = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    notify(`hindsight: the webhook ${url} failed (${why}); the recording is stored all the same`);
  }
}
