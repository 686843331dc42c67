import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { defaultStorePath, openStore, type Store } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/schema.js';
import { T0, commitOf, ids, newRun, rejectsWith, startAndClaim, steps } from './fixtures.js';
import { storeSuite } from './suite/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'hindsight-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A path in a folder of its own that does not exist yet: openStore must create it. */
const freshPath = (): string => path.join(root, `s${++n}`, '.hindsight', 'hindsight.db');

storeSuite('sqlite', () => openStore({ path: freshPath() }));

describe('sqlite store file', () => {
  const messages: string[] = [];
  const expectError = async (p: Promise<unknown>, code: string) => {
    const err = await rejectsWith(p, code);
    messages.push(err.message);
    return err;
  };

  it('the database itself refuses to update or delete recorded events', async () => {
    const file = freshPath();
    const store = await openStore({ path: file });
    const a = await startAndClaim(store);
    await store.commit(commitOf({ appends: [{ runId: a.run.runId, epoch: a.epoch, events: steps(2, 2) }] }), T0);
    await store.close();
    const db = new Database(file);
    try {
      assert.throws(() => db.prepare(`UPDATE events SET data = '{}' WHERE run_id = ?`).run(a.run.runId), /append-only/);
      assert.throws(() => db.prepare(`DELETE FROM events WHERE run_id = ?`).run(a.run.runId), /append-only/);
      assert.throws(() => db.prepare(`DELETE FROM events`).run(), /append-only/);
      assert.equal(db.prepare(`SELECT count(*) FROM events`).pluck().get(), 3);
    } finally {
      db.close();
    }
  });

  it('keeps everything across close and reopen', async () => {
    const file = freshPath();
    let store: Store = await openStore({ path: file });
    const a = await startAndClaim(store, { workflowId: 'keep' });
    await store.commit(commitOf({ appends: [{ runId: a.run.runId, epoch: a.epoch, events: steps(2, 5) }] }), T0);
    await store.send(a.run.runId, { kind: 'signal', name: 's', payload: [1] }, T0);
    const before = await store.getRun(a.run.runId);
    await store.close();
    store = await openStore({ path: `sqlite:${file}` });
    try {
      assert.deepEqual(await store.getRun(a.run.runId), before);
      assert.deepEqual(await ids(store, a.run.runId), [1, 2, 3, 4, 5, 6]);
      assert.equal((await store.readInbox([a.run.runId])).length, 1);
      assert.equal((await store.findRun('keep'))!.runId, a.run.runId);
    } finally {
      await store.close();
    }
  });

  it('a file that is not a store gives HS_E_STORE_CORRUPT and is left byte for byte unchanged', async () => {
    const dir = path.dirname(freshPath());
    const file = path.join(dir, 'garbage.db');
    await openStore({ path: path.join(dir, 'make-dir.db') }).then((s) => s.close());
    const bytes = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 251));
    writeFileSync(file, bytes);
    await expectError(openStore({ path: file }), 'HS_E_STORE_CORRUPT');
    assert.deepEqual(readFileSync(file), bytes);
  });

  it('another program\'s SQLite database is refused and left unchanged', async () => {
    const file = freshPath().replace(/hindsight\.db$/, 'other.db');
    await openStore({ path: file.replace(/other\.db$/, 'x.db') }).then((s) => s.close());
    const db = new Database(file);
    db.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)`);
    db.close();
    const bytes = readFileSync(file);
    await expectError(openStore({ path: file }), 'HS_E_STORE_CORRUPT');
    assert.deepEqual(readFileSync(file), bytes);
  });

  it('a store written by a newer version gives HS_E_STORE_VERSION and is left unchanged', async () => {
    const file = freshPath();
    await (await openStore({ path: file })).close();
    const db = new Database(file);
    db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION + 1));
    db.close();
    const bytes = readFileSync(file);
    const err = await expectError(openStore({ path: file }), 'HS_E_STORE_VERSION');
    assert.match(err.message, /newer Hindsight/);
    assert.deepEqual(readFileSync(file), bytes);
  });

  it('a store locked by another process longer than the busy timeout gives HS_E_STORE_LOCKED', async () => {
    const file = freshPath();
    const store = await openStore({ path: file, busyTimeoutMs: 50 });
    const other = new Database(file);
    try {
      other.exec('BEGIN EXCLUSIVE');
      await expectError(store.createRun(newRun(), T0), 'HS_E_STORE_LOCKED');
      const err = await expectError(openStore({ path: file, busyTimeoutMs: 100 }), 'HS_E_STORE_LOCKED');
      assert.match(err.message, /locked by another process for more than 100ms/);
      other.exec('ROLLBACK');
      // Once the other writer is gone the same store works again.
      assert.equal((await store.createRun(newRun(), T0)).created, true);
    } finally {
      other.close();
      await store.close();
    }
  });

  it('a path that cannot be created gives HS_E_STORE_UNREACHABLE', async () => {
    const dir = path.dirname(freshPath());
    await (await openStore({ path: path.join(dir, 'ok.db') })).close();
    const regular = path.join(dir, 'a-file');
    writeFileSync(regular, 'not a folder');
    await expectError(openStore({ path: path.join(regular, 'sub', 'hindsight.db') }), 'HS_E_STORE_UNREACHABLE');
    await expectError(openStore({ path: path.join(regular, 'hindsight.db') }), 'HS_E_STORE_UNREACHABLE');
    // A folder where the file should be.
    await expectError(openStore({ path: dir }), 'HS_E_STORE_UNREACHABLE');
    assert.equal(readFileSync(regular, 'utf8'), 'not a folder');
  });

  it('a PostgreSQL URL is refused with HS_E_STORE_UNSUPPORTED', async () => {
    for (const url of ['postgres://u@localhost/db', 'postgresql://localhost:5432/hindsight']) {
      const err = await expectError(openStore({ path: url }), 'HS_E_STORE_UNSUPPORTED');
      assert.match(err.message, /SQLite path/);
    }
  });

  it('a closed store refuses calls with HS_E_STORE_CLOSED', async () => {
    const store = await openStore({ path: freshPath() });
    await store.close();
    await expectError(store.getRun('x'), 'HS_E_STORE_CLOSED');
  });

  it('every error message is a single line', () => {
    assert.ok(messages.length >= 10, `collected ${messages.length} messages`);
    for (const m of messages) {
      assert.doesNotMatch(m, /[\r\n]/, m);
      assert.ok(m.length < 400, m);
    }
  });

  it('the default store is .hindsight/hindsight.db under the current folder', () => {
    assert.equal(defaultStorePath('/srv/app'), path.join('/srv/app', '.hindsight', 'hindsight.db'));
    assert.equal(defaultStorePath(), path.join(process.cwd(), '.hindsight', 'hindsight.db'));
  });

  it('the location names the file as sqlite:<path>', async () => {
    const file = freshPath();
    const store = await openStore({ path: file, durability: 'normal' });
    try {
      assert.equal(store.location, `sqlite:${file}`);
    } finally {
      await store.close();
    }
  });

  it('runs in WAL mode so that readers never wait for the writer', async () => {
    const file = freshPath();
    await (await openStore({ path: file })).close();
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
  });

  it('worker processes sharing one file never lease the same run twice', async () => {
    const file = freshPath();
    const store = await openStore({ path: file });
    try {
      for (let i = 0; i < 400; i++) await store.createRun(newRun(), T0 + i);
    } finally {
      await store.close();
    }
    const storeModule = new URL('../../src/store/index.js', import.meta.url).href;
    // Each worker opens the store, says so, and starts claiming only once all are open.
    const worker = `
      const { openStore } = await import(${JSON.stringify(storeModule)});
      const store = await openStore({ path: process.argv[1] });
      process.stdout.write('ready\\n');
      await new Promise((go) => process.stdin.once('data', go));
      const mine = [];
      for (;;) {
        const got = await store.claimRuns({ workerId: 'w' + process.pid, taskQueues: ['default'], workflowTypes: ['order'],
          limit: 1, now: ${T0 + 1000}, leaseMs: 60000, fingerprint: 'f' });
        if (got.length === 0) break;
        mine.push(...got.map((c) => c.run.runId));
        // Real workers run the claimed workflows between claims; that is when the others get the lock.
        await new Promise((r) => setTimeout(r, 1));
      }
      await store.close();
      process.stdout.write(JSON.stringify(mine));
      process.exit(0);`;
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['--input-type=module', '-e', worker, file], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    const outputs = children.map(
      (child) =>
        new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`worker exited with ${code}`))));
        }),
    );
    await Promise.all(
      children.map((child) => new Promise((ready) => child.stdout.once('data', ready))),
    );
    for (const child of children) child.stdin.end('go\n');
    const lists = (await Promise.all(outputs)).map((o) => JSON.parse(o.replace(/^ready\n/, '')) as string[]);
    assert.ok(lists.filter((l) => l.length > 0).length >= 2, `the workers really competed: ${lists.map((l) => l.length)}`);
    const claimed = lists.flat();
    assert.equal(claimed.length, 400);
    assert.equal(new Set(claimed).size, 400);
  });

  it('an in-memory store works for tests that need no file', async () => {
    const store = await openStore({ path: ':memory:' });
    try {
      assert.equal((await store.createRun(newRun(), T0)).created, true);
      assert.equal(store.location, 'sqlite::memory:');
    } finally {
      await store.close();
    }
  });

  it('a commit of 500 events over 50 runs lands whole, batch after batch (speed is for the benchmark)', async () => {
    const store = await openStore({ path: freshPath() });
    try {
      const runs = [];
      for (let i = 0; i < 50; i++) runs.push(await startAndClaim(store));
      const next = new Map(runs.map((r) => [r.run.runId, 2]));
      const batches = 40;
      for (let b = 0; b < batches; b++) {
        const appends = runs.map((r) => {
          const from = next.get(r.run.runId)!;
          next.set(r.run.runId, from + 10);
          return { runId: r.run.runId, epoch: r.epoch, events: steps(from, 10) };
        });
        const res = await store.commit(commitOf({ appends }), T0);
        assert.deepEqual(res.fenced, []);
      }
      assert.equal((await store.getRun(runs[0].run.runId))!.eventCount, 401);
    } finally {
      await store.close();
    }
  });
});
