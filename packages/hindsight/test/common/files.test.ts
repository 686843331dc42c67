import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';

const filesModule = new URL('../../src/common/files.js', import.meta.url).href;

/** Writes `file` `times` times through writeAtomically, in a worker thread of this process. */
function writer(file: string, times: number, text: string): Promise<void> {
  const code = `
    const { workerData } = require('node:worker_threads');
    import(workerData.filesModule).then(({ writeAtomically }) => {
      for (let i = 0; i < workerData.times; i++) writeAtomically(workerData.file, workerData.text);
    });`;
  const worker = new Worker(code, { eval: true, workerData: { filesModule, file, times, text } });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (exitCode) => (exitCode === 0 ? resolve() : reject(new Error(`writer exited with ${exitCode}`))));
  });
}

describe('writeAtomically', () => {
  it('lets threads of one process write the same file at once: every rename finds its own temporary file, and one whole file is left', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hs-temp-beside-'));
    try {
      const file = path.join(dir, 'copy.js');
      const texts = ['a'.repeat(50_000), 'b'.repeat(50_000), 'c'.repeat(50_000), 'd'.repeat(50_000)];
      await Promise.all(texts.map((text) => writer(file, 300, text)));
      assert.ok(texts.includes(readFileSync(file, 'utf8')), 'the file is one writer\'s whole text');
      assert.deepEqual(readdirSync(dir), ['copy.js'], 'no temporary file is left');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
