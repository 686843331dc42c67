/**
 * A crash's recording is committed before its ring is copied into the store (the ring is read
 * from its file meanwhile). When the process that was to copy it dies first, the next hindsight
 * command on the store copies it in.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { recoverOrphans } from '../../src/recorder/index.js';
import { openRecordings, type NewRecording } from '../../src/store/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-left-rings-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A ring file in a spool folder of its own, as `hindsight record` leaves it, and the recording that points at it. */
function leftRing(id: string, owner: number): { recording: NewRecording; folder: string; ring: Uint8Array } {
  const folder = path.join(dir, `hindsight-rec-${id}`);
  mkdirSync(folder);
  const ring = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7 + id.length) & 0xff);
  writeFileSync(path.join(folder, 'ring'), ring);
  const meta = { id, createdAt: Date.now(), trigger: 'crash', command: ['node', 'app.js'], pid: 1, exitCode: null, signal: 'SIGKILL', node: 'v20', host: 'h', events: 0, wrapped: false, reason: 'killed by SIGKILL' } as const;
  return { recording: { meta, ring: { file: path.join(folder, 'ring'), bytes: ring.length, owner }, modules: [], files: [] }, folder, ring };
}

describe('rings left in their files', () => {
  it('the ring of a recording whose owner died before storing it is stored by the next command on the store, and its folder removed; one whose owner lives is left to it', () => {
    const store = path.join(dir, 'store.db');
    const gone = spawnSync(process.execPath, ['-e', '']).pid!; // a process that has exited
    const orphan = leftRing('rec-orphan', gone);
    const owned = leftRing('rec-owned', process.pid);
    const recordings = openRecordings({ path: store });
    recordings.save(orphan.recording);
    recordings.save(owned.recording);
    recordings.close();

    const after = openRecordings({ path: store });
    try {
      recoverOrphans(store, after);
      assert.deepEqual(after.pendingRings().map((p) => p.id), ['rec-owned']);
      assert.equal(existsSync(orphan.folder), false);
      assert.deepEqual(after.get('rec-orphan')!.ring, orphan.ring);
      assert.equal(existsSync(owned.folder), true);
      assert.deepEqual(after.get('rec-owned')!.ring, owned.ring);
    } finally {
      after.close();
    }
  });
});
