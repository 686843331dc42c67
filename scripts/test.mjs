// Runs every compiled test file with node's test runner. Node 20's `--test`
// does not expand glob patterns itself, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const roots = ['packages/hindsight/dist/test', 'packages/vscode/dist/test'];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (name.endsWith('.test.js')) files.push(full);
  }
};
for (const root of roots) walk(root);
files.sort();
const only = process.argv.slice(2);
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
// node --test given no file looks for tests itself, fixtures included: an empty selection is a mistake
if (selected.length === 0) {
  console.error(`no test file's path contains ${only.map((o) => `"${o}"`).join(' or ')}: give part of a path under ${roots.join(' or ')}, e.g. recorder/ring`);
  process.exit(2);
}
// Source maps on, as in production use: recorded stacks and reports name .ts lines.
// The programs the tests record keep their instrumented modules in a cache of this run's own.
const transforms = mkdtempSync(path.join(tmpdir(), 'hindsight-test-transforms-'));
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --enable-source-maps`.trim(), HINDSIGHT_TRANSFORM_CACHE: transforms };
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...selected], { stdio: 'inherit', env });
rmSync(transforms, { recursive: true, force: true });
process.exit(result.status ?? 1);
