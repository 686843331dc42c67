import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { Client, type ClientOptions } from '../client/index.js';
import { HindsightError } from '../common/errors.js';
import { defaultStorePath, openStore, type Store } from '../store/index.js';

export interface StoreUse {
  /**
   * Commands that only read or act on existing runs refuse a store file that
   * does not exist: a typo in --store would otherwise create an empty store
   * and report "no runs" instead of the real mistake.
   */
  mustExist?: boolean;
}

/** --store, else $HINDSIGHT_STORE, else `.hindsight/hindsight.db` under the current folder. */
export function storePath(cmd: Command): string {
  const given = cmd.optsWithGlobals<{ store?: string }>().store;
  return given || process.env.HINDSIGHT_STORE || defaultStorePath();
}

function durability(cmd: Command): 'full' | 'normal' {
  const value = cmd.optsWithGlobals<{ durability?: string }>().durability ?? 'full';
  if (value === 'full' || value === 'normal') return value;
  throw new HindsightError('HS_E_INVALID_INPUT', `--durability must be full or normal, not ${JSON.stringify(value)}`);
}

/** Opens the command's store, hands it to `fn` and closes it afterwards, whatever happens. */
export async function withStore<T>(cmd: Command, fn: (store: Store) => Promise<T>, use: StoreUse = {}): Promise<T> {
  const where = storePath(cmd);
  if (use.mustExist) assertStoreExists(where);
  const store = await openStore({ path: where, durability: durability(cmd) });
  let failed = false;
  try {
    return await fn(store);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    // A close error must not hide the error that brought us here.
    await store.close().catch((err: unknown) => {
      if (!failed) throw err;
    });
  }
}

export function withClient<T>(
  cmd: Command,
  fn: (client: Client) => Promise<T>,
  use: StoreUse & Omit<ClientOptions, 'store'> = {},
): Promise<T> {
  const { mustExist, ...options } = use;
  return withStore(cmd, (store) => fn(new Client({ store, ...options })), { mustExist });
}

function assertStoreExists(where: string): void {
  if (/^postgres(ql)?:\/\//i.test(where)) return; // openStore explains what it thinks of those
  const file = storeFile(where);
  if (file === ':memory:' || file === '' || existsSync(file)) return;
  throw new HindsightError(
    'HS_E_STORE_NOT_FOUND',
    `no store at ${file}; pass --store (or set HINDSIGHT_STORE) to the store your workers use`,
  );
}

/** The file a store location names: `sqlite:///abs/file.db` and `sqlite:rel/file.db` name a file, as openStore reads them. */
export function storeFile(where: string): string {
  return where.replace(/^sqlite:(\/\/)?/i, '');
}
