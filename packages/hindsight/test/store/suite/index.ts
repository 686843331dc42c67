import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Store } from '../../../src/store/index.js';
import { histories } from './histories.js';
import { leases } from './leases.js';
import { listing } from './listing.js';
import { messages } from './messages.js';

/**
 * The behaviour every Store implementation shares. `open` must return a new,
 * empty store on each call.
 */
export function storeSuite(name: string, open: () => Promise<Store>): void {
  describe(`${name} store`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });
    const current = () => store;
    histories(current);
    leases(current);
    messages(current);
    listing(current);

    it('close can be called twice', async () => {
      const other = await open();
      await other.close();
      await other.close();
    });
  });
}
