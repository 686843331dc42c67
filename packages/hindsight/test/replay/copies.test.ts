import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { INSTRUMENTED_DIR, loadInstrumented } from '../../src/replay/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-copies-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const workflowApi = pathToFileURL(path.resolve(import.meta.dirname, '../../src/workflow/index.js')).href;

describe('instrumented copies beside a workflows module', () => {
  it('copies of earlier code versions are pruned: the most recent four and any used in the last hour stay', async () => {
    const copies = path.join(dir, INSTRUMENTED_DIR);
    const day = 24 * 60 * 60;
    ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].forEach((name, k) => {
      const d = path.join(copies, name);
      mkdirSync(d, { recursive: true });
      const t = Date.now() / 1000 - (k + 1) * day;
      utimesSync(d, t, t);
    });
    const recent = path.join(copies, 'fresh');
    mkdirSync(recent);
    const module = path.join(dir, 'flows.js');
    writeFileSync(module, `import { workflow } from '${workflowApi}';\nexport const hello = workflow('hello', async () => 'hi');\n`);
    const { files } = await loadInstrumented(module);
    const current = path.basename(path.dirname(files.get(module)!));
    const left = readdirSync(copies).sort();
    assert.deepEqual(left, [current, 'a1', 'a2', 'fresh'].sort(), 'the current copy, the two most recent old ones, and the one used within the hour');
    assert.ok(existsSync(files.get(module)!));
  });
});
