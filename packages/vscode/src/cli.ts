/**
 * Finding the `hindsight` CLI and the Node.js that runs it, and running it for JSON listings.
 * Pure (no `vscode` import): unit-tested under plain Node.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The CLI or Node.js cannot be found, or the CLI failed; the message says what to do, in one line. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** The adapter and the CLI: which Node runs which script. */
export interface Cli {
  readonly node: string;
  readonly script: string;
}

/**
 * The `hindsight` CLI script: the package installed in one of the workspace folders (the version the
 * project records with), else the `hindsight.cliPath` setting.
 */
export function locateCli(folders: readonly string[], cliPath?: string): string {
  for (const folder of folders) {
    const pkg = packageJsonOf(folder);
    if (!pkg) continue;
    const manifest = JSON.parse(readFileSync(pkg, 'utf8')) as { bin?: string | Record<string, string> };
    const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.hindsight;
    if (bin) return path.resolve(path.dirname(pkg), bin);
  }
  if (cliPath) {
    if (!existsSync(cliPath)) throw new CliError(`the setting hindsight.cliPath points at ${cliPath}, which does not exist; fix it or clear it`);
    return cliPath;
  }
  const where = folders.length ? folders.join(', ') : 'no workspace folder is open';
  throw new CliError(`the hindsight package is not installed (looked in ${where}); run \`npm i -D hindsight\` in your project, or set hindsight.cliPath`);
}

/** `hindsight/package.json` as Node resolves it from `folder`, or undefined when it is not installed there. */
function packageJsonOf(folder: string): string | undefined {
  const require = createRequire(path.join(folder, 'noop.js'));
  try {
    return require.resolve('hindsight/package.json');
  } catch {
    // a package whose `exports` hide package.json: resolve its entry and walk up to its manifest
  }
  let entry: string;
  try {
    entry = require.resolve('hindsight');
  } catch {
    return undefined;
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'hindsight') return file;
  }
  return undefined;
}

/**
 * The Node.js that runs the CLI: the setting, else `node` on PATH. Not the editor's own runtime
 * (process.execPath is Electron there, and VS Code forks even the command `node` into it): the store
 * is a native addon built for the user's Node, which Electron cannot load.
 */
export function findNode(nodePath: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (nodePath) {
    if (!isFile(nodePath)) throw new CliError(`the setting hindsight.nodePath points at ${nodePath}, which is not a file; set it to Node.js 20 or newer, or clear it`);
    return nodePath;
  }
  const names = process.platform === 'win32' ? ['node.exe'] : ['node'];
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const file = path.join(dir, name);
      if (isFile(file)) return file;
    }
  }
  throw new CliError('Node.js is not on PATH; install Node.js 20 or newer, or set hindsight.nodePath');
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The environment spawned CLIs and adapters get: no colour codes in what they print. */
export function cliEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, NO_COLOR: '1' };
  delete out.FORCE_COLOR;
  return out;
}

/** Runs `hindsight <args…> --json` and parses what it prints; a failure is the CLI's own last error line. */
export function cliJson(cli: Cli, args: readonly string[], cwd: string, timeoutMs = 30_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(cli.node, [cli.script, ...args, '--json'], { cwd, env: cliEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const said = stderr.trim().split('\n').filter(Boolean).pop();
        return reject(new CliError(`hindsight ${args.join(' ')} failed: ${said ?? err.message}`));
      }
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new CliError(`hindsight ${args.join(' ')} printed no JSON; is ${cli.script} the hindsight CLI?`));
      }
    });
  });
}
