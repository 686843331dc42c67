/**
 * Generators under the flight recorder, on a real program (fixtures/generators.ts) run in a
 * child process: sync generators consumed by spread, for-of, an early break, next() by hand, a
 * throw() into one, one that throws, yield* (to a generator, to an array, a return() forwarded);
 * an async generator consumed by `for await`, once to the end, once left by a return, and once
 * through an async generator that delegates to it.
 *
 * The model: calling a generator is an Enter and a Suspend of a new activation (its body does not
 * run yet); each run of its body, from next() to the next yield, return or throw, is a frame
 * whose parent is the frame that called next(), starting with a Resume and ending with a Suspend
 * (or Exit, Throw); awaits inside an async generator's run are Suspend and Resume inside it.
 * While a generator delegates (yield*), each step of the inner iterator is a run of the outer
 * generator at its yield*, a Resume and a Suspend there around the inner generator's run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { requests } from '../../src/analysis/index.js';
import { backtraceAt } from '../../src/timetravel/index.js';
import { EventKind, eventKindName, type Execution } from '../../src/trace/index.js';
import { enterCounts, MODULE as V8_MODULE, recordAndDecode, v8Functions } from './oracle-helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCRIPT = path.join(here, 'fixtures', 'generators.js');
const dir = mkdtempSync(path.join(tmpdir(), 'hindsight-generators-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let ex: Execution;
before(() => {
  ex = recordAndDecode(SCRIPT, path.join(dir, 'store.db'), dir, [path.join(here, 'fixtures', 'generators.*')]);
});

const nameOf = (f: number): string => ex.sites.get(ex.frameSite(f))?.functionName ?? '?';
/** The module's body, a frame of its own: it calls main. */
const MODULE = '<module generators.ts>';
/** The stack at event i as function names, innermost first, the module's body left out: `range < spread < main`. */
const stackAt = (i: number): string => {
  const names = ex.stackAt(i).map(nameOf);
  assert.equal(names.at(-1), MODULE, 'the module body is the first frame, the caller of main');
  return names.slice(0, -1).join(' < ');
};
/** The events of each activation of the function `name`, as kind names, one list per activation in call order. */
function activationsOf(name: string): string[][] {
  const byActivation = new Map<number, string[]>();
  for (let i = 0; i < ex.length; i++) {
    const site = ex.siteOf(i)!;
    if (site.kind !== 'function' || site.functionName !== name) continue;
    const a = ex.event(i).activation;
    if (ex.kinds[i] === EventKind.Enter) byActivation.set(a, []);
    byActivation.get(a)?.push(eventKindName(ex.kinds[i]!));
  }
  return [...byActivation.values()];
}
/** The line of the fixture (a site's file) that `text` is on first. */
const lineOf = (file: string, text: string): number => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;
/** The events the frames of the function `name` ran themselves, as `kind site-kind line` (the lines of `marks` by their names, others by how far below the function's). */
function runEventsOf(name: string, marks: Record<string, string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < ex.length; i++) {
    if (nameOf(ex.frames[i]!) !== name) continue;
    const site = ex.siteOf(i)!;
    const below = `+${site.line - ex.sites.get(ex.frameSite(ex.frames[i]!))!.line}`;
    const mark = Object.entries(marks).find(([, text]) => lineOf(site.file, text) === site.line)?.[0] ?? below;
    out.push(`${eventKindName(ex.kinds[i]!)} ${site.kind} ${mark}`);
  }
  return out;
}
/** The distinct stacks at the yields of the function `name`. */
function stacksAtYields(name: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i < ex.length; i++) {
    const site = ex.siteOf(i)!;
    if (ex.kinds[i] === EventKind.Suspend && site.kind === 'yield' && site.functionName === name) out.add(stackAt(i));
  }
  return [...out];
}

describe('generators in a recording', () => {
  it('each function is called as often as V8 counted: a generator once per call, however often its body runs, even never', () => {
    const v8 = v8Functions(SCRIPT, path.join(dir, 'coverage'), (file) => file === SCRIPT).filter((f) => f.name !== '' && f.name !== V8_MODULE);
    const recorded = enterCounts(ex, (s) => s.functionName);
    const differ = v8.filter((f) => recorded.get(f.name) !== f.count).map((f) => `${f.name}: V8 ${f.count}, recorded ${recorded.get(f.name)}`);
    assert.deepEqual(differ, []);
    assert.equal(recorded.get('range'), 5, 'range: spread, early, yield*, consume, and one never started');
    assert.equal(recorded.get('ticks'), 3, 'ticks: asyncLoop, relay (yield*), firstOver');
    assert.equal(recorded.get(MODULE), 1, 'the module body, once, as V8 counts it');
    for (const name of ['range', 'guarded', 'failing', 'outer', 'shielded', 'listed', 'ticks', 'relay', 'spread', 'early', 'throwInto', 'failingLoop', 'stopEarly', 'asyncLoop', 'relayLoop', 'firstOver', 'consume', 'square', 'main']) {
      assert.ok(v8.some((f) => f.name === name && f.count > 0), `V8 saw ${name} called`);
    }
  });

  it('at a yield, the stack is the generator under the caller of next(), whoever that is', () => {
    assert.deepEqual(stacksAtYields('range').sort(), ['range < consume < main', 'range < early < main', 'range < outer < main', 'range < spread < main'], 'under yield*, below the outer generator');
    assert.deepEqual(stacksAtYields('guarded').sort(), ['guarded < shielded < stopEarly < main', 'guarded < throwInto < main']);
    assert.deepEqual(stacksAtYields('failing'), ['failing < failingLoop < main']);
    assert.deepEqual(stacksAtYields('outer'), ['outer < main'], 'its own yield, and its yield* after each step of range');
    assert.deepEqual(stacksAtYields('listed'), ['listed < main']);
    assert.deepEqual(stacksAtYields('ticks').sort(), ['ticks < asyncLoop < main', 'ticks < firstOver < main', 'ticks < relay < relayLoop < main'], 'an async generator, also after its awaits');
    assert.deepEqual(stacksAtYields('relay'), ['relay < relayLoop < main']);
  });

  it('a call is an Enter and a Suspend; each next() resumes it; return() and throw() resume it at its yield', () => {
    const range = activationsOf('range');
    assert.deepEqual(range[0], ['enter', 'suspend', 'resume', 'exit'], 'spread: ran to its return (its yields are not function-site events)');
    assert.deepEqual(range[1], ['enter', 'suspend', 'resume', 'exit'], 'early: the break returned it');
    assert.deepEqual(range.at(-1), ['enter', 'suspend'], 'created, never started');
    assert.deepEqual(activationsOf('failing'), [['enter', 'suspend', 'resume', 'throw']]);
    assert.deepEqual(activationsOf('guarded'), [['enter', 'suspend', 'resume', 'exit'], ['enter', 'suspend', 'resume', 'exit']], 'the second ended by the return() that yield* forwarded');
    assert.deepEqual(activationsOf('shielded'), [['enter', 'suspend', 'resume', 'exit']]);
  });

  it('each run of a generator is a frame of its own, from its Resume to its Suspend, called by the frame that called next()', () => {
    let runs = 0;
    const eventLoopRuns: string[] = [];
    for (let f = 0; f < ex.frameCount; f++) {
      const enter = ex.frameEnter(f);
      if (ex.frameSynthetic(f) || ex.kinds[enter] !== EventKind.Resume) continue;
      runs++;
      const exit = ex.frameExit(f);
      assert.ok(exit > enter, `run frame ${f} of ${nameOf(f)} ends`);
      assert.ok([EventKind.Suspend, EventKind.Exit, EventKind.Throw].includes(ex.kinds[exit] as 4 | 1 | 2), `it ends at a yield, a return or a throw`);
      assert.ok(ex.sites.get(ex.frameSite(f))!.generator, `its site is the generator's function site (${nameOf(f)})`);
      const parent = ex.frameParent(f);
      if (parent === -1) {
        eventLoopRuns.push(nameOf(f));
        continue;
      }
      assert.notEqual(ex.frameActivation(parent), ex.frameActivation(f), 'the caller runs in an activation of its own');
      assert.equal(ex.frames[ex.frameCall(f)], parent, 'the call is the caller event just before');
    }
    // range: spread 4 (3 yields, the return), early 4 (3 yields, the break's return()), yield* 3, consume 1;
    // guarded 3 (2 yields, the throw()), then 2 under shielded (a yield, the return() it forwarded); shielded 2 (to the
    // first step of its yield*, the return()); failing 2; outer 4 (its yield, the first step of its yield*, then a run per
    // step: the last one goes on to the return); listed 3 (two values, then done); ticks 4, 3 under relay, 3 (2 yields,
    // the return()); relay 4 (a run per step, the last one ending at the await of the step, then what follows the yield*);
    // pages 3 (2 yields, the return() of a loop left by a throw)
    assert.equal(runs, 12 + 3 + 2 + 2 + 2 + 4 + 3 + 10 + 4 + 3);
    // the event loop runs some (the run of ticks that return() resumed after the language's own await, relay after its
    // yield*, which awaited the last step), for a caller still waiting for them
    assert.deepEqual(eventLoopRuns, [], 'every run has a caller');
  });

  it('the events after a yield are the caller’s again, in the frame that called next()', () => {
    for (let i = 0; i + 1 < ex.length; i++) {
      const site = ex.siteOf(i)!;
      if (ex.kinds[i] !== EventKind.Suspend || site.kind !== 'yield' || site.functionName === 'ticks' || site.functionName === 'outer') continue;
      // sync generators: the next event is the caller's (or another next() of a spread, resuming it)
      const caller = ex.frameParent(ex.frames[i]!);
      const next = i + 1;
      const resumedAgain = ex.kinds[next] === EventKind.Resume && ex.event(next).activation === ex.event(i).activation;
      assert.ok(resumedAgain || ex.frames[next] === caller || ex.frameParent(ex.frames[next]!) === caller, `after the yield at event ${i} (${stackAt(i)}): ${stackAt(next)}`);
    }
  });

  it('for await: the loop suspends at each iteration’s await and resumes in its body, or after the loop when done', () => {
    const loop = [...Array(ex.length).keys()].filter((i) => ex.siteOf(i)!.kind === 'await' && ex.siteOf(i)!.functionName === 'asyncLoop' && ex.siteOf(i)!.loop);
    const kinds = loop.map((i) => eventKindName(ex.kinds[i]!));
    assert.deepEqual(kinds, ['suspend', 'resume', 'suspend', 'resume', 'suspend', 'resume', 'suspend', 'resume'], 'three values, then done');
    for (const i of loop) assert.equal(stackAt(i), 'asyncLoop < main');
  });

  it('for await left by a return: the await of the iterator’s return() is a Suspend and a Resume too, and the generator returns', () => {
    const loop = [...Array(ex.length).keys()].filter((i) => ex.siteOf(i)!.kind === 'await' && ex.siteOf(i)!.functionName === 'firstOver' && ex.siteOf(i)!.loop);
    assert.deepEqual(loop.map((i) => eventKindName(ex.kinds[i]!)), ['suspend', 'resume', 'suspend', 'resume', 'suspend', 'resume'], 'two values, then return()');
    assert.deepEqual(activationsOf('ticks').at(-1), ['enter', 'suspend', 'resume', 'exit'], 'return() ended the generator at its yield');
  });

  it('for await left by a throw: the generator’s finally, which the event loop runs after the language’s own await, is a run called by the loop’s function, part of its request', () => {
    const runs = [...Array(ex.frameCount).keys()].filter((f) => nameOf(f) === 'pages');
    const closing = runs.at(-1)!;
    assert.ok(ex.frames.some((f, i) => f === closing && ex.siteOf(i)!.kind === 'await'), 'the last run is the finally, which awaits');
    assert.equal(nameOf(ex.frameParent(closing)), 'stopOnError');
    assert.equal(ex.frameCallerLost(closing), false);
    // main outlives the module's body, which does not await it
    assert.deepEqual(requests(ex, { startUp: true }).map((r) => r.entry), [MODULE, 'main'], 'no run of a generator is a request of its own');
  });

  it('yield*: inside the inner generator, the stack is the inner one, the outer one at its yield* line, then the caller of next()', () => {
    const delegations = [
      ['range', 'outer', 'main', 'yield* range(2)'],
      ['guarded', 'shielded', 'stopEarly', 'yield* guarded()'],
      ['ticks', 'relay', 'relayLoop', 'yield* ticks(n)'],
    ] as const;
    for (const [inner, outer, caller, text] of delegations) {
      const kinds = new Set<string>();
      for (let i = 0; i < ex.length; i++) {
        const bt = backtraceAt(ex, i);
        if (bt.length < 3 || nameOf(bt[0]!.frame) !== inner || nameOf(bt[1]!.frame) !== outer) continue;
        kinds.add(eventKindName(ex.kinds[i]!));
        const at = ex.siteOf(bt[1]!.index)!;
        assert.equal(at.line, lineOf(at.file, text), `${outer} stands at its yield* while ${inner} runs (event ${i})`);
        assert.equal(nameOf(bt[2]!.frame), caller, `${caller} called next() on ${outer}`);
      }
      for (const kind of ['resume', 'statement', 'suspend', 'exit']) assert.ok(kinds.has(kind), `${inner} ran under ${outer}, from its start to its end (${kind})`);
    }
  });

  it('yield*: each step is a run of the outer generator, a Resume and a Suspend at its yield*; after the last step it goes on', () => {
    // to an array: the steps run no traced code; after the last one (done) the generator goes on in the same run
    assert.deepEqual(runEventsOf('listed', { F: 'function* listed', Y: 'yield* [1, 2]', R: 'return square(3)' }), [
      ...['enter function F', 'suspend function F', 'resume function F', 'statement statement Y'],
      ...['suspend yield Y', 'resume yield Y', 'suspend yield Y', 'resume yield Y'],
      ...['statement statement R', 'exit function F'],
    ]);
    // a return() forwarded to guarded, which is done at once: shielded goes on to its finally in that run
    assert.deepEqual(runEventsOf('shielded', { F: 'function* shielded', Y: 'yield* guarded()', S: 'square(2)' }), [
      ...['enter function F', 'suspend function F', 'resume function F', 'statement statement +1', 'statement statement Y'],
      ...['suspend yield Y', 'resume yield Y', 'statement statement S', 'exit function F'],
    ]);
    // an async generator awaits each step: it suspends after each, and the event loop runs what follows the yield*
    // (a return of a value awaits it, too), for relayLoop, which awaits the value of its next()
    assert.deepEqual(runEventsOf('relay', { F: 'async function* relay', Y: 'yield* ticks(n)', R: 'return last' }), [
      ...['enter function F', 'suspend function F', 'resume function F', 'statement statement Y'],
      ...['suspend yield Y', 'resume yield Y', 'suspend yield Y', 'resume yield Y', 'suspend yield Y'],
      ...['resume yield Y', 'statement statement R', 'suspend await R', 'resume await R', 'exit function F'],
    ]);
    const relayRuns = [...Array(ex.frameCount).keys()].filter((f) => nameOf(f) === 'relay' && ex.kinds[ex.frameEnter(f)] === EventKind.Resume);
    assert.deepEqual(relayRuns.map((f) => (ex.frameParent(f) === -1 ? 'event loop' : nameOf(ex.frameParent(f)))), ['relayLoop', 'relayLoop', 'relayLoop', 'relayLoop']);
  });
});
