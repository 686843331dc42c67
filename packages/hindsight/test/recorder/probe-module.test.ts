/**
 * An instrumented ES module imports its probes from a module of its own, a `data:` URL that holds
 * its site table. The table holds whatever the code and its path hold: a `#` or `?` would end a
 * URL's path and a `%` start an escape, so those are encoded; the rest goes as it is.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { instrument, probeRuntime } from '../../src/instrument/index.js';
import { EventKind } from '../../src/trace/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-probe-module-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PROGRAM = `
export class Vault {
  #secret() { return '100% #1?'; }
  open() { return this.#secret(); }
}
export function café(v) { return v.open(); }
`;

describe("an ES module's probes module", () => {
  it('holds a site table with #, ?, % and accents in its names and path, and the module runs traced', async () => {
    const folder = path.join(dir, 'a#b?c%20d é');
    mkdirSync(folder);
    const file = path.join(folder, 'vault.mjs');
    const out = instrument(PROGRAM, file, undefined, { sparse: true });
    assert.match(out.code.split('\n')[0]!, /^import \{ __hs, .*\} from ["']data:text\/javascript,export const __hs = /);
    writeFileSync(file, out.code);
    const runtime = probeRuntime();
    const entered: string[] = [];
    runtime.reset({ event: (kind, site) => void (kind === EventKind.Enter && entered.push(runtime.sites[site]!.functionName)) });
    try {
      const mod = (await import(pathToFileURL(file).href)) as { Vault: new () => unknown; café(v: unknown): string };
      assert.equal(mod.café(new mod.Vault()), '100% #1?');
    } finally {
      runtime.reset(undefined);
    }
    assert.deepEqual(entered, ['café', 'Vault.open', 'Vault.#secret']);
    assert.ok(runtime.sites.some((s) => s.file === file), 'the sites name the file by its path, # and all');
  });
});
