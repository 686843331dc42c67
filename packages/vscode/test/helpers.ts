/** What the tests share: where things are, the manifest, real recorded runs and recordings. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cliEnv } from '../src/cli.js';

/** packages/vscode (tests run from dist/test). */
export const PKG = path.resolve(__dirname, '../..');
export const REPO = path.resolve(PKG, '../..');
/** The built hindsight CLI of this repository. */
export const CLI = path.join(REPO, 'packages/hindsight/dist/src/cli/main.js');

export interface Manifest {
  name: string;
  publisher: string;
  main: string;
  contributes: {
    commands: { command: string; title: string }[];
    debuggers: {
      type: string;
      configurationAttributes: { launch: Record<string, unknown> & { properties: Record<string, { type: string; description: string }> } };
      initialConfigurations: Record<string, unknown>[];
      configurationSnippets: { label: string; body: Record<string, unknown> }[];
    }[];
  };
}

export const manifest = (): Manifest => JSON.parse(readFileSync(path.join(PKG, 'package.json'), 'utf8')) as Manifest;

/**
 * The launch configuration a snippet leaves in launch.json once the user accepts every placeholder:
 * a `^…` value is snippet text inserted raw into launch.json (here a JSON string), in which
 * `${n:default}` becomes what the user typed there (`typed[n]`), else its default; `\$`, `\}` are escapes.
 */
export function expandSnippet(body: Record<string, unknown>, typed: Record<number, string> = {}): Record<string, unknown> {
  const expand = (text: string): string => {
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\\' && i + 1 < text.length) out += text[++i];
      else if (c === '$' && text[i + 1] === '{' && /\d/.test(text[i + 2] ?? '')) {
        // a placeholder ${n:default}: its default, which may hold escapes and placeholders of its own
        let depth = 1;
        let j = i + 2;
        for (; j < text.length; j++) {
          if (text[j] === '\\') j++;
          else if (text[j] === '$' && text[j + 1] === '{') (depth++, j++);
          else if (text[j] === '}' && --depth === 0) break;
        }
        const inner = text.slice(i + 2, j);
        const n = Number(/^\d+/.exec(inner)![0]);
        out += typed[n] ?? expand(inner.includes(':') ? inner.slice(inner.indexOf(':') + 1) : '');
        i = j;
      } else out += c;
    }
    return out;
  };
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' && v.startsWith('^') ? (JSON.parse(expand(v.slice(1))) as unknown) : v]));
}

/** Substitutes `${workspaceFolder}` as VS Code does before a launch reaches the adapter. */
export function resolveVariables(config: Record<string, unknown>, folder: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/\$\{workspaceFolder\}/g, folder) : v]));
}

/** The hindsight repository's own recorded runs (orders-1 completed, refund-1 failed, …), on a real SQLite store. */
export interface Runs {
  readonly dir: string;
  readonly store: string;
  readonly files: { orders: string; refund: string };
  dispose(): void;
}
interface RunsModule {
  recordRuns(): Promise<Runs>;
  MODULES: { orders: string };
}
/** hindsight's tests are ES modules; this package is CommonJS, so they come in by import(). */
export const hindsightRuns = (): Promise<RunsModule> => import(pathToFileURL(path.join(REPO, 'packages/hindsight/dist/test/dap/runs.js')).href) as Promise<RunsModule>;

/** Two flight recordings made by `hindsight record` in a new store: a crash, then a normal exit. */
export function recordPrograms(): { dir: string; store: string; dispose(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-vscode-'));
  writeFileSync(path.join(dir, 'crash.js'), 'function boom(n) { if (n > 2) throw new Error("boom " + n); return n; }\nfor (let i = 0; i < 5; i++) boom(i);\n');
  writeFileSync(path.join(dir, 'ok.js'), 'function twice(n) { return n * 2; }\nlet s = 0;\nfor (let i = 0; i < 5; i++) s += twice(i);\n');
  const store = path.join(dir, 'store.db');
  const record = (args: string[]) => {
    try {
      execFileSync(process.execPath, [CLI, 'record', '--store', store, ...args], { cwd: dir, env: cliEnv(), stdio: 'pipe' });
    } catch (err) {
      if ((err as { status?: number }).status !== 1) throw err; // the crash exits 1, as the program did
    }
  };
  record(['--', process.execPath, 'crash.js']);
  record(['--always', '--', process.execPath, 'ok.js']);
  return { dir, store, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
