import type { Site } from '../trace/index.js';

/** Why a recording was archived. */
export type RecordingTrigger = 'crash' | 'signal' | 'snapshot' | 'exit';

/** What a flight recording says about the process it recorded. */
export interface RecordingMeta {
  readonly id: string;
  /** When it was archived, ms since the epoch. */
  readonly createdAt: number;
  readonly trigger: RecordingTrigger;
  /** The recorded command line. */
  readonly command: readonly string[];
  readonly pid: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The error that ended the process, when there was one. */
  readonly error?: { readonly name: string; readonly message: string; readonly stack?: string; readonly origin?: string };
  readonly node: string;
  readonly host: string;
  /** Events in the ring, and whether older ones were overwritten. */
  readonly events: number;
  readonly wrapped: boolean;
  /** Why the recording was made, in words (the supervisor's notice). */
  readonly reason: string;
  /** Modules that ran untraced, and why. */
  readonly warnings?: readonly string[];
  /** Functions no longer traced from some event on: called very often and too small to be worth it. */
  readonly demoted?: readonly DemotedFunction[];
  /** A worker thread's or a child process's own ring, archived with the recording of the main thread (`of`). */
  readonly part?: RecordingPart;
}

export interface RecordingPart {
  readonly kind: 'worker thread' | 'process';
  /** The worker's threadId, or the child process's pid. */
  readonly id: number;
  /** The main recording it was archived with. */
  readonly of: string;
}

export interface DemotedFunction {
  /** Its function site (the ring's id); absent in recordings made before it was kept. */
  readonly site?: number;
  readonly functionName: string;
  readonly file: string;
  readonly line: number;
  /** Calls traced before it was demoted. */
  readonly calls: number;
  /** Events written before it was demoted: from there on, its calls are not in the trace. */
  readonly fromEvent: number;
}

/** The site table of one instrumented module: its sites are ids base..base+n-1 of the ring. */
export interface RecordedModule {
  readonly url: string;
  readonly base: number;
  readonly sites: readonly Site[];
}

/** One file of the code bundle: a source the sites name, stored once by content hash. */
export interface BundleFile {
  readonly path: string;
  readonly hash: string;
}

/**
 * A ring left in its file when its recording is saved, copied into the store after (storeRing):
 * a crash's recording is committed, listed and debuggable without waiting for its 64 MiB.
 */
export interface RingFile {
  readonly file: string;
  /** The ring is the file's first `bytes` bytes. */
  readonly bytes: number;
  /** The process that stores it; once that process is gone, whoever opens the store next does. */
  readonly owner: number;
}

/** A recording whose ring is still in its file. */
export interface PendingRing extends RingFile {
  readonly id: string;
}

export interface NewRecording {
  readonly meta: RecordingMeta;
  /** The ring, or the file it is in (copied into the store later, by storeRing). */
  readonly ring: Uint8Array | RingFile;
  readonly modules: readonly RecordedModule[];
  /** The bundle's files with their content. */
  readonly files: readonly (BundleFile & { readonly content: string })[];
  /** The values ring: the arguments of the calls of the functions the recorder captured them for. */
  readonly values?: Uint8Array;
}

export interface Recording {
  readonly meta: RecordingMeta;
  readonly ring: Uint8Array;
  readonly modules: readonly RecordedModule[];
  readonly files: readonly BundleFile[];
  readonly values?: Uint8Array;
}

/** Where flight recordings are kept: the same store file as workflow runs. */
export interface RecordingStore {
  save(recording: NewRecording): void;
  /**
   * Copies the ring of a recording saved with a RingFile into the store. False when there is
   * none waiting (stored already, by this process or another). The file is left where it is.
   */
  storeRing(id: string): boolean;
  /** The recordings whose ring is still in its file. */
  pendingRings(): PendingRing[];
  /** Newest first. */
  list(): RecordingMeta[];
  get(id: string): Recording | undefined;
  /** The content of a bundle file, by hash. */
  file(hash: string): string | undefined;
  remove(id: string): boolean;
  close(): void;
}
