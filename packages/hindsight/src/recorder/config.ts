import { createRequire } from 'node:module';
import path from 'node:path';
import type picomatchType from 'picomatch';
import type { InstrumentOptions } from '../instrument/index.js';
import type { InliningBudget } from './inlining.js';
import { defaultTransformCacheDir, transformCacheIn } from './transform-cache.js';

const picomatch = privateCopy<typeof picomatchType>('picomatch');

/**
 * A package the recorder uses in the recorded process, kept out of the module cache: the
 * application's own `require('picomatch')` then loads (and traces) its own copy, instead of
 * silently sharing the recorder's untraced one.
 */
function privateCopy<T>(name: string): T {
  const require = createRequire(import.meta.url);
  const before = new Set(Object.keys(require.cache));
  const loaded = require(name) as T;
  for (const key of Object.keys(require.cache)) if (!before.has(key)) delete require.cache[key];
  return loaded;
}

/**
 * What the recorded process reads from its environment (the supervisor sets it; `--import
 * hindsight/register` users may too). Shared by the main thread and the loader hooks' thread.
 */
export interface RecorderConfig {
  /** Where the ring, the site tables and the crash report are written. */
  readonly dir: string;
  readonly ringBytes: number;
  /** The ring of each worker thread and child process of the program (default: ringBytes). */
  readonly workerRingBytes: number;
  /** Globs of files to trace (default: the application's own files under the working folder, not node_modules). */
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly cwd: string;
  /** Snapshot when the program logs an error (console.error). */
  readonly onErrorLog: boolean;
  /** Snapshot when an HTTP request or an async unit of work takes longer than this, ms (0: never). */
  readonly slowMs: number;
  /** Stop tracing very hot, tiny functions (default on). */
  readonly demote: boolean;
  /** Turn on Node's source maps in the program, so its stacks name the user's source, not the probes (default off: it costs CPU). */
  readonly sourceMaps: boolean;
  /** Where instrumented modules are kept between runs (see TransformCache), or undefined: instrumented at each start. */
  readonly transformCache: string | undefined;
  /** Functions (names or globs of names) whose calls' arguments are captured. */
  readonly captureArgs: readonly string[];
  /** V8's inlining budget in the recorded process (see inlining.ts): raised once it serves, by default. */
  readonly inliningBudget: InliningBudget;
}

export const ENV = {
  dir: 'HINDSIGHT_RECORDING_DIR',
  /**
   * Set by `hindsight record` (its pid): the recording's folder is the supervisor's to make and
   * remove. A process of the program that finds it gone outlived the recording (a detached child)
   * and runs untraced, rather than make it again for no one to read.
   */
  supervisor: 'HINDSIGHT_SUPERVISOR',
  ringBytes: 'HINDSIGHT_RING_BYTES',
  workerRingBytes: 'HINDSIGHT_WORKER_RING_BYTES',
  include: 'HINDSIGHT_INCLUDE',
  exclude: 'HINDSIGHT_EXCLUDE',
  onErrorLog: 'HINDSIGHT_ON_ERROR_LOG',
  slowMs: 'HINDSIGHT_SLOW_MS',
  /** Standalone: archive at a normal exit too. */
  always: 'HINDSIGHT_ALWAYS',
  demote: 'HINDSIGHT_DEMOTE',
  sourceMaps: 'HINDSIGHT_SOURCE_MAPS',
  /** A folder, `off`, or unset for the default (defaultTransformCacheDir). */
  transformCache: 'HINDSIGHT_TRANSFORM_CACHE',
  captureArgs: 'HINDSIGHT_CAPTURE_ARGS',
  /** Bytes from the start; 0: V8's own budget; unset: raised once the program serves. */
  inliningBudget: 'HINDSIGHT_INLINING_BUDGET',
  /** The memory file system rings are kept in (spool.ts, memoryFolder); unset: /dev/shm. */
  memoryDir: 'HINDSIGHT_MEMORY_DIR',
} as const;

export const DEFAULT_RING_BYTES = 64 * 1024 * 1024;

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);

function size(v: string | undefined, otherwise: number): number {
  const bytes = Number(v || otherwise);
  return Number.isFinite(bytes) && bytes > 0 ? bytes : otherwise;
}

/** HINDSIGHT_INLINING_BUDGET: a number of bytes (0 included), or the default where it is none. */
function budget(v: string | undefined): InliningBudget {
  const bytes = v ? Number(v) : NaN;
  return Number.isFinite(bytes) && bytes >= 0 ? bytes : 'serving';
}

/** The main ring's size the environment asks for (HINDSIGHT_RING_BYTES), in events' bytes (ringBytes adds the header). */
export function configuredRingBytes(env: NodeJS.ProcessEnv): number {
  return size(env[ENV.ringBytes], DEFAULT_RING_BYTES);
}

/** The recorder's settings; `dir` defaults to the standalone spool folder (see standalone.ts). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), standaloneDir?: () => string): RecorderConfig | undefined {
  const dir = env[ENV.dir] || standaloneDir?.();
  if (!dir) return undefined;
  const ringBytes = configuredRingBytes(env);
  return { dir, ringBytes, workerRingBytes: size(env[ENV.workerRingBytes], ringBytes), include: list(env[ENV.include]), exclude: list(env[ENV.exclude]), cwd, onErrorLog: env[ENV.onErrorLog] === '1', slowMs: Number(env[ENV.slowMs]) > 0 ? Number(env[ENV.slowMs]) : 0, demote: env[ENV.demote] !== '0', sourceMaps: env[ENV.sourceMaps] === '1', transformCache: transformCacheDir(env[ENV.transformCache], cwd), captureArgs: list(env[ENV.captureArgs]), inliningBudget: budget(env[ENV.inliningBudget]) };
}

/** The most statements of a function the recorder may demote (register.ts): it is instrumented with an untraced copy of its code. */
const TINY_STATEMENTS = 3;

/**
 * The options the recorder instruments a module with, on the loader thread (ES modules) as on the
 * main one (CommonJS): sparse, with the module's body as a frame, through the transform cache,
 * capturing the arguments asked for, tiny functions ready to be demoted.
 */
export function recorderInstrumentOptions(config: Pick<RecorderConfig, 'transformCache' | 'captureArgs'>, warnings: string): InstrumentOptions {
  return { sparse: true, modules: true, store: transformCacheIn(config.transformCache, warnings), captureArgs: captureArgsOption(config.captureArgs), demotable: TINY_STATEMENTS };
}

/** What instrument() is given for config.captureArgs: the patterns, and a matcher of function names (`Cart.*`, `flush*`). */
function captureArgsOption(patterns: readonly string[]): { patterns: readonly string[]; matches: (functionName: string) => boolean } | undefined {
  if (patterns.length === 0) return undefined;
  return { patterns, matches: picomatch([...patterns], { dot: true }) };
}

function transformCacheDir(v: string | undefined, cwd: string): string | undefined {
  if (v === 'off') return undefined;
  return v ? path.resolve(cwd, v) : defaultTransformCacheDir(cwd);
}

/** Whether a file is traced: inside the include globs (or the working folder), outside node_modules unless included, not excluded. */
export function tracedFiles(config: Pick<RecorderConfig, 'include' | 'exclude' | 'cwd'>): (file: string) => boolean {
  const opts = { dot: true };
  const abs = (g: string) => (path.isAbsolute(g) ? g : path.join(config.cwd, g));
  const include = config.include.length ? picomatch(config.include.map(abs), opts) : undefined;
  const exclude = config.exclude.length ? picomatch(config.exclude.map(abs), opts) : () => false;
  const inside = (f: string) => !path.relative(config.cwd, f).startsWith('..');
  return (file) => {
    if (exclude(file)) return false;
    if (include) return include(file);
    return inside(file) && !file.split(path.sep).includes('node_modules');
  };
}
