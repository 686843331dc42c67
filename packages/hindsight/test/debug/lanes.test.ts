/**
 * A recording's request lanes, the threads of `info threads` and of the editor: which requests
 * are in flight at an event of a trace that begins in the middle of the program.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestLanes } from '../../src/debugger/lanes.js';
import { ServiceTrace } from '../analysis/service-trace.js';

describe('request lanes of a partial trace', () => {
  it('a request that began before the trace is in flight from its first event in it on, not before (the trace shows nothing of it there)', () => {
    // events 0-1: `get`, entered by a `handle` whose Enter was overwritten; event 2: that handle's first event
    const ex = new ServiceTrace(true).handleFromItsGet(5).build();
    const lanes = new RequestLanes(ex);
    const names = (at: number) => lanes.inFlight(at).map((t) => t.name.replace(/@[\d.]+ms/, '@…'));
    assert.deepEqual(names(1), ['get @… (began before the trace)']);
    assert.deepEqual(names(2), ['get @… (began before the trace)', 'handle @… (began before the trace)']);
  });
});
