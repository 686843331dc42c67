/** How `trace latency` writes its figures for people. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { added, ms } from '../../src/cli/commands/trace/latency.js';

describe('trace latency: figures for people', () => {
  it('durations take three significant digits, seconds from 1000 ms', () => {
    assert.deepEqual([ms(0.0123456), ms(2.345), ms(1234), ms(Number.NaN)], ['0.0123 ms', '2.35 ms', '1.23 s', '-']);
  });

  it('the time a call path adds to the slow requests is signed: one the typical requests spend longer in takes time away', () => {
    assert.deepEqual([added(5.54), added(-0.00805), added(0)], ['+5.54 ms', '-0.00805 ms', '+0 ms']);
  });
});
