import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from '../cli/helpers.js';

/**
 * Golden transcripts of scripted `hindsight debug` sessions, as in debug.test.ts: a script in
 * scripts/<name>.txt runs through the built CLI; its output, with unstable parts replaced, must equal
 * golden/<name>.txt (human) or golden/<name>.jsonl (--json). HINDSIGHT_UPDATE_GOLDEN=1 rewrites them.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test/debug -> packages/hindsight: the TypeScript sources the sites name, the golden files. */
export const PKG = path.resolve(here, '../../..');
export const SOURCES = path.join(PKG, 'test', 'debug');
const UPDATE = process.env.HINDSIGHT_UPDATE_GOLDEN === '1';

type Json = Record<string, any>;

/** Sorted keys, so a golden file does not depend on the order a field was added in. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Json)[k])]));
  return v;
}

/** Absolute paths and run ids replaced by placeholders. */
export function stabilizer(sb: Sandbox, runIds: readonly string[]): (text: string) => string {
  return (text) => {
    let out = text.split(PKG).join('<PKG>').split(sb.dir).join('<TMP>');
    for (const id of runIds) out = out.split(id).join('<RUN_ID>');
    return out;
  };
}

/** Runs scripts/<script>.txt against a history and compares the transcript with golden/<script>.{txt,jsonl}. */
export async function golden(sb: Sandbox, opts: { script: string; history: string; workflows: string; json: boolean; stable: (t: string) => string }): Promise<string> {
  const { script, history, workflows, json, stable } = opts;
  const args = ['debug', history, '--workflows', workflows, '--commands', path.join(SOURCES, 'scripts', `${script}.txt`), ...(json ? ['--json'] : [])];
  const out = await sb.ok(args, { store: null });
  const transcript = json
    ? out.trimEnd().split('\n').map((l) => stable(JSON.stringify(sortKeys(JSON.parse(l))))).join('\n') + '\n'
    : stable(out);
  const file = path.join(SOURCES, 'golden', `${script}.${json ? 'jsonl' : 'txt'}`);
  if (UPDATE) writeFileSync(file, transcript);
  assert.ok(existsSync(file), `no golden file ${file}; run the tests with HINDSIGHT_UPDATE_GOLDEN=1 to write it`);
  assert.equal(transcript, readFileSync(file, 'utf8'), `the transcript differs from ${file}; if the change is intended, rerun with HINDSIGHT_UPDATE_GOLDEN=1`);
  return transcript;
}

export const jsonLines = (transcript: string): Json[] => transcript.trimEnd().split('\n').map((l) => JSON.parse(l) as Json);
