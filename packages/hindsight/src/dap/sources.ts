import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';

/**
 * Which text the editor shows for a file the trace names. A recording carries its code bundle (the
 * code as it ran); when the checkout on this machine holds another version of a file, or none, the
 * editor must show the bundle's, so the file gets a sourceReference and `source` serves the bundle.
 * Files the checkout holds unchanged stay plain paths: the editor opens them as usual.
 */
export class SourceBook {
  readonly #bundle: ReadonlyMap<string, string>;
  readonly #refs = new Map<string, number>();
  readonly #files: string[] = [];
  readonly #sameOnDisk = new Map<string, boolean>();

  constructor(bundle: ReadonlyMap<string, string>) {
    this.#bundle = bundle;
  }

  source(file: string): DebugProtocol.Source {
    const name = path.basename(file);
    if (!this.#fromBundle(file)) return { name, path: file };
    return { name, path: file, sourceReference: this.#ref(file), origin: 'code bundle: the code as it ran (this checkout holds another version)' };
  }

  /** The bundle's text for a reference handed out by `source`. */
  content(reference: number): string | undefined {
    const file = this.#files[reference - 1];
    return file === undefined ? undefined : this.#bundle.get(file);
  }

  #fromBundle(file: string): boolean {
    const text = this.#bundle.get(file);
    if (text === undefined) return false;
    if (!this.#sameOnDisk.has(file)) this.#sameOnDisk.set(file, readOrUndefined(file) === text);
    return !this.#sameOnDisk.get(file);
  }

  #ref(file: string): number {
    let ref = this.#refs.get(file);
    if (ref === undefined) {
      this.#files.push(file);
      ref = this.#files.length;
      this.#refs.set(file, ref);
    }
    return ref;
  }
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
