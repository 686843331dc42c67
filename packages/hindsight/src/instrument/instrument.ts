import { createHash, randomBytes } from 'node:crypto';
import type { PluginObj } from '@babel/core';
import { TraceMap, type SourceMapInput } from '@jridgewell/trace-mapping';
import { HindsightError } from '../common/index.js';
import type { Site } from '../trace/index.js';
import { syntaxOf, withoutProbeNames } from './output-map.js';
import { loadBabel } from './babel.js';
import { INSTANCE } from './probe-calls.js';
import type { TransformStore } from './store.js';
import { Transform } from './transform.js';
import { codeVisitor } from './visit-code.js';
import { branchVisitor } from './visit-branches.js';
import { suspensionVisitor } from './visit-suspensions.js';

/** A transformed module: its code, a source map to the original TypeScript, and its sites (ids 0..n-1, local to the module). */
export interface Instrumented {
  readonly code: string;
  /** Maps the instrumented code to the original sources (the input map composed in). */
  readonly map: object | null;
  readonly sites: readonly Site[];
}

export interface InstrumentOptions {
  /**
   * Also emit value points: after each statement probe and at function entry, a call that, when the
   * runtime asks for it, hands over a closure that evaluates expressions in that scope (direct eval).
   * The closure is made only at the points asked for; the cost is that V8 keeps the instrumented
   * functions' variables in contexts, so this variant is for re-execution, not for recording.
   */
  readonly values?: boolean;
  /** 'module' (default) for ES modules; 'script' for CommonJS. */
  readonly sourceType?: 'module' | 'script';
  /**
   * The flight recorder's variant: a statement that calls nothing it can see (no call, `new`,
   * tagged template, `await`, `yield`, assignment to a property; not a compound statement) and
   * follows a simple statement, or opens a function body or a branch's block, reports nothing
   * itself: the site of the probe before it lists it (`run`), and the decoder puts its Statement
   * event back where the next event of its frame is. So does one that calls or awaits (not
   * yields) where nothing before it in the run could have entered traced code: the decoder puts
   * the run back up to it before its callee's entry or at its await's Suspend (see
   * statements.ts, startsWith). It only sets a local (`__hs_p`) that a throw or catch reports, so
   * a throw is placed on the statement it came from. Same sites and same decoded events as the
   * dense variant, for a fraction of the probes.
   */
  readonly sparse?: boolean;
  /**
   * The flight recorder's: a module's body (its top-level code) is a frame of its own, as in V8's
   * stacks: an Enter at a function site named `<module file.js>` as it starts, its statements,
   * branches and top-level awaits (then it is an async activation), and an Exit when it ends or a
   * Throw when an error leaves it. Replay leaves it out: a workflow module's body runs at import,
   * outside any run, and the runs' events stay as they were.
   */
  readonly modules?: boolean;
  /** Transforms kept between processes: looked up before instrumenting, given what was instrumented (not part of the key). */
  readonly store?: TransformStore;
  /**
   * The flight recorder's `--capture-args`: the functions (by name, `patterns` as given, `matches`
   * deciding) whose calls hand their parameters' values to the runtime at entry (`ena`, `eaa`);
   * their sites list the parameter names (`params`). A generator hands them over at its call
   * (`ega`, after its defaults), or, where its call is seen only as its body first runs, there (`gsa`).
   */
  readonly captureArgs?: { readonly patterns: readonly string[]; readonly matches: (functionName: string) => boolean };
  /**
   * The flight recorder's overhead control: a sync function of at most this many statements (not a
   * generator, a constructor or one whose arguments are captured, and declaring no function or
   * class in its body) carries an untraced copy of its code after its traced code, `if (__hs<id>.d[F]
   * === 0) { …traced; return; } …copy`, and runs the copy once the runtime demotes it: a hot, tiny
   * function then costs one check, not its probes. Its site says so (`demotable`), and it enters
   * by `et`, which counts its calls.
   */
  readonly demotable?: number;
  /**
   * The id that names the module instance's probes in the code (ProbeRuntime.install): `new`
   * (default) gives each call one of its own (instanceId), for code that Node is about to load as
   * a module; `content` gives the same input the same one, for replay, which writes one copy of a
   * module's code per content and imports it once per process.
   */
  readonly instance?: 'new' | 'content';
}

const cache = new Map<string, Instrumented>();

/**
 * Transforms compiled workflow JavaScript (an ES module) so that it reports its sites to the replay
 * runtime: function enter, exit and throw (the body wrapped in try/catch/finally), every statement,
 * every `await` (suspend before, resume after; also the one of a `return` in an async generator),
 * every `yield` (the same; a `yield*` at each step of its delegation), each iteration's await
 * of `for await`, and branch decisions (if/else, ?:, && and ||, loop conditions, switch cases).
 * A generator's call reports its entry (an extra parameter with a default runs at the call) and
 * its body each run, from `next()` to the next `yield` (see GeneratorState). Sites carry the file,
 * line, column and function name of the original TypeScript when `inputMap` (the compiler's
 * source map) is given. With `modules` (the flight recorder's), the module's body too, as a frame
 * of its own (see ModuleFrame).
 * Results are cached by content hash (in memory, and in `options.store` when given): instrumenting
 * the same input twice is free. The code names its module instance's probes (globals:
 * ProbeRuntime.install) by an id that options.instance chooses.
 */
export function instrument(code: string, file: string, inputMap?: object, options: InstrumentOptions = {}): Instrumented {
  const values = options.values === true;
  const sparse = !values && options.sparse === true;
  const modules = !values && options.modules === true;
  const key = createHash('sha256')
    .update(values ? 'values\0' : sparse ? 'sparse\0' : 'trace\0')
    .update(modules ? 'modules\0' : '')
    .update(options.sourceType ?? 'module')
    .update(file)
    .update('\0')
    .update(code)
    .update('\0')
    .update(inputMap ? JSON.stringify(inputMap) : '')
    .update(options.captureArgs?.patterns.length ? `\0args\0${options.captureArgs.patterns.join('\0')}` : '')
    .update(options.demotable ? `\0demotable\0${options.demotable}` : '')
    .digest('hex');
  const id = options.instance === 'content' ? base36(key.slice(0, 16), INSTANCE.length) : instanceId();
  const hit = cache.get(key) ?? options.store?.get(key);
  if (hit) {
    cache.set(key, hit);
    return instance(hit, id);
  }
  const { transformSync } = loadBabel();
  const trace = inputMap ? new TraceMap(inputMap as SourceMapInput, file) : undefined;
  const sites: Site[] = [];
  let result;
  try {
    result = transformSync(code, {
      filename: file,
      sourceType: options.sourceType ?? 'module',
      // CommonJS may return from the top level (its code runs inside a function)
      parserOpts: { allowReturnOutsideFunction: options.sourceType === 'script', plugins: syntaxOf(file) },
      configFile: false,
      babelrc: false,
      sourceMaps: true,
      // the code keeps its line numbers: stack traces of a recorded process name the lines users wrote
      retainLines: true,
      // as printed for any module: Babel prints one of more than 500 KB compactly, and says so on stderr, the recorded program's
      compact: false,
      ...(inputMap ? { inputSourceMap: inputMap as never } : {}),
      plugins: [plugin(new Transform(sites, file, trace, values, sparse, modules, options))],
    });
  } catch (err) {
    throw new HindsightError('HS_E_INSTRUMENT', `cannot instrument ${file}: ${(err as Error).message}; pass compiled JavaScript (ES2022 or older syntax)`, { cause: err });
  }
  const out: Instrumented = { code: result?.code ?? code, map: result?.map ? withoutProbeNames(result.map) : null, sites };
  cache.set(key, out);
  options.store?.set(key, out);
  return instance(out, id);
}

/** The module's code for the instance `id`: the placeholder INSTANCE replaced. */
function instance(out: Instrumented, id: string): Instrumented {
  return { ...out, code: out.code.replaceAll(INSTANCE, id) };
}

/** `digits` letters and digits made from the hexadecimal `hex`. */
const base36 = (hex: string, digits: number): string => BigInt(`0x${hex}`).toString(36).padStart(digits, '0').slice(-digits);

/**
 * This thread's prefix of the ids it gives (random: an ES module's code is made on the loader
 * thread, a CommonJS module's compiled by a require hook on the program's, and both run in its
 * realm), then a count. As long as INSTANCE, in letters and digits, so that it makes identifiers.
 */
let prefix = '';
let given = 0;
const COUNT_DIGITS = 4;

function instanceId(): string {
  if (given % 36 ** COUNT_DIGITS === 0) prefix = base36(randomBytes(8).toString('hex'), INSTANCE.length - COUNT_DIGITS);
  return prefix + (given++ % 36 ** COUNT_DIGITS).toString(36).padStart(COUNT_DIGITS, '0');
}

/** The transform of one module: its visitors share the Transform's state. */
function plugin(x: Transform): () => PluginObj {
  return () => ({ visitor: { ...codeVisitor(x), ...branchVisitor(x), ...suspensionVisitor(x) } });
}
