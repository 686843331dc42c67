import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HindsightError } from '../../common/errors.js';

/** The flight recorder's settings as `hindsight record` takes them, from flags or a config file. */
export interface RecordSettings {
  ring?: string;
  workerRing?: string;
  include?: string[];
  exclude?: string[];
  always?: boolean;
  webhook?: string;
  onErrorLog?: boolean;
  slow?: string;
  demote?: boolean;
  sourceMaps?: boolean;
  transformCache?: string;
  captureArgs?: string[];
  inliningBudget?: string;
}

/** The file read when --config is not given and it exists in the working folder. */
export const DEFAULT_CONFIG = 'hindsight.config.json';

const KINDS: Record<keyof RecordSettings, 'string' | 'strings' | 'boolean' | 'size'> = {
  ring: 'size',
  workerRing: 'size',
  include: 'strings',
  exclude: 'strings',
  always: 'boolean',
  webhook: 'string',
  onErrorLog: 'boolean',
  slow: 'size',
  demote: 'boolean',
  sourceMaps: 'boolean',
  transformCache: 'string',
  captureArgs: 'strings',
  inliningBudget: 'size',
};

/**
 * The `record` section of a config file ({ "record": { "ring": "256MiB", "include": [...], ... } }),
 * checked key by key: a typo or a wrong type is said in one line, never ignored.
 */
export function readRecordConfig(given: string | undefined, cwd = process.cwd()): RecordSettings {
  const file = given !== undefined ? path.resolve(cwd, given) : path.join(cwd, DEFAULT_CONFIG);
  if (!existsSync(file)) {
    if (given === undefined) return {};
    throw new HindsightError('HS_E_RECORD_CONFIG', `no config file at ${file}; write one like {"record": {"ring": "256MiB"}} or leave out --config`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new HindsightError('HS_E_RECORD_CONFIG', `${file} is not JSON (${(err as Error).message}); fix it or pass another --config`);
  }
  const section = (json as { record?: unknown } | null)?.record;
  if (section === undefined) return {};
  if (typeof section !== 'object' || section === null || Array.isArray(section)) throw bad(file, '"record" must be an object of settings');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section)) {
    const kind = KINDS[key as keyof RecordSettings];
    if (!kind) throw bad(file, `unknown setting record.${key}; the settings are ${Object.keys(KINDS).join(', ')}`);
    out[key] = checked(file, key, kind, value);
  }
  return out as RecordSettings;
}

function checked(file: string, key: string, kind: (typeof KINDS)[keyof RecordSettings], v: unknown): unknown {
  const ok = kind === 'strings' ? Array.isArray(v) && v.every((s) => typeof s === 'string') : kind === 'size' ? typeof v === 'string' || typeof v === 'number' : typeof v === kind;
  const wanted = kind === 'strings' ? 'a list of globs' : kind === 'size' ? 'a number or a string' : `a ${kind}`;
  if (!ok) throw bad(file, `record.${key} must be ${wanted}, not ${JSON.stringify(v)}`);
  return kind === 'size' ? String(v) : v;
}

const bad = (file: string, what: string) => new HindsightError('HS_E_RECORD_CONFIG', `${file}: ${what}`);
