import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { init, parse } from 'es-module-lexer';
import { HindsightError } from '../common/errors.js';
import type { CodeFingerprint } from '../history/index.js';
import { isWorkflowDefinition, type WorkflowDefinition } from '../workflow/define.js';

export interface LoadedWorkflows {
  workflows: WorkflowDefinition[];
  code: CodeFingerprint;
  modulePath: string;
}

/**
 * Imports a module of workflows (every exported `workflow(...)` counts) and
 * fingerprints the code: the module and every local module it imports,
 * transitively, so a history knows exactly which code recorded it.
 */
export async function loadWorkflows(modulePath: string): Promise<LoadedWorkflows> {
  const file = path.resolve(modulePath);
  if (!existsSync(file)) {
    throw new HindsightError('HS_E_WORKFLOWS_NOT_FOUND', `workflows module ${modulePath} does not exist; pass the compiled .js file that exports your workflows`);
  }
  // Must happen before the import: Node maps only modules loaded after it, and recorded stacks should name .ts lines.
  process.setSourceMapsEnabled?.(true);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new HindsightError('HS_E_WORKFLOWS_LOAD', `cannot load workflows module ${modulePath}: ${(err as Error).message}`, { cause: err });
  }
  const workflows = Object.values(mod).filter(isWorkflowDefinition);
  if (workflows.length === 0) {
    throw new HindsightError('HS_E_NO_WORKFLOWS', `${modulePath} exports no workflows; export the values returned by workflow(name, fn)`);
  }
  return { workflows, code: await fingerprint(file), modulePath: file };
}

export async function fingerprint(entry: string): Promise<CodeFingerprint> {
  await init;
  const root = path.dirname(entry);
  const modules: Record<string, string> = {};
  const visit = (file: string) => {
    const rel = path.relative(root, file).split(path.sep).join('/');
    if (rel in modules) return;
    const source = readFileSync(file, 'utf8');
    modules[rel] = createHash('sha256').update(source).digest('hex').slice(0, 16);
    let imports: readonly { n?: string | undefined }[] = [];
    try {
      [imports] = parse(source);
    } catch {
      return; // CommonJS or syntax the lexer does not know: the file itself is still hashed
    }
    for (const { n } of imports) {
      if (!n || !(n.startsWith('./') || n.startsWith('../'))) continue;
      const target = path.resolve(path.dirname(file), n);
      if (existsSync(target)) visit(target);
    }
  };
  visit(entry);
  const hash = createHash('sha256');
  for (const key of Object.keys(modules).sort()) hash.update(`${key}:${modules[key]}\n`);
  return { hash: hash.digest('hex').slice(0, 16), modules };
}

/** The fingerprint of code given as definitions only (tests, embedded use): their function sources. */
export function fingerprintOf(workflows: WorkflowDefinition[]): CodeFingerprint {
  const modules: Record<string, string> = {};
  for (const w of workflows) modules[`workflow:${w.name}`] = createHash('sha256').update(w.fn.toString()).digest('hex').slice(0, 16);
  const hash = createHash('sha256');
  for (const key of Object.keys(modules).sort()) hash.update(`${key}:${modules[key]}\n`);
  return { hash: hash.digest('hex').slice(0, 16), modules };
}
