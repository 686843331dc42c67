import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeAtomically } from '../common/index.js';
import { instrumenterId, type Instrumented, type TransformStore } from '../instrument/index.js';
import { transformCacheWarning } from './warnings.js';

/**
 * Instrumented modules kept on disk between runs of a recorded program, by content hash: Babel
 * takes about 6 ms per KiB of code, seconds for a service of a few hundred modules at every
 * start, and a module that did not change is read back instead. Each instrumenter keeps its own
 * folder (instrumenterId): a newer hindsight never reads an older one's output, and the first
 * start under it removes the folders of others unused for a day. An entry is written whole (a file renamed
 * into place), so processes starting together share the folder safely; an entry that cannot be
 * read is instrumented again and written anew.
 */
export class TransformCache implements TransformStore {
  #dir: string | undefined;
  #writable = true;
  /** The folder was made (or found) by this process: later entries go straight in. */
  #ready = false;

  /** `root` holds one folder per instrumenter; `unwritable` is told once if entries cannot be written there. */
  constructor(
    private readonly root: string,
    private readonly unwritable: (why: string) => void = () => {},
  ) {}

  /** This instrumenter's folder, named on first use: a program whose modules are never instrumented here does not hash the instrumenter. */
  get #folder(): string {
    return (this.#dir ??= path.join(this.root, instrumenterId()));
  }

  get(key: string): Instrumented | undefined {
    try {
      const entry: unknown = JSON.parse(readFileSync(this.#file(key), 'utf8'));
      return isInstrumented(entry) ? entry : undefined;
    } catch {
      return undefined; // missing, torn or not JSON: instrumented again
    }
  }

  set(key: string, value: Instrumented): void {
    if (!this.#writable) return;
    try {
      if (!this.#ready) this.#create();
      writeAtomically(this.#file(key), JSON.stringify(value));
    } catch (err) {
      this.#writable = false;
      this.unwritable(`${(err as Error).message.split('\n')[0]}`);
    }
  }

  #file(key: string): string {
    return path.join(this.#folder, `${key}.json`);
  }

  /** This instrumenter's folder; other instrumenters' folders beside it that no one wrote to for a day go. */
  #create(): void {
    mkdirSync(this.#folder, { recursive: true });
    this.#ready = true;
    for (const other of readdirSync(this.root)) {
      const folder = path.join(this.root, other);
      if (/^[0-9a-f]{16}$/.test(other) && folder !== this.#folder && Date.now() - statSync(folder).mtimeMs > STALE_MS) rmSync(folder, { recursive: true, force: true });
    }
  }
}

/** Another instrumenter's folder is removed once no one wrote to it for this long (another hindsight may still use it). */
const STALE_MS = 24 * 3600 * 1000;

function isInstrumented(v: unknown): v is Instrumented {
  const e = v as Partial<Instrumented> | null;
  return typeof e === 'object' && e !== null && typeof e.code === 'string' && Array.isArray(e.sites) && (e.map === null || typeof e.map === 'object');
}

/** The recorded program's cache (config.transformCache), if it has one; a folder it cannot write to is said once, in `warnings`. */
export function transformCacheIn(dir: string | undefined, warnings: string): TransformCache | undefined {
  return dir !== undefined ? new TransformCache(dir, transformCacheWarning(warnings, dir)) : undefined;
}

/** `node_modules/.cache/hindsight` of the working folder when it has node_modules (where build tools keep their caches), else the OS temp folder's `hindsight-transforms`. */
export function defaultTransformCacheDir(cwd: string): string {
  return existsSync(path.join(cwd, 'node_modules')) ? path.join(cwd, 'node_modules', '.cache', 'hindsight') : path.join(tmpdir(), 'hindsight-transforms');
}
