/**
 * V8's inlining budget in a recorded process (inlining.ts): by default raised once the program
 * serves, from the start when a budget is given, left alone for 0 or when the program sets V8's
 * flag itself.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, type TestContext } from 'node:test';
import { configFromEnv, ENV } from '../../src/recorder/config.js';
import { SERVING_BUDGET, setInliningBudget, type InliningBudget } from '../../src/recorder/inlining.js';

const SERVING_FLAG = `--max-inlined-bytecode-size-cumulative=${SERVING_BUDGET}`;

/** The flags setInliningBudget hands V8 for a program started with `execArgv`, and whether it waits for the program to serve. */
function flagsSet(budget: InliningBudget, execArgv: string[], serves = false): { set: string[]; waits: boolean } {
  const set: string[] = [];
  let waits = false;
  setInliningBudget(budget, execArgv, (flags) => set.push(flags), (then) => {
    waits = true;
    if (serves) then();
  });
  return { set, waits };
}

/** A server listening on loopback, closed when test `t` ends. */
async function listening(t: TestContext): Promise<net.Server> {
  const server = net.createServer((socket) => socket.end());
  t.after(() => void server.close());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function connectTo(server: net.Server): Promise<void> {
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(socket, 'close');
}

describe("V8's inlining budget in a recorded process", () => {
  it('is raised to the budget asked for, from the start', () => {
    assert.deepEqual(flagsSet(4000, ['--enable-source-maps']), { set: ['--max-inlined-bytecode-size-cumulative=4000'], waits: false });
    assert.deepEqual(flagsSet(2500, []), { set: ['--max-inlined-bytecode-size-cumulative=2500'], waits: false });
  });

  it('by default, is raised only once the program serves', () => {
    assert.deepEqual(flagsSet('serving', [], false), { set: [], waits: true });
    assert.deepEqual(flagsSet('serving', [], true), { set: [SERVING_FLAG], waits: true });
  });

  it("is left as V8 has it for 0, or when the program's command line sets the flag itself (either spelling)", () => {
    assert.deepEqual(flagsSet(0, []), { set: [], waits: false });
    for (const budget of [4000, 'serving'] as const) {
      assert.deepEqual(flagsSet(budget, ['--max-inlined-bytecode-size-cumulative=1200'], true), { set: [], waits: false });
      assert.deepEqual(flagsSet(budget, ['--max_inlined_bytecode_size_cumulative=1200'], true), { set: [], waits: false });
    }
  });

  it("comes to the recorded process from its environment: a number of bytes, 0 for V8's own, the serving default otherwise", () => {
    const budget = (value: string | undefined) => configFromEnv({ [ENV.dir]: '/tmp/spool', [ENV.inliningBudget]: value }, '/app')!.inliningBudget;
    assert.equal(budget(undefined), 'serving');
    assert.equal(budget(''), 'serving');
    assert.equal(budget('0'), 0);
    assert.equal(budget('6000'), 6000);
    assert.equal(budget('lots'), 'serving');
  });

  it("a real server's listen raises it, once; the program's own subscriber to the channel still hears it", async (t) => {
    const set: string[] = [];
    const heard: unknown[] = [];
    const own = (message: unknown) => heard.push(message);
    setInliningBudget('serving', [], (flags) => set.push(flags));
    subscribe('tracing:net.server.listen:asyncStart', own);
    t.after(() => unsubscribe('tracing:net.server.listen:asyncStart', own));
    await sleep(20);
    assert.deepEqual(set, [], 'nothing before the program serves');
    // two listens in one turn of the loop, before the recorder has stopped listening for them
    const [first] = await Promise.all([listening(t), listening(t)]);
    await connectTo(first!);
    assert.deepEqual(set, [SERVING_FLAG]);
    assert.equal(heard.length, 2, 'the subscriber after the recorder heard both listens');
  });

  it('a server that listened before the recorder looked raises it at its first connection', async (t) => {
    const server = await listening(t);
    const set: string[] = [];
    setInliningBudget('serving', [], (flags) => set.push(flags));
    assert.deepEqual(set, []);
    await connectTo(server);
    await connectTo(server);
    assert.deepEqual(set, [SERVING_FLAG]);
  });
});
