import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Slots } from '../../src/common/index.js';

/** Keys as the decoder meets them: mostly a few apart (activation ids), some a power of two apart, some anywhere in 32 bits. */
const key = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 16 }).map((k) => k * 1024), fc.nat({ max: 0xffffffff }));
const op = fc.record({ add: fc.boolean(), key });

describe('Slots', () => {
  it('gives each key present one slot, never two keys the same one, and reuses slots of removed keys first', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 2000 }), (ops) => {
        const slots = new Slots();
        const model = new Map<number, number>();
        const freed: number[] = [];
        for (const { add, key } of ops) {
          if (add && !model.has(key)) {
            const slot = slots.add(key);
            assert.equal(slot, freed.length > 0 ? freed.pop() : model.size + freed.length, 'a freed slot first, else the next');
            model.set(key, slot);
          } else if (!add && model.has(key)) {
            slots.remove(key);
            freed.push(model.get(key)!);
            model.delete(key);
          } else if (!add) slots.remove(key); // removing an absent key changes nothing
          for (const [k, s] of model) assert.equal(slots.find(k), s);
          assert.equal(slots.find(key), model.get(key) ?? -1);
        }
        assert.equal(new Set(model.values()).size, model.size);
      }),
      { numRuns: 200 },
    );
  });

  it('finds every key of a table grown past many sizes, after half of them were removed', () => {
    const slots = new Slots();
    const n = 100_000;
    for (let k = 0; k < n; k++) assert.equal(slots.add(k * 7), k);
    for (let k = 0; k < n; k += 2) slots.remove(k * 7);
    for (let k = 0; k < n; k++) assert.equal(slots.find(k * 7), k % 2 === 0 ? -1 : k);
    assert.equal(slots.used, n);
  });
});
