import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../src/common/index.js';
import { CommitQueue } from '../../src/engine/commit-queue.js';
import type { Commit, CommitResult, Store } from '../../src/store/index.js';
import { delay } from './harness.js';

/** A store whose commits take `ms` to become durable, as over a network. */
function slowStore(ms: number, commits: Commit[]): Store {
  return {
    commit: async (commit: Commit): Promise<CommitResult> => {
      commits.push(commit);
      await delay(ms);
      return { fenced: [] };
    },
  } as unknown as Store;
}

describe('group commit', () => {
  it('flushed() resolves once the commit in flight is durable, also when nothing else is queued', async () => {
    const commits: Commit[] = [];
    const queue = new CommitQueue(slowStore(30, commits), systemClock, () => {});
    queue.consume(1);
    await delay(5);
    assert.equal(commits.length, 1, 'the commit is in flight');
    const outcome = await Promise.race([queue.flushed().then(() => 'flushed'), delay(1000).then(() => 'hung')]);
    assert.equal(outcome, 'flushed');
  });

  it('puts what is recorded while a commit is in flight into the next commit, in order', async () => {
    const commits: Commit[] = [];
    const queue = new CommitQueue(slowStore(20, commits), systemClock, () => {});
    queue.consume(1);
    await delay(5);
    queue.consume(2);
    queue.consume(3);
    await Promise.race([queue.flushed(), delay(1000)]);
    assert.deepEqual(commits.map((c) => c.consumed), [[1], [2, 3]]);
  });
});
