// A function reports its exit at its returns, where its body ends and where an exception leaves it
// (with its Throw, which ends the frame), not from a `finally` (V8 looks `then` up on a value an
// async function returned through one, and a `finally` is bytecode V8 counts against its inlining
// budget); one whose `return` runs a `finally` of its own keeps reporting it from its `finally`,
// after that one's code.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { instrument, probeRuntime, type EventWriter } from '../../src/instrument/index.js';
import { EventKind, eventKindName } from '../../src/trace/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-async-exit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PROGRAM = `
const tick = () => new Promise((r) => setImmediate(r));
function cleanup() { return 1; }
function fail() { throw new Error('failed'); }
export async function early(n) {
  if (n > 0) return { n };
  await tick();
}
export async function throughFinally() {
  try {
    return await tick();
  } finally {
    cleanup();
  }
}
export async function throws() {
  await tick();
  fail();
}
export const arrow = async (n) => n + 1;
`;
const file = path.join(dir, 'program.mjs');
const out = instrument(PROGRAM, file, undefined, { sparse: true });
writeFileSync(file, out.code);

/** An instrumented function's code: from its declaration to the next line that starts one. */
const bodyOf = (name: string) => {
  const from = out.code.search(new RegExp(`(function ${name}\\(|const ${name} =)`));
  // up to the next function, or the module's registration (its site table), on its last line
  const next = out.code.slice(from + 1).search(/\n(export |const |function |import )/);
  return out.code.slice(from, next < 0 ? undefined : from + 1 + next);
};

/** Collects each event as `kind function`, its site's function named. */
class Events implements EventWriter {
  readonly list: string[] = [];
  #n = 0;
  constructor(private readonly base: number) {}
  get written(): number {
    return this.#n;
  }
  activate(): void {}
  write(kind: EventKind, site: number): void {
    this.#n++;
    const fn = out.sites[site - this.base]?.functionName;
    // tick's promise executor left out: the program's own functions
    if ((kind === EventKind.Enter || kind === EventKind.Exit || kind === EventKind.Throw) && fn !== '<anonymous>') this.list.push(`${eventKindName(kind)} ${fn}`);
  }
  time(): number {
    return performance.now();
  }
  waited(): boolean {
    return true;
  }
}

describe('a function reports its exit where it returns', () => {
  it('with no finally of its own: at each return, where its body ends, and in one probe with the throw where an exception leaves it', () => {
    for (const name of ['early', 'throws', 'arrow']) assert.doesNotMatch(bodyOf(name), /finally/, name);
    assert.equal(bodyOf('early').match(/__hs\w+_xr\(/g)?.length, 2, 'its return, and the end of its body');
    assert.match(bodyOf('early'), /__hs\w+_xr\(\d+, __hs_a\);\} catch \(__hs_e\) \{__hs\w+_ta\(\d+, __hs_a, __hs_p\);throw __hs_e;\}/);
    assert.match(bodyOf('arrow'), /return __hs\w+_xr\(\d+, __hs_a, n \+ 1\);\} catch/, 'an arrow with an expression body returns it');
  });

  it('so does a sync function', () => {
    for (const name of ['cleanup', 'fail']) assert.doesNotMatch(bodyOf(name), /finally/, name);
    assert.match(bodyOf('cleanup'), /return __hs\w+_xs\(\d+, __hs_a, 1\);\} catch \(__hs_e\) \{__hs\w+_ts\(\d+, __hs_a, __hs_p\);throw __hs_e;\}/);
    assert.match(bodyOf('fail'), /__hs\w+_xs\(\d+, __hs_a\);\} catch \(__hs_e\) \{__hs\w+_ts\(/, 'its body ends in its exit, after a throw that never gets there');
  });

  it('one whose return runs a finally of its own reports its exit from its finally', () => {
    assert.match(bodyOf('throughFinally'), /\} finally \{__hs\w+_xa\(/);
    assert.doesNotMatch(bodyOf('throughFinally'), /__hs\w+_xr\(/);
  });

  it("the events come in the order the code ran: a finally's calls before the exit, a throw ending its frame, a value returned unchanged", async () => {
    const runtime = probeRuntime();
    const mod = (await import(pathToFileURL(file).href)) as Record<string, (n?: number) => Promise<unknown>>;
    const base = runtime.sites.length - out.sites.length;
    const events = new Events(base);
    runtime.record(events);
    try {
      assert.deepEqual(await mod.early!(2), { n: 2 });
      assert.equal(await mod.early!(0), undefined);
      await mod.throughFinally!();
      await assert.rejects(mod.throws!(), /failed/);
      assert.equal(await mod.arrow!(1), 2);
    } finally {
      runtime.reset(undefined);
    }
    assert.deepEqual(events.list, [
      'enter early', 'exit early',
      'enter early', 'enter tick', 'exit tick', 'exit early',
      'enter throughFinally', 'enter tick', 'exit tick', 'enter cleanup', 'exit cleanup', 'exit throughFinally',
      // a frame an exception leaves ends with its Throw
      'enter throws', 'enter tick', 'exit tick', 'enter fail', 'throw fail', 'throw throws',
      'enter arrow', 'exit arrow',
    ]);
  });
});
