import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '../../src/client/index.js';
import { Worker } from '../../src/engine/index.js';
import { openStore } from '../../src/store/index.js';
import { orders, refund } from '../debug/fixtures/orders.js';
import { basket } from '../replay/fixtures/values.js';
import { noisy } from './fixtures/noisy.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test/dap -> packages/hindsight. */
const PKG = path.resolve(here, '../../..');

export const MODULES = {
  noisy: path.resolve(here, 'fixtures/noisy.js'),
  orders: path.resolve(here, '../debug/fixtures/orders.js'),
  values: path.resolve(here, '../replay/fixtures/values.js'),
};
export const SOURCES = {
  noisy: path.join(PKG, 'test', 'dap', 'fixtures', 'noisy.ts'),
  orders: path.join(PKG, 'test', 'debug', 'fixtures', 'orders.ts'),
  values: path.join(PKG, 'test', 'replay', 'fixtures', 'values.ts'),
};

/** The 1-based line of a fixture source that contains `text` (exactly one line must). */
export function lineOf(file: string, text: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found = lines.flatMap((l, i) => (l.includes(text) ? [i + 1] : []));
  assert.equal(found.length, 1, `one line of ${path.basename(file)} contains ${text}; found ${found.length}`);
  return found[0]!;
}

/** Runs recorded by a real worker on a real SQLite store, and their exported history files. */
export interface Runs {
  readonly dir: string;
  readonly store: string;
  readonly files: { orders: string; refund: string; basket: string; noisy: string };
  dispose(): void;
}

export async function recordRuns(): Promise<Runs> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-dap-'));
  const storeFile = path.join(dir, 'store.db');
  const store = await openStore({ path: storeFile });
  // one worker per workflows module: the run's code fingerprint is then that module's, as the adapter loads it
  const workers = [new Worker({ store, workflows: [orders, refund], taskQueue: 'orders', pollInterval: 10 }).start(), new Worker({ store, workflows: [basket], taskQueue: 'values', pollInterval: 10 }).start(), new Worker({ store, workflows: [noisy], taskQueue: 'noisy', pollInterval: 10 }).start()];
  const files = { orders: path.join(dir, 'orders.json'), refund: path.join(dir, 'refund.json'), basket: path.join(dir, 'basket.json'), noisy: path.join(dir, 'noisy.json') };
  try {
    const client = new Client({ store, pollInterval: 10 });
    assert.deepEqual(await (await client.start(orders, [300, 200, 100], { workflowId: 'orders-1', taskQueue: 'orders' })).result(), ['first:300', 'second:300']);
    await assert.rejects((await client.start(refund, 250, { workflowId: 'refund-1', taskQueue: 'orders' })).result(), /over the limit/);
    const b = await client.start(basket, { owner: 'ada', skus: ['apple', 'kiwi', 'apple'] }, { workflowId: 'basket-1', taskQueue: 'values' });
    assert.equal(((await b.result()) as { running: number }).running, 1400);
    assert.equal(await (await client.start(noisy, undefined, { workflowId: 'noisy-1', taskQueue: 'noisy' })).result(), 3);
    for (const [id, file] of [['noisy-1', files.noisy], ['orders-1', files.orders], ['refund-1', files.refund], ['basket-1', files.basket]] as const) {
      writeFileSync(file, JSON.stringify(await client.exportHistory(id), null, 2));
    }
  } finally {
    for (const w of workers) await w.stop();
    await store.close();
  }
  return { dir, store: storeFile, files, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
