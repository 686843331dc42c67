/**
 * The debugger over a trace that begins in the middle of the program (a ring that wrapped): which
 * requests are in flight (the threads of `info threads` and of the editor), and the times it has.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DebugSession } from '../../src/debugger/index.js';
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

describe('goto time in a partial trace', () => {
  it('says that a time before its first event is not in it, rather than going to that event', async () => {
    const session = new DebugSession(new ServiceTrace(true).idle(5).tailOfHandle().idle(1).handle(2).build(), { requestLanes: true });
    const before = await session.execute('goto time +1ms');
    assert.match(before.error?.message ?? '', /^no event at \+1ms: the trace starts later \(the ring overwrote what came before\); its events run from \+5ms to \+8ms$/);
    assert.equal((await session.execute('goto time +6ms')).stop?.index, 2, 'the first event at or after it');
  });
});
