import { constants } from 'node:buffer';
import { HindsightError } from '../common/index.js';
import type { BundleFile, Recording, RecordingMeta, RecordingStore } from '../store/index.js';

/** A recording as one JSON file (`hindsight trace export`): to debug it on another machine, with its code. */
export interface RecordingFile {
  readonly format: 'hindsight-recording';
  readonly version: 1;
  readonly meta: Recording['meta'];
  readonly modules: Recording['modules'];
  readonly files: readonly (BundleFile & { readonly content: string | null })[];
  /** The ring, base64. */
  readonly ring: string;
  /** The values ring (captured arguments), base64, when the recording has one. */
  readonly values?: string;
}

/**
 * The longest string V8 makes: the file is one JSON text, read back as one string, so its ring
 * (in base64, 4 characters for 3 bytes) and all else must fit in it, a ring of about 380 MiB.
 */
const LONGEST_TEXT = constants.MAX_STRING_LENGTH;

export function toRecordingFile(rec: Recording, content: (hash: string) => string | undefined): RecordingFile {
  const files = rec.files.map((f) => ({ ...f, content: content(f.hash) ?? null }));
  const text = JSON.stringify({ meta: rec.meta, modules: rec.modules, files }).length + base64Length(rec.ring) + (rec.values ? base64Length(rec.values) : 0);
  if (text > LONGEST_TEXT) {
    const mib = (rec.ring.byteLength / 1024 ** 2).toFixed(0);
    throw new HindsightError('HS_E_RECORDING_TOO_LARGE', `recording ${rec.meta.id} is too large for an export file (its ring is ${mib} MiB; a file holds one of up to about 380 MiB): copy the store file to the other machine and run hindsight debug ${rec.meta.id} --store <the copy> there`);
  }
  return {
    format: 'hindsight-recording',
    version: 1,
    meta: rec.meta,
    modules: rec.modules,
    files,
    ring: base64(rec.ring),
    ...(rec.values ? { values: base64(rec.values) } : {}),
  };
}

export function isRecordingFile(v: unknown): v is RecordingFile {
  return typeof v === 'object' && v !== null && (v as { format?: unknown }).format === 'hindsight-recording';
}

/** A recording and the sources of its code bundle, from an exported file's JSON. */
export function fromRecordingFile(v: RecordingFile, name: string): { recording: Recording; sources: Map<string, string> } {
  if (v.version !== 1) throw new HindsightError('HS_E_RECORDING_FILE_VERSION', `${name} is a recording file of format ${String(v.version)}; this hindsight reads format 1, upgrade it`);
  if (!v.meta || !Array.isArray(v.modules) || !Array.isArray(v.files) || typeof v.ring !== 'string') {
    throw new HindsightError('HS_E_RECORDING_FILE_INVALID', `${name} is not a whole recording file (meta, modules, files or ring is missing); export it again with hindsight trace export`);
  }
  const sources = new Map<string, string>();
  for (const f of v.files) if (f.content !== null) sources.set(f.path, f.content);
  const values = typeof v.values === 'string' ? { values: bytes(v.values) } : {};
  return { recording: { meta: v.meta, modules: v.modules, files: v.files.map(({ path, hash }) => ({ path, hash })), ring: bytes(v.ring), ...values }, sources };
}

const base64Length = (b: Uint8Array): number => 4 * Math.ceil(b.byteLength / 3);
const base64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
const bytes = (text: string): Uint8Array => {
  const b = Buffer.from(text, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

/** Recording ids as the store hands them out: `rec-` and hex. */
export const RECORDING_ID = /^rec-[0-9a-f]+$/;

/**
 * Recording `id`'s listing, the recordings archived with it (its worker threads' and child processes'), and, when
 * it traced nothing itself (a launcher such as `npm start`), the one to debug in its place: the
 * part that crashed, or the first that traced something.
 */
export function partsOf(store: RecordingStore, id: string): { main?: RecordingMeta; parts: RecordingMeta[]; program?: RecordingMeta } {
  const all = store.list();
  const parts = all.filter((m) => m.part?.of === id);
  const main = all.find((m) => m.id === id);
  const program = main && launched(main, parts);
  return { ...(main ? { main } : {}), parts, ...(program ? { program } : {}) };
}

/** When recording `main` traced nothing (a launcher's), the one of its parts that stands for it: the part that crashed, or the first that traced something. */
export function launched(main: RecordingMeta, parts: readonly RecordingMeta[]): RecordingMeta | undefined {
  if (main.events > 0) return undefined;
  const traced = parts.filter((m) => m.events > 0);
  return traced.find((m) => m.error) ?? traced[0];
}

/** A recording in the store and the sources of its code bundle (the code as it ran); throws when the store has no such recording. */
export function storedRecording(store: RecordingStore, id: string): { recording: Recording; sources: Map<string, string> } {
  const recording = store.get(id);
  if (!recording) throw recordingNotFound(id);
  const sources = new Map<string, string>();
  for (const f of recording.files) {
    const content = store.file(f.hash);
    if (content !== undefined) sources.set(f.path, content);
  }
  return { recording, sources };
}

export function recordingNotFound(id: string): HindsightError {
  return new HindsightError('HS_E_RECORDING_NOT_FOUND', `no recording ${id} in this store; \`hindsight trace list\` shows the recordings`);
}
