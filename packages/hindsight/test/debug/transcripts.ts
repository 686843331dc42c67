/**
 * Golden debugger transcripts: a command script (test/debug/scripts/<name>.txt) run through the
 * built CLI against an exported history, compared with test/debug/golden/<name>.{txt,jsonl}.
 * HINDSIGHT_UPDATE_GOLDEN=1 rewrites the golden files instead (review them before committing).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from '../cli/helpers.js';
import { classes, control, exceptions, loops, parallel, recursion } from './fixtures/features.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test/debug -> packages/hindsight: the TypeScript sources the sites name, the golden files. */
export const PKG = path.resolve(here, '../../..');
export const SOURCES = path.join(PKG, 'test', 'debug');
/** The compiled language-feature workflows (test/debug/fixtures/features.ts). */
export const FEATURES = path.join(here, 'fixtures', 'features.js');
export const UPDATE = process.env.HINDSIGHT_UPDATE_GOLDEN === '1';

export type Json = Record<string, any>;

/** Sorted keys, so a golden file does not depend on the order a field was added in. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Json)[k])]));
  return v;
}

/** Replaces unstable strings (absolute paths, run ids) by placeholders. */
export type Stabilize = (text: string) => string;

export function stabilizer(sb: Sandbox, replacements: () => readonly (readonly [string, string])[]): Stabilize {
  return (text) => {
    let out = text.split(PKG).join('<PKG>').split(sb.dir).join('<TMP>');
    for (const [from, to] of replacements()) out = out.split(from).join(to);
    return out;
  };
}

/** Runs a script through `hindsight debug` and returns the transcript, stabilized (JSON lines with sorted keys when `json`). */
export async function transcript(sb: Sandbox, stable: Stabilize, opts: { script: string; history: string; workflows: string; json: boolean }): Promise<string> {
  const args = ['debug', opts.history, '--workflows', opts.workflows, '--commands', opts.script, ...(opts.json ? ['--json'] : [])];
  const out = await sb.ok(args, { store: null });
  return opts.json ? out.trimEnd().split('\n').map((l) => stable(JSON.stringify(sortKeys(JSON.parse(l))))).join('\n') + '\n' : stable(out);
}

/** Runs scripts/<name>.txt and compares the transcript with golden/<name>.{txt,jsonl} (or writes it, when updating). */
export async function golden(sb: Sandbox, stable: Stabilize, name: string, history: string, json: boolean, workflows = FEATURES): Promise<string> {
  const text = await transcript(sb, stable, { script: path.join(SOURCES, 'scripts', `${name}.txt`), history, workflows, json });
  const file = path.join(SOURCES, 'golden', `${name}.${json ? 'jsonl' : 'txt'}`);
  if (UPDATE) writeFileSync(file, text);
  assert.ok(existsSync(file), `no golden file ${file}; run the tests with HINDSIGHT_UPDATE_GOLDEN=1 to write it`);
  assert.equal(text, readFileSync(file, 'utf8'), `the transcript differs from ${file}; if the change is intended, rerun with HINDSIGHT_UPDATE_GOLDEN=1`);
  return text;
}

export const jsonLines = (text: string): Json[] => text.trimEnd().split('\n').map((l) => JSON.parse(l) as Json);

/** Line number (1-based) of the first line of features.ts that contains `marker`: tests name lines by their text, not by number. */
export function featureLine(marker: string): number {
  const lines = readFileSync(path.join(SOURCES, 'fixtures', 'features.ts'), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(marker));
  assert.ok(i !== -1, `no line of features.ts contains ${JSON.stringify(marker)}`);
  return i + 1;
}

/** The runs the goldens debug: workflow, input, and what it returns. */
export const FEATURE_RUNS = [
  { wf: loops, input: ['ab', 'skip', 'abc', 'stop', 'x'], result: 111 },
  { wf: recursion, input: 3, result: { f: 6, levels: ['audited:level-2', 'audited:level-1'] } },
  { wf: exceptions, input: [[1, 5], [-2, 3], [4, 4]], result: 'rejected: negative quantity -2' },
  { wf: parallel, input: ['a', 'bb'], result: 49 },
  { wf: classes, input: ['a', 'bb', 'ccc'], result: { sum: 6, cheap: 2 } },
  { wf: control, input: ['a', 'c', 'q'], result: 'big:first:3' },
] as const;
