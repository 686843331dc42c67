/**
 * A recording exported as one file (`hindsight trace export`), to debug it on another machine: it
 * comes back as it went, and one too large for a file is refused before anything is written.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromRecordingFile, toRecordingFile } from '../../src/recorder/index.js';
import type { Recording } from '../../src/store/index.js';

const recording = (ringBytes: number): Recording => ({
  meta: { id: 'rec-1f', createdAt: 0, trigger: 'crash', command: ['node', 'app.js'], pid: 7, exitCode: 1, signal: null, node: 'v20', host: 'h', events: ringBytes / 4, wrapped: true, reason: 'crash' },
  modules: [],
  files: [{ path: '/app/app.js', hash: 'abc' }],
  ring: new Uint8Array(ringBytes).map((_, i) => i & 0xff),
  values: new Uint8Array([1, 2, 3]),
});

describe('an exported recording file', () => {
  it('brings back the ring, the values ring and the code bundle as they were', () => {
    const rec = recording(4096);
    const file = JSON.parse(JSON.stringify(toRecordingFile(rec, () => 'console.log(1);'))) as ReturnType<typeof toRecordingFile>;
    const back = fromRecordingFile(file, 'crash.json');
    assert.deepEqual(back.recording.ring, rec.ring);
    assert.deepEqual(back.recording.values, rec.values);
    assert.deepEqual(back.recording.files, rec.files);
    assert.equal(back.sources.get('/app/app.js'), 'console.log(1);');
  });

  it('refuses a ring too large for one JSON text (V8 makes no longer string), saying how to take it elsewhere', () => {
    const rec = { ...recording(0), ring: new Uint8Array(400 * 1024 ** 2) };
    assert.throws(
      () => toRecordingFile(rec, () => undefined),
      (err: Error & { code?: string }) => err.code === 'HS_E_RECORDING_TOO_LARGE' && /ring is 400 MiB.*copy the store file to the other machine and run hindsight debug rec-1f --store <the copy> there/.test(err.message),
    );
  });
});
