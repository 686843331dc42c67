/**
 * The request lanes of a recording (the threads of `info threads` and of the editor): a request is
 * in flight until it ends, also when its handler returned a promise its caller still waits for.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestLanes } from '../../src/debugger/lanes.js';
import { EventKind } from '../../src/trace/index.js';
import { S, ServiceTrace } from '../analysis/service-trace.js';

/** Two `relay` requests at once: each returns `get`'s promise at once (events 0-4, 5-9); the gets end at events 11 and 13. */
function twoRelays() {
  const s = new ServiceTrace();
  const relay = (a: number, g: number) => [[EventKind.Enter, S.RELAY, a], [EventKind.Statement, S.RELAY_RETURN, a], [EventKind.Enter, S.GET, g], [EventKind.Suspend, S.GET_AWAIT, g], [EventKind.Exit, S.RELAY, a]] as const;
  const done = (g: number) => [[EventKind.Resume, S.GET_AWAIT, g], [EventKind.Exit, S.GET, g]] as const;
  let t = 0;
  for (const [kind, site, a] of [...relay(1, 2), ...relay(3, 4), ...done(2), ...done(4)]) s.b.append(kind, site, a, t++);
  return s.build();
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
    let t = 0;
    for (const [kind, site, a] of [[EventKind.Enter, S.RELAY, 1], [EventKind.Statement, S.RELAY_RETURN, 1], [EventKind.Enter, S.GET, 2], [EventKind.Suspend, S.GET_AWAIT, 2], [EventKind.Exit, S.RELAY, 1], [EventKind.Resume, S.GET_AWAIT, 2], [EventKind.Throw, S.GET, 2]] as const) s.b.append(kind, site, a, t++);
    assert.deepEqual(new RequestLanes(s.build()).timeline().map((e) => [e.label, e.endIndex, e.threw]), [['relay', 6, true]]);
  });
});
