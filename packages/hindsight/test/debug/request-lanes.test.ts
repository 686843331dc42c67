/**
 * The request lanes of a recording (the threads of `info threads` and of the editor): a request is
 * in flight until it ends, also when its handler returned a promise its caller still waits for.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestLanes } from '../../src/debugger/lanes.js';
import { ServiceTrace } from '../analysis/service-trace.js';

/** Two `relay` requests at once: each returns `get`'s promise at once (events 0-4, 5-9); the gets end at events 11 and 13. */
function twoRelays() {
  const s = new ServiceTrace();
  const [first, second] = [s.relayReturned(), s.relayReturned()];
  return s.getEnds(first).getEnds(second).build();
}

describe('request lanes', () => {
  it('a handler that returned the promise of what it called stays in flight until that ends, in info threads and on the timeline', () => {
    const lanes = new RequestLanes(twoRelays());
    const inFlight = (at: number) => lanes.inFlight(at).map((t) => t.name.replace(/ @.*/, ''));
    assert.deepEqual(inFlight(9), ['relay', 'relay'], 'both wait for their get, though both relays returned');
    assert.deepEqual(inFlight(12), ['relay'], "the first one's get ended at event 11");
    assert.deepEqual(lanes.timeline().map((e) => [e.index, e.endIndex, e.complete, e.threw]), [[0, 11, true, false], [5, 13, true, false]]);
  });

  it('a request whose returned call threw is one that threw, on the timeline', () => {
    const s = new ServiceTrace();
    s.getEnds(s.relayReturned(), true);
    assert.deepEqual(new RequestLanes(s.build()).timeline().map((e) => [e.label, e.endIndex, e.threw]), [['relay', 6, true]]);
  });
});
