import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { manifest, PKG } from './helpers.js';

/** vsce's own script, from the repository's devDependencies. */
const VSCE = path.join(path.dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');

/** A copy of what the package ships, in a folder of its own: packaging writes nothing into the repository. */
function stage(dir: string, edit?: (m: Record<string, unknown>) => void): void {
  for (const f of ['README.md', 'LICENSE', 'package.json']) cpSync(path.join(PKG, f), path.join(dir, f));
  cpSync(path.join(PKG, 'dist', 'src'), path.join(dir, 'dist', 'src'), { recursive: true });
  if (edit) {
    const m = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    edit(m);
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify(m, null, 2));
  }
}

/** vsce package, offline: no dependencies to bundle (the extension has none), no repository to link. */
const vsce = (cwd: string, out: string) =>
  spawnSync(process.execPath, [VSCE, 'package', '--no-dependencies', '--allow-missing-repository', '--out', out], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });

describe('vsce packages the extension into a .vsix', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hindsight-vsix-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('packages without prompting or network; the .vsix holds the manifest, the compiled extension, README and LICENSE, and nothing else', () => {
    const src = path.join(dir, 'ok');
    stage(src);
    const out = path.join(dir, 'hindsight.vsix');
    const r = vsce(src, out);
    assert.equal(r.status, 0, `vsce failed:\n${r.stdout}\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /WARNING/, 'no warnings, so no prompt');
    const entries = execFileSync('unzip', ['-Z1', out], { encoding: 'utf8' }).trim().split('\n').sort();
    const m = manifest();
    const compiled = ['adapter', 'cli', 'extension', 'launch', 'listing', 'picks', 'session', 'settings', 'timeline', 'timelineView', 'uri', 'whatif'].map((f) => `extension/dist/src/${f}.js`);
    assert.deepEqual(entries, ['[Content_Types].xml', 'extension.vsixmanifest', 'extension/LICENSE.txt', 'extension/package.json', 'extension/readme.md', ...compiled].sort());
    assert.ok(entries.includes(`extension/${m.main.replace(/^\.\//, '')}`), 'main is inside');
    const packed = JSON.parse(execFileSync('unzip', ['-p', out, 'extension/package.json'], { encoding: 'utf8' })) as { name: string; publisher: string; contributes: unknown };
    assert.deepEqual([packed.name, packed.publisher], ['hindsight', 'hindsight'], 'the id that debug links name: hindsight.hindsight');
    assert.deepEqual(packed.contributes, m.contributes);
    const vsix = execFileSync('unzip', ['-p', out, 'extension.vsixmanifest'], { encoding: 'utf8' });
    assert.match(vsix, /<Identity Language="en-US" Id="hindsight" Version="0\.1\.0" Publisher="hindsight"/);
    assert.match(vsix, /Microsoft\.VisualStudio\.Code\.Engine" Value="\^1\.85\.0"/);
    // the compiled extension loads as the extension host loads it: CommonJS, exporting activate
    assert.match(execFileSync('unzip', ['-p', out, 'extension/dist/src/extension.js'], { encoding: 'utf8' }), /^"use strict";[\s\S]*exports\.activate = activate;/);
  });

  it('vsce validates the manifest: one without engines.vscode or with a bad name is refused', () => {
    const cases: [string, (m: Record<string, unknown>) => void, RegExp][] = [
      ['no-engines', (m) => delete m.engines, /engines/],
      ['bad-name', (m) => (m.name = 'Hindsight Debugger'), /name/i],
    ];
    for (const [name, edit, expected] of cases) {
      const src = path.join(dir, name);
      stage(src, edit);
      const r = vsce(src, path.join(dir, `${name}.vsix`));
      assert.notEqual(r.status, 0, name);
      assert.match(r.stderr + r.stdout, expected, name);
    }
  });
});
