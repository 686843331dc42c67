/**
 * `node --import hindsight/register app.js`: records the process into a flight recorder ring.
 * The supervisor (`hindsight record`) sets the environment (config.ts); without one, the process
 * records into a spool folder beside the store and archives a crash itself (standalone.ts).
 *
 * ES modules are instrumented by the loader hooks (hooks.ts), CommonJS modules here, as they
 * compile. Each instrumented module registers its sites with the ProbeRuntime, whose events go
 * into the ring; the site tables are appended to a file as modules load, and an uncaught error
 * is written down before the process dies, so the supervisor has all it needs afterwards.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';
import Module, { register } from 'node:module';
import path from 'node:path';
import { instrument, probeRuntime, readInputMap, withInlineMap, type InstrumentOptions, type ProbeRuntime } from '../instrument/index.js';
import { configFromEnv, ENV, recorderInstrumentOptions, tracedFiles } from './config.js';
import { setInliningBudget } from './inlining.js';
import { ringBytes } from './ring-layout.js';
import { RingWriter } from './ring.js';
import { mapShared, stampLoopWaits, touchPages } from './shared-memory.js';
import { askThroughFile, snapshot } from './snapshot.js';
import { oncePerBurst, watchSlowRequests, watchSlowWork } from './slow-requests.js';
import { writeNote } from './note.js';
import { FILES, mapRing, PARTS } from './spool.js';
import { DEFAULT_VALUES_RING_BYTES, ValuesRingWriter } from './values-ring.js';
import { sourceMapWarning, untracedWarning } from './warnings.js';

export { snapshot };

/**
 * Demotion: a function that may be demoted (a tiny sync one: config.ts, recorderInstrumentOptions)
 * is looked at every HOT_PERIOD calls; when its own events (enter, exit and a statement each, at
 * least) were at least HOT_SHARE of all the events written over its last HOT_PERIOD calls, it is
 * demoted.
 */
const HOT_PERIOD = 8192;
const HOT_SHARE = 0.1;

// the store is loaded only without a supervisor: a supervised program carries none of it
const standalone = process.env[ENV.dir] ? undefined : await import('./standalone.js');
const spool = standalone?.spoolFor(process.env, process.cwd(), process.pid);
// no spool where no file system has room for the ring (spoolFor said so): the program runs unrecorded
const config = configFromEnv(process.env, process.cwd(), () => spool?.dir ?? '');
const folder = config !== undefined ? claim(config.dir) : undefined;
const recording = folder !== undefined;
if (folder !== undefined) start({ ...config!, dir: folder }, folder === config!.dir, spool?.ring);
if (recording && standalone && spool) {
  const { dir, store } = spool;
  let errored = false;
  process.on('uncaughtExceptionMonitor', () => (errored = true));
  process.on('exit', (code) => {
    const r = standalone.archiveAtExit(dir, store, code, errored);
    if (r) process.stderr.write(`hindsight: ${r.reason}${r.error ? ` (${r.error.name}: ${r.error.message})` : ''}; recording ${r.id} archived; debug it backwards with: hindsight debug ${r.id}\n`);
  });
}

/** Records this thread into `config.dir`; the main recorder (not a worker's or child's) also sets the snapshot triggers. */
function start(config: NonNullable<ReturnType<typeof configFromEnv>>, main: boolean, reserved?: ArrayBuffer): void {
  if (isMainThread) setInliningBudget(config.inliningBudget); // V8's flags are the process's: once
  const file = path.join(config.dir, FILES.ring);
  const bytes = ringBytes(main ? config.ringBytes : config.workerRingBytes);
  // the main ring's room was reserved with its folder (supervisor.ts; standalone.ts, which maps it
  // for this process); a worker's or child's that the file system has no room for leaves that part
  // unrecorded, not the program down
  const memory = main ? (reserved ?? mapShared(file, bytes)) : mapRing(file, bytes);
  if (memory === undefined) return void process.stderr.write(`hindsight: no room for the ${Math.round(bytes / 2 ** 20)} MiB ring of ${isMainThread ? `process ${process.pid}` : `worker thread ${threadId}`} in ${config.dir}: it runs untraced (a smaller --worker-ring fits more)\n`);
  touchPages(memory);
  const ring = new RingWriter(memory, process.pid);
  stampLoopWaits(memory);
  const runtime = probeRuntime(ring);
  const modules = path.join(config.dir, FILES.modules);
  runtime.onModule = (base, sites) => void writeNote(modules, `${JSON.stringify({ base, sites })}\n`);
  if (config.demote) demoter(runtime, ring, path.join(config.dir, FILES.demoted));
  if (config.captureArgs.length > 0) {
    const values = new ValuesRingWriter(mapShared(path.join(config.dir, FILES.values), DEFAULT_VALUES_RING_BYTES));
    runtime.captureArgs((event, _site, args) => values.write(event, args));
  }

  // the instrumented modules carry source maps (withInlineMap): with Node's source maps on, stacks
  // and the line Node prints when the program dies show the user's source rather than the probes.
  // Asked for, not by default: it changes what the program's own stacks say, and Node decodes
  // each module's map as it loads (start-up) and maps each stack formatted (docs/recording.md).
  if (config.sourceMaps) process.setSourceMapsEnabled(true);
  const warnings = path.join(config.dir, FILES.warnings);
  register('./hooks.js', { parentURL: import.meta.url, data: { include: config.include, exclude: config.exclude, cwd: config.cwd, transformCache: config.transformCache, captureArgs: config.captureArgs, warnings } });
  instrumentCommonJs(tracedFiles(config), untracedWarning(warnings), sourceMapWarning(warnings), recorderInstrumentOptions(config, warnings));
  if (main) snapshotsAsked();
  else askThroughFile(path.join(config.dir, FILES.snapshots));
  // where the work is: a launcher's program (npm start) and a cluster's workers are parts
  triggers(config, runtime);
  // a child process of the program: its supervisor tells a clean exit from a death by this
  if (!main && isMainThread) process.on('exit', (code) => writeNote(path.join(config.dir, FILES.exit), JSON.stringify({ code }), 'whole'));

  if (isMainThread) reportFatalErrors(config.dir);
  process.on('uncaughtExceptionMonitor', (err, origin) => {
    const e = err instanceof Error ? { name: err.name, message: err.message, stack: err.stack, origin } : { name: 'thrown value', message: String(err), origin };
    writeNote(path.join(config.dir, FILES.error), JSON.stringify(e), 'whole');
  });
}

/**
 * The heap out of memory, or another fatal V8 error, kills the process with no JavaScript run (no
 * uncaught exception to write down): Node's diagnostic report, written into the recording's folder
 * then, says what it was (ending-error.ts). A program that asked for reports itself keeps its own.
 */
function reportFatalErrors(dir: string): void {
  if (process.report.reportOnFatalError) return;
  process.report.reportOnFatalError = true;
  process.report.directory = dir;
  process.report.filename = FILES.fatalReport;
}

/**
 * One ring, one writer: the first thread of the first process to load this file claims the folder.
 * Worker threads and processes the program starts (cluster workers) inherit the --import and
 * record into rings of their own, in folders under it (PARTS), archived with the main one.
 */
function claim(dir: string): string | undefined {
  // a supervisor's folder is its own to make: gone, the recording is over (ENV.supervisor)
  if (!process.env[ENV.supervisor] && !attempt(() => mkdirSync(dir, { recursive: true }))) return undefined;
  if (!isMainThread) return own(dir, PARTS.threads, String(threadId));
  return own(dir) ?? own(dir, PARTS.processes, String(process.pid));
}

/**
 * The folder `parts` under `dir`, made one by one (never `dir` itself), if no one writes there yet;
 * undefined when someone does, or when `dir` is gone.
 */
function own(dir: string, ...parts: string[]): string | undefined {
  let folder = dir;
  for (const part of parts) {
    folder = path.join(folder, part);
    const inside = folder;
    if (!attempt(() => mkdirSync(inside)) && !existsSync(inside)) return undefined;
  }
  return attempt(() => writeFileSync(path.join(folder, FILES.owner), JSON.stringify({ command: ownCommand() }), { flag: 'wx' })) ? folder : undefined;
}

/** This process's command as a user would type it: `node dist/server.js --port 3000` (a child process's part is named by it). */
function ownCommand(): string[] {
  const [script, ...rest] = process.argv.slice(1);
  const relative = script && path.relative(process.cwd(), script);
  return [path.basename(process.argv0), ...(script ? [relative && !relative.startsWith('..') ? relative : script] : []), ...rest];
}

/** Whether `act` ran without throwing: a folder or file the recorder could not make leaves the program unrecorded, not down. */
function attempt(act: () => void): boolean {
  try {
    act();
    return true;
  } catch {
    return false;
  }
}

/** CommonJS modules are instrumented where Node compiles them. */
function instrumentCommonJs(traced: (file: string) => boolean, warn: (file: string, err: unknown) => void, warnMap: (file: string, why: string, missing: boolean) => void, options: InstrumentOptions): void {
  const proto = Module.prototype as unknown as { _compile(content: string, filename: string): unknown };
  const compile = proto._compile;
  proto._compile = function (this: unknown, content: string, filename: string) {
    if (!traced(filename)) return compile.call(this, content, filename);
    let code = content;
    try {
      code = withInlineMap(instrument(content, filename, readInputMap(filename, content, (why, missing) => warnMap(filename, why, missing)), { ...options, sourceType: 'script' }), filename);
    } catch (err) {
      warn(filename, err); // code the instrumenter cannot parse runs untraced rather than not at all
    }
    return compile.call(this, code, filename);
  };
}

/**
 * Overhead control without hand tuning: a tiny sync function (its site `demotable`) called so
 * often that its own events are a tenth or more of everything recorded costs more to trace than
 * its trace is worth (its calls tell little, and they would push the rest out of the ring), so it
 * is demoted: from there on it runs its untraced copy, which the recording says (where, from which
 * event). A tiny function that is called often but is not a large part of the trace stays.
 */
function demoter(runtime: ProbeRuntime, ring: RingWriter, file: string): void {
  /** Per function site: the events written when it was last looked at. */
  const seen = new Map<number, number>();
  runtime.watchHot(HOT_PERIOD, (site, calls) => {
    const s = runtime.sites[site]!; // demotable: only such a function is watched (watchHot)
    const written = ring.written;
    const before = seen.get(site);
    seen.set(site, written);
    if (before === undefined) return;
    const own = HOT_PERIOD * (2 + (s.statements ?? 0));
    if (own < HOT_SHARE * ((written - before) >>> 0)) return;
    if (runtime.demote(site)) writeNote(file, `${JSON.stringify({ site, functionName: s.functionName, file: s.file, line: s.line, calls, fromEvent: written })}\n`);
  });
}

/** The main recorder's: snapshots asked of the program itself (SIGUSR2, over the channel to the supervisor). */
function snapshotsAsked(): void {
  // the channel to the supervisor must not keep a program alive that would otherwise end
  (process.channel as { unref?: () => void } | undefined)?.unref?.();
  process.on('SIGUSR2', () => snapshot('SIGUSR2'));
}

/**
 * Slow work (an HTTP request, an async unit of work) or an error logged, when asked: a snapshot
 * while the program goes on, asked by whichever process or thread did the work.
 */
function triggers(config: NonNullable<ReturnType<typeof configFromEnv>>, runtime: ProbeRuntime): void {
  if (config.slowMs > 0) {
    const slow = oncePerBurst(snapshot);
    watchSlowRequests(config.slowMs, slow);
    watchSlowWork(runtime, config.slowMs, slow);
  }
  if (!config.onErrorLog) return;
  const error = console.error.bind(console);
  let last = 0;
  console.error = (...args: unknown[]) => {
    error(...args);
    if (Date.now() - last < 10_000) return; // a burst of errors is one snapshot
    last = Date.now();
    snapshot(`error logged: ${String(args[0] instanceof Error ? args[0].message : args[0]).split('\n')[0]}`);
  };
}
