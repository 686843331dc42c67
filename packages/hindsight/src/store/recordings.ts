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

export interface NewRecording {
  readonly meta: RecordingMeta;
  /**
   * The ring, or its bytes in pieces, in order, each read only until the next is asked for (the
   * ring file of a process that ended, read as it is stored: a 64 MiB ring is not held at once).
   */
  readonly ring: Uint8Array | Iterable<Uint8Array>;
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
  /** Newest first. */
  list(): RecordingMeta[];
  get(id: string): Recording | undefined;
  /** The content of a bundle file, by hash. */
  file(hash: string): string | undefined;
  remove(id: string): boolean;
  close(): void;
}
