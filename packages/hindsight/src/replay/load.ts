import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { init, parse } from 'es-module-lexer';
import { HindsightError, writeAtomically } from '../common/index.js';
import { isWorkflowDefinition, type WorkflowDefinition } from '../workflow/define.js';
import { instrument, probeRuntime, readInputMap, type InstrumentOptions } from '../instrument/index.js';

export interface InstrumentedWorkflows {
  /** The workflows of the instrumented copy: their code reports sites to the replay runtime. */
  workflows: WorkflowDefinition[];
  /** The original module. */
  modulePath: string;
  /** The instrumented modules, original path -> instrumented copy. */
  files: Map<string, string>;
  /** Modules whose source map could not serve (missing, unreadable, stale): their sites name the JavaScript. */
  mapProblems: string[];
}

/** Folder, beside the module, that holds the instrumented copies (so bare imports resolve as from the originals). */
export const INSTRUMENTED_DIR = '.hindsight-replay';

/**
 * Imports an instrumented copy of a compiled workflows module. The module and the local modules it
 * imports (transitively) from its own folder or below are instrumented and written, with their
 * source maps, under `<module folder>/.hindsight-replay/<content hash>/` in the same layout, so
 * relative imports between them work; local imports outside that folder are pointed at the
 * originals (shared, not instrumented), and package imports resolve as from the originals.
 * Idempotent: the same code gives the same folder, and the module is imported once per process.
 * `options.values` loads the variant with value points (for re-execution in a worker).
 */
export async function loadInstrumented(modulePath: string, options: InstrumentOptions = {}): Promise<InstrumentedWorkflows> {
  const entry = path.resolve(modulePath);
  if (!existsSync(entry)) {
    throw new HindsightError('HS_E_WORKFLOWS_NOT_FOUND', `workflows module ${modulePath} does not exist; pass the compiled .js file that exports your workflows`);
  }
  await init;
  probeRuntime(); // instrumented code registers its sites with it as it loads
  const root = path.dirname(entry);
  const inside = (f: string) => !path.relative(root, f).startsWith('..');
  const outputs: { rel: string; code: string; map: object | null }[] = [];
  const seen = new Set<string>();
  const mapProblems: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const done = instrument(source, file, readInputMap(file, source, (why) => mapProblems.push(`${path.relative(process.cwd(), file)}: ${why}; its lines are the JavaScript's`)), { ...options, instance: 'content' });
    // point local imports that leave the root at the originals
    let code = done.code;
    const [imports] = parse(code);
    const locals = imports.flatMap((imp) => {
      const n = imp.n;
      if (!n || !(n.startsWith('./') || n.startsWith('../'))) return [];
      const target = path.resolve(path.dirname(file), n);
      return [{ imp, target, kept: inside(target) && existsSync(target) }];
    });
    for (const { imp, target, kept } of [...locals].reverse()) {
      if (!kept) code = code.slice(0, imp.s) + pathToFileURL(target).href + code.slice(imp.e);
    }
    for (const { target, kept } of locals) if (kept) visit(target);
    outputs.push({ rel: path.relative(root, file), code, map: done.map });
  };
  visit(entry);

  const hash = createHash('sha256');
  for (const o of [...outputs].sort((a, b) => a.rel.localeCompare(b.rel))) hash.update(`${o.rel}\0${o.code}\0`);
  const dir = path.join(root, INSTRUMENTED_DIR, hash.digest('hex').slice(0, 16));
  const files = new Map<string, string>();
  for (const o of outputs) {
    const out = path.join(dir, o.rel);
    mkdirSync(path.dirname(out), { recursive: true });
    let code = o.code.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
    if (o.map) {
      const map = o.map as { sources?: string[]; sourceRoot?: string };
      const original = path.dirname(path.join(root, o.rel));
      map.sources = (map.sources ?? []).map((s) => (s.startsWith('file:') || path.isAbsolute(s) ? s : pathToFileURL(path.resolve(original, map.sourceRoot ?? '', s)).href));
      delete map.sourceRoot;
      writeAtomically(`${out}.map`, JSON.stringify(map));
      code += `//# sourceMappingURL=${path.basename(out)}.map\n`;
    }
    writeAtomically(out, code);
    files.set(path.join(root, o.rel), out);
  }
  const now = new Date();
  utimesSync(dir, now, now); // marks the copy as in use, for pruneCopies
  pruneCopies(path.join(root, INSTRUMENTED_DIR), dir);

  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(files.get(entry)!).href)) as Record<string, unknown>;
  } catch (err) {
    throw new HindsightError('HS_E_WORKFLOWS_LOAD', `cannot load the instrumented copy of ${modulePath}: ${(err as Error).message}`, { cause: err });
  }
  const workflows = Object.values(mod).filter(isWorkflowDefinition);
  if (workflows.length === 0) {
    throw new HindsightError('HS_E_NO_WORKFLOWS', `${modulePath} exports no workflows; export the values returned by workflow(name, fn)`);
  }
  return { workflows, modulePath: entry, files, mapProblems };
}

/** Copies kept beside a module: the most recently used ones, and any used in the last hour (another process may be loading it). */
const KEEP_COPIES = 4;
const KEEP_RECENT_MS = 60 * 60 * 1000;

/** Removes instrumented copies of earlier versions of the code, so the folder does not grow with every build. */
function pruneCopies(parent: string, current: string): void {
  try {
    const copies = readdirSync(parent, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => ({ dir: path.join(parent, d.name), used: statSync(path.join(parent, d.name)).mtimeMs }))
      .sort((a, b) => b.used - a.used);
    for (const [rank, c] of copies.entries()) {
      if (c.dir !== current && rank >= KEEP_COPIES && Date.now() - c.used > KEEP_RECENT_MS) rmSync(c.dir, { recursive: true, force: true });
    }
  } catch {
    // pruning is housekeeping: a copy that cannot be listed or removed stays
  }
}
