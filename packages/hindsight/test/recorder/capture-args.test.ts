/**
 * `hindsight record --capture-args <function...>`: the arguments of each call of the functions
 * named are kept beside the ring, as they were at the call's entry, and the debugger shows them
 * (info args, print, the editor's Arguments scope); everywhere else it says plainly that values
 * are not captured. Real programs under `hindsight record`, debugged with `hindsight debug` and
 * `hindsight dap`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AdapterClient } from '../dap/client.js';
import { CLI } from './oracle-helpers.js';

const ENV = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };

/** A checkout that dies in price() on its third order; price reassigns a parameter, and a getter, a proxy and a custom inspect are passed to it. */
const APP = `class Cart {
  constructor(items) { this.items = items; }
  total(discount = 0) {
    return this.items.reduce((s, i) => s + price(i.sku, i.qty, i.extra), 0) * (1 - discount);
  }
}
function price(sku, qty, extra) {
  qty = qty * 100;
  if (sku === 'sku-3') throw new Error(\`no price for \${sku}\`);
  return sku.length * qty;
}
function tiny(n) {
  return n + 1;
}
async function checkout({ id = 0, items }, ...options) {
  await Promise.resolve();
  return new Cart(items).total(options.includes('vip') ? 0.1 : 0);
}
let hits = 0;
for (let n = 0; n < 9000; n++) hits = tiny(hits);
const trap = () => { throw new Error('a trap ran'); };
const extra = { get secret() { throw new Error('a getter ran'); }, proxy: new Proxy({}, { get: trap, ownKeys: trap, getOwnPropertyDescriptor: trap }), [Symbol.for('nodejs.util.inspect.custom')]: trap };
for (let id = 1; id <= 3; id++) await checkout({ id, items: [{ sku: \`sku-\${id}\`, qty: id, extra }] }, 'vip');
`;

/**
 * Generators whose bodies change their parameters after a yield: lines and ticks take a rest
 * parameter (their call is seen as their body starts), range does not (seen at the call itself,
 * where its defaults run); ticks dies after an await and a yield; other is not captured.
 */
const GENERATORS = `function* lines(text, { sep = '\\n', limit } = {}, ...flags) {
  const parts = text.split(sep);
  for (let i = 0; i < limit; i++) {
    yield parts[i];
    text = flags.join() + i;
  }
}
function* range(from, { step = 1 } = {}, to = from + 2 * step) {
  for (let i = from; i <= to; i += step) {
    yield i;
    from = -1;
  }
}
function* other(x) {
  yield x;
  x = x + 1;
}
async function* ticks(n, { every = 1 } = {}, ...labels) {
  for (let i = 0; i < n; i += every) {
    await Promise.resolve();
    yield labels[i] ?? i;
    if (i >= 2) throw new Error(\`tick \${i} failed\`);
  }
}
const seen = [];
for (const l of lines('a\\nb\\nc', { limit: 2 }, 'trim')) seen.push(l);
for (const r of range(1, { step: 2 })) seen.push(r);
for (const o of other(7)) seen.push(o);
for await (const t of ticks(4, { every: 2 }, 'x', 'y')) seen.push(t);
`;

describe('hindsight record --capture-args', () => {
  let dir: string;
  let store: string;
  let id: string;
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, '--store', store, ...args], { cwd: dir, env: ENV, encoding: 'utf8' });
  /** `hindsight debug` of the recording (or a file) with these commands, one JSON line per command. */
  const debug = (target: string, ...commands: string[]) => {
    writeFileSync(path.join(dir, 'commands.txt'), `${commands.join('\n')}\n`);
    const out = cli('debug', target, '--commands', path.join(dir, 'commands.txt'), '--json');
    assert.equal(out.status, 0, out.stderr);
    return out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.command !== 'start');
  };
  const args = (line: Record<string, any>) => line.result.scopes[0].variables.map((v: { name: string; value: string; type: string }) => `${v.name}: ${v.type} = ${v.value}`);

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hindsight-capture-args-'));
    store = path.join(dir, 'store.db');
    writeFileSync(path.join(dir, 'app.mjs'), APP);
    const recorded = cli('record', '--capture-args', 'price', 'Cart.*', 'checkout', 'tiny', '--', process.execPath, 'app.mjs');
    assert.equal(recorded.status, 1, recorded.stderr);
    assert.match(recorded.stderr, /Error: no price for sku-3/, 'the program dies of its own error: no getter, trap or custom inspect of its ran');
    id = /recording (rec-[0-9a-f]+) archived/.exec(recorded.stderr)![1]!;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('at the crash, info args shows the arguments of the call that threw as they were at its entry; print names one', () => {
    const [info, print, other, exception, locals] = debug(id, 'info args', 'print qty', 'print sku.length', 'print $exception', 'info locals');
    assert.deepEqual(args(info!).slice(0, 2), ["sku: string = 'sku-3'", 'qty: number = 3'], 'qty as passed, not as reassigned');
    assert.match(args(info!)[2], /^extra: Object = \{ secret: \[Getter\], proxy: Proxy \[ \{\}, /, 'previewed without running the getter, the proxy trap or the custom inspect');
    assert.match(info!.result.note, /^values as passed to price at its entry \(event \d+\)$/);
    assert.equal(print!.result.text, "3 (at the call's entry)");
    assert.match(other!.error.message, /only the arguments of price are captured, as they were at its entry \(sku, qty, extra\); "sku.length" is not one of them/);
    assert.equal(exception!.result.text, 'Error: no price for sku-3 (the error that killed the process)');
    assert.deepEqual(locals!.result.scopes.map((sc: { name: string; variables: { name: string }[] }) => `${sc.name}: ${sc.variables.map((v) => v.name).join(', ')}`), ['Arguments: sku, qty, extra', 'Locals: $exception']);
  });

  it('every captured function: a default parameter as applied, destructured and rest parameters by the names they bind, in the order they are written', () => {
    const lines = debug(id, 'break Cart.total', 'reverse-continue', 'info args', 'break checkout', 'reverse-continue', 'info args');
    const [cart, checkout] = lines.filter((l) => l.command === 'info');
    assert.deepEqual(args(cart!), ['discount: number = 0.1']);
    assert.deepEqual(args(checkout!).map((a: string) => a.split(' =')[0]), ['id: number', 'items: Array', 'options: Array']);
    assert.deepEqual(args(checkout!)[0], 'id: number = 3');
  });

  it('log writes each call of a captured function with its arguments, as a console.log at its entry would have', () => {
    const [log, missing] = debug(id, 'log price {sku} x {qty}', 'log price {sku.length}');
    assert.deepEqual(log!.result.lines.map((l: { text: string }) => l.text), ['sku-1 x 1', 'sku-2 x 2', 'sku-3 x 3'], 'strings as console.log writes them: no quotes; qty as passed');
    assert.match(missing!.error.message, /^\{sku.length\} has no value at any hit: only the arguments of price are captured/);
  });

  it('up selects a caller: info args are then of its call', () => {
    const [frame, info] = debug(id, 'up 2', 'info args');
    assert.equal(frame!.result.position.function, 'Cart.total');
    assert.deepEqual(args(info!), ['discount: number = 0.1']);
  });

  it('outside the captured functions, and for calls overwritten since, the debugger says why there is no value', () => {
    const [, notCaptured] = debug(id, 'finish', 'info args');
    assert.match(notCaptured!.error.message, /values are not captured in flight recordings .*<anonymous> is not one of the functions whose arguments were captured \(--capture-args\); the error that killed the process is `print \$exception`$/);
    const [, beforeTheThrow] = debug(id, 'goto 0', 'info args');
    assert.match(beforeTheThrow!.error.message, /<module app\.mjs> is not one of the functions whose arguments were captured \(--capture-args\)$/);
    // tiny ran 9000 times, more than the values ring keeps (8192 calls), and was never demoted: it was asked for
    const [, , newest] = debug(id, 'break tiny', 'reverse-continue', 'info args');
    assert.deepEqual(args(newest!), ['n: number = 8999']);
    const [, , , oldest] = debug(id, 'goto 0', 'break tiny', 'continue', 'info args');
    assert.match(oldest!.error.message, /the arguments of this call of tiny were captured, but newer calls have overwritten them since \(the values ring keeps the newest 8192 captured calls\)/);
  });

  it('trace show says whose arguments were captured, and how many calls are kept', () => {
    const shown = cli('trace', 'show', id);
    assert.match(shown.stdout, /arguments captured \(--capture-args\) of Cart\.constructor, Cart\.total, price, tiny, checkout: 8192 calls kept/);
    assert.match(shown.stdout, /^  \d+ events recorded; 1 module traced; 1 source file in its code bundle$/m, 'one of each, in the singular');
  });

  it('a Chrome trace export shows each captured call with its arguments, for Perfetto', () => {
    const file = path.join(dir, 'trace.json');
    assert.equal(cli('trace', 'export', id, '--format', 'chrome', '-o', file).status, 0);
    const events = (JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: { name: string; ph: string; args?: { arguments?: Record<string, string> } }[] }).traceEvents;
    const prices = events.filter((e) => e.ph === 'B' && e.name === 'price');
    assert.deepEqual(prices.map((e) => e.args?.arguments?.sku), ["'sku-1'", "'sku-2'", "'sku-3'"]);
    assert.equal(events.find((e) => e.ph === 'B' && e.name === '<anonymous>')?.args?.arguments, undefined, 'a function not captured has none');
  });

  it('an exported recording carries the arguments to another machine', () => {
    const file = path.join(dir, 'crash.json');
    assert.equal(cli('trace', 'export', id, '-o', file).status, 0);
    const [info] = debug(file, 'info args');
    assert.deepEqual(args(info!).slice(0, 2), ["sku: string = 'sku-3'", 'qty: number = 3']);
  });

  it('the editor gets them as the Arguments scope of the frame', async () => {
    const dc = new AdapterClient();
    await dc.start();
    try {
      await dc.initializeRequest();
      const stopped = await dc.open({ recording: id, store });
      const [top] = await dc.frames(stopped.body.threadId!);
      const scopes = (await dc.scopesRequest({ frameId: top!.id })).body.scopes;
      assert.deepEqual(scopes.map((s) => s.name), ['Arguments', 'Locals'], 'and the error that killed the process, where it was thrown');
      const vars = (await dc.variablesRequest({ variablesReference: scopes[0]!.variablesReference })).body.variables;
      assert.deepEqual(vars.slice(0, 2).map((v) => `${v.name}=${v.value}`), ["sku='sku-3'", 'qty=3']);
    } finally {
      await dc.stop();
    }
  });

  describe('of generators', () => {
    let gens: string;
    /** A call's captured arguments, by name. */
    const byName = (line: Record<string, any>) => Object.fromEntries(line.result.scopes[0].variables.map((v: { name: string; value: string }) => [v.name, v.value]));

    before(() => {
      writeFileSync(path.join(dir, 'generators.mjs'), GENERATORS);
      const recorded = cli('record', '--capture-args', 'lines', 'range', 'ticks', '--', process.execPath, 'generators.mjs');
      assert.equal(recorded.status, 1, recorded.stderr);
      assert.match(recorded.stderr, /Error: tick 2 failed/);
      gens = /recording (rec-[0-9a-f]+) archived/.exec(recorded.stderr)![1]!;
    });

    it('a sync generator with a rest parameter: after a yield, info args shows its arguments as they were at its call, not as its body changed them', () => {
      // line 5 runs after the generator's second yield, in a run of its own, after text was reassigned
      const [, stop, info, text] = debug(gens, 'break 5', 'reverse-continue', 'info args', 'print text');
      assert.equal(stop!.stop.function, 'lines');
      assert.deepEqual(byName(info!), { text: "'a\\nb\\nc'", sep: "'\\n'", limit: '2', flags: "[ 'trim' ]" }, 'a default as applied, destructured by the names they bind, the rest as its array');
      assert.match(info!.result.note, /^values as passed to lines at its entry \(event \d+\)$/);
      assert.equal(text!.result.text, "'a\\nb\\nc' (at the call's entry)");
    });

    it('a sync generator whose defaults read earlier parameters: they are captured as its call applied them, before its body ran', () => {
      const [, , info] = debug(gens, 'break 11', 'reverse-continue', 'info args');
      assert.deepEqual(byName(info!), { from: '1', step: '2', to: '5' });
    });

    it('an async generator that dies after an await and a yield: where it throws, its arguments are those of its call', () => {
      // line 22 last runs after the generator's second await and yield, in a run its for await started
      const [, stop, info, labels] = debug(gens, 'break 22', 'reverse-continue', 'info args', 'print labels');
      assert.equal(stop!.stop.function, 'ticks');
      assert.deepEqual(byName(info!), { n: '4', every: '2', labels: "[ 'x', 'y' ]" });
      assert.equal(labels!.result.text, "[ 'x', 'y' ] (at the call's entry)");
    });

    it('every run of a generator is the same call: its first run shows the same arguments as its later ones', () => {
      // line 20 runs first in the generator's first run, then again after its first yield
      const [, , , info, , again] = debug(gens, 'goto 0', 'break 20', 'continue', 'info args', 'continue', 'info args');
      assert.deepEqual(byName(info!), { n: '4', every: '2', labels: "[ 'x', 'y' ]" });
      assert.deepEqual(byName(again!), byName(info!));
      assert.equal(info!.result.note, again!.result.note, 'both name the one Enter of the call');
    });

    it('a generator whose name does not match is not captured: the debugger says so', () => {
      const [, stop, info] = debug(gens, 'break 16', 'reverse-continue', 'info args');
      assert.equal(stop!.stop.function, 'other');
      assert.match(info!.error.message, /other is not one of the functions whose arguments were captured \(--capture-args\)/);
    });

    it('the editor gets them as the Arguments scope of the generator\'s frame', async () => {
      const dc = new AdapterClient();
      await dc.start();
      try {
        await dc.initializeRequest();
        await dc.open({ recording: gens, store });
        await dc.setBreakpointsRequest({ source: { path: path.join(dir, 'generators.mjs') }, breakpoints: [{ line: 22 }] });
        await dc.moveBy('reverseContinue');
        assert.equal((await dc.frames())[0]!.name, 'ticks');
        const vars = await dc.scope('Arguments');
        assert.deepEqual(vars.map((v) => `${v.name}=${v.value}`).sort(), ['every=2', "labels=[ 'x', 'y' ]", 'n=4']);
      } finally {
        await dc.stop();
      }
    });
  });
});
