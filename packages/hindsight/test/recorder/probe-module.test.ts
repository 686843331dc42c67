/**
 * An instrumented ES module imports its registration from a module of its own, a `data:` URL that
 * holds its site table. The table holds whatever the code and its path hold: a `#` or `?` would
 * end a URL's path and a `%` start an escape, so those are encoded; the rest goes as it is. The
 * registration makes the probes globals of the module instance, hidden from the program. A
 * CommonJS module's registration is its first statement, its tables JSON strings it parses.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
    // importing nothing else, its registration is its last line, below its own
    const lines = out.code.trimEnd().split('\n');
    assert.match(lines.at(-1)!, /^import ["']data:text\/javascript,globalThis\[Symbol\.for\(\\?"hindsight\.probes\\?"\)\]\.install\(globalThis, \\?"\w{10}\\?", /);
    assert.equal(lines.length, PROGRAM.split('\n').length + 1, 'on the line after the module’s end');
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

  it('gives each instance of a module probes of its own, which the program does not see among its globals', async () => {
    const file = path.join(dir, 'counter.mjs');
    const code = 'export function bump(n) { return n + 1; }\n';
    const copies = [0, 1].map((i) => {
      const copy = path.join(dir, `counter-${i}.mjs`);
      writeFileSync(copy, instrument(code, file, undefined, { sparse: true }).code); // the same module: one cached transform
      return copy;
    });
    const runtime = probeRuntime();
    const before = runtime.sites.length;
    const entered: number[] = [];
    runtime.reset({ event: (kind, site) => void (kind === EventKind.Enter && entered.push(site)) });
    try {
      // One after the other: imported together, the two instances may register in either order.
      const a = (await import(pathToFileURL(copies[0]!).href)) as { bump(n: number): number };
      const b = (await import(pathToFileURL(copies[1]!).href)) as { bump(n: number): number };
      assert.equal(a.bump(1) + b.bump(2), 5);
    } finally {
      runtime.reset(undefined);
    }
    const bumps = runtime.sites.flatMap((s, i) => (i >= before && s.kind === 'function' && s.functionName === 'bump' ? [i] : []));
    assert.equal(bumps.length, 2, 'each instance registered its sites');
    assert.deepEqual(entered.filter((site) => bumps.includes(site)), bumps, 'each call entered its own instance');
    assert.ok(!Object.keys(globalThis).some((k) => k.startsWith('__hs')), 'the probes are not enumerable globals');
  });

  it('gives a CommonJS module loaded again (its require cache cleared) probes of its own', () => {
    const file = path.join(dir, 'again.cjs');
    writeFileSync(file, instrument('exports.twice = (n) => 2 * n;\n', file, undefined, { sparse: true, sourceType: 'script' }).code);
    const require = createRequire(import.meta.url);
    const first = require(file) as { twice(n: number): number };
    delete require.cache[file];
    writeFileSync(file, instrument('exports.twice = (n) => 2 * n;\n', file, undefined, { sparse: true, sourceType: 'script' }).code);
    const second = require(file) as { twice(n: number): number };
    assert.notEqual(first, second);
    assert.equal(first.twice(2) + second.twice(3), 10);
  });

  it("refuses a global object that cannot take the probes with a stack that names the modules, not its registration's data: URL", () => {
    const file = path.join(dir, 'frozen-lib.mjs');
    writeFileSync(file, instrument('export const f = (x) => x * 2;\n', file, undefined, { sparse: true }).code);
    const main = path.join(dir, 'frozen-main.mjs');
    const runtime = new URL('../../src/instrument/index.js', import.meta.url).href;
    writeFileSync(main, `(await import(${JSON.stringify(runtime)})).probeRuntime();\nObject.freeze(globalThis);\ntry { await import('./frozen-lib.mjs'); } catch (err) { console.log(err.stack); }\n`);
    const stack = spawnSync(process.execPath, [main], { encoding: 'utf8' }).stdout;
    assert.match(stack, /^HindsightError: cannot trace .*frozen-lib\.mjs: the program made globalThis non-extensible/);
    assert.match(stack, /frozen-main\.mjs/, 'the importer is in the stack');
    assert.doesNotMatch(stack, /data:/);
  });

  it("gives a CommonJS module its site table as JSON it parses, quotes, backslashes and line separators as they were", () => {
    const folder = path.join(dir, `it's "quoted" \\ here`);
    mkdirSync(folder);
    const file = path.join(folder, 'names.cjs');
    const name = 'say "hi" \\ \u2028 */ \u00e9';
    const out = instrument(`exports.o = { ${JSON.stringify(name)}() { return 1; } };\n`, file, undefined, { sparse: true, modules: true, sourceType: 'script' });
    // a call of it first, and the registration on a line of its own at the end
    assert.match(out.code.split('\n')[0]!, /^__hs_register\(\);/);
    assert.match(out.code.trimEnd().split('\n').at(-1)!, /^function __hs_register\(\) \{globalThis\[Symbol\.for\("hindsight\.probes"\)\]\.install\(globalThis, "\w{10}", JSON\.parse\("/);
    writeFileSync(file, out.code);
    const runtime = probeRuntime();
    const before = runtime.sites.length;
    const o = (createRequire(import.meta.url)(file) as { o: Record<string, () => number> }).o;
    assert.equal(o[name]!(), 1);
    assert.deepEqual(runtime.sites.slice(before), out.sites);
    assert.ok(out.sites.some((s) => s.functionName.includes(name)), 'the method is a site, named as written');
  });

  it('registers a module of 300,000 sites, as a large bundle has (no argument list as long as its sites)', () => {
    const runtime = probeRuntime();
    const before = runtime.sites.length;
    const sites = Array.from({ length: 300_000 }, (_, i) => ({ kind: 'statement' as const, file: path.join(dir, 'bundle.mjs'), line: i + 1, column: 1, functionName: '<module bundle.mjs>' }));
    runtime.module(sites);
    assert.equal(runtime.sites.length, before + sites.length);
    assert.equal(runtime.sites[before + 299_999]!.line, 300_000);
  });
});
