import type { Command } from 'commander';
import { HindsightError } from '../../common/errors.js';
import { toMillis } from '../../common/duration.js';
import { DEFAULT_RING_BYTES, record } from '../../recorder/index.js';
import { printJson } from '../output/json.js';
import { storePath } from '../store.js';
import { DEFAULT_CONFIG, readRecordConfig, type RecordSettings } from './record-config.js';

interface RecordFlags extends RecordSettings {
  config?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('record')
    .description('run a Node.js program under the flight recorder; when it crashes, archive its last moments for `hindsight debug`')
    .argument('<command...>', 'the program, after --: hindsight record -- node app.js')
    .option('--config <file>', `settings from this JSON file's "record" section (default: ${DEFAULT_CONFIG} in the working folder, when there); flags override it`)
    .option('--ring <size>', 'ring size (oldest events are overwritten), e.g. 64MiB, 256MiB (default 64MiB)')
    .option('--worker-ring <size>', 'ring size of each worker thread and child process of the program (default: as --ring)')
    .option('--include <glob...>', "files to trace (default: the program's own files under the working folder, not node_modules)")
    .option('--exclude <glob...>', 'files not to trace')
    .option('--always', 'archive the ring when the program exits normally, or is stopped by a signal passed on to it (Ctrl-C, SIGTERM), too')
    .option('--webhook <url>', 'also post the crash notice as JSON to this URL')
    .option('--no-demote', 'trace every function, however hot (by default very hot, tiny functions stop being traced, and the recording says so)')
    .option('--on-error-log', 'also take a snapshot when the program logs an error (console.error), at most one per 10 s')
    .option('--slow <duration>', 'also take a snapshot when an HTTP request, or an async unit of work the event loop started (a message handler, a job), takes longer than this (500 for milliseconds, or 500ms, 2s), at most one per 10 s')
    .option('--source-maps', "turn on Node's source maps in the program: its stack traces and crash output name the source as written, not the instrumented code (slows start-up: each module's map is decoded as it loads)")
    .option('--capture-args <function...>', "also record the arguments of each call of these functions (names as the debugger shows them, globs allowed: 'Cart.*'), as they are at the call's entry, for print and info args")
    .option('--inlining-budget <bytes>', "V8's inlining budget in the program, bytes of bytecode per optimized function, from the start; 0 for V8's own (920). The probes make traced functions larger: by default the budget is raised to 3000 once the program serves (listens or takes a connection), which gives a long-running service back its inlining, and a short script keeps V8's own")
    .option('--transform-cache <folder>', 'where instrumented modules are kept between runs, so that the next start does not instrument them again; off to instrument at each start (default: node_modules/.cache/hindsight)')
    .option('--json', 'print the recording as JSON when one is archived')
    .action(recordAction);
}

async function recordAction(command: string[], flags: RecordFlags, cmd: Command): Promise<void> {
  const s = { ...readRecordConfig(flags.config), ...given(flags, cmd) };
  const result = await record({
    command,
    store: storePath(cmd),
    ringBytes: s.ring === undefined ? DEFAULT_RING_BYTES : parseSize(s.ring),
    ...(s.workerRing !== undefined ? { workerRingBytes: parseSize(s.workerRing, '--worker-ring') } : {}),
    include: s.include ?? [],
    exclude: s.exclude ?? [],
    always: s.always === true,
    ...(s.webhook ? { webhook: s.webhook } : {}),
    onErrorLog: s.onErrorLog === true,
    ...(s.slow !== undefined ? { slowMs: parseMs(s.slow) } : {}),
    demote: s.demote !== false,
    sourceMaps: s.sourceMaps === true,
    ...(s.transformCache !== undefined ? { transformCache: s.transformCache } : {}),
    captureArgs: s.captureArgs ?? [],
    ...(s.inliningBudget !== undefined ? { inliningBudget: parseBudget(s.inliningBudget) } : {}),
  });
  if (flags.json && result.recording) printJson({ ...result.recording, archiveMs: result.archiveMs, ringStoredMs: result.ringStoredMs });
  // the recorder's exit status is the program's, as if it had run alone
  process.exitCode = result.signal ? 128 + (signalNumbers[result.signal] ?? 1) : (result.exitCode ?? 1);
}

/** The flags the user gave (commander also reports defaults, which must not override the config file). */
function given(flags: RecordFlags, cmd: Command): RecordSettings {
  const keys: (keyof RecordSettings)[] = ['ring', 'workerRing', 'include', 'exclude', 'always', 'webhook', 'onErrorLog', 'slow', 'demote', 'sourceMaps', 'transformCache', 'captureArgs', 'inliningBudget'];
  return Object.fromEntries(keys.filter((k) => flags[k] !== undefined && cmd.getOptionValueSource(k) === 'cli').map((k) => [k, flags[k]]));
}

/** --slow as users write a duration: milliseconds (`500`), or with a unit (`500ms`, `2s`). */
function parseMs(text: string): number {
  // the config file's may be a number ("slow": 500)
  const ms = toMillis(String(text).trim(), '--slow');
  if (!(ms > 0)) throw new HindsightError('HS_E_INVALID_INPUT', `--slow ${JSON.stringify(text)} is not a duration longer than 0; write it like --slow 500 (milliseconds) or --slow 2s`);
  return ms;
}

function parseBudget(text: string): number {
  const bytes = Number(text);
  if (!(Number.isInteger(bytes) && bytes >= 0)) throw new HindsightError('HS_E_INVALID_INPUT', `--inlining-budget ${JSON.stringify(text)} is not a number of bytes; write it like --inlining-budget 4000, or 0 for V8's own`);
  return bytes;
}

const signalNumbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 };

const UNITS: Record<string, number> = { b: 1, kib: 1024, kb: 1000, mib: 1024 ** 2, mb: 1000 ** 2, gib: 1024 ** 3, gb: 1000 ** 3 };

/** `64MiB`, `512KiB`, `1GB`, or a number of bytes. */
export function parseSize(text: string, flag = '--ring'): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) * unit < 64 * 1024) {
    throw new HindsightError('HS_E_INVALID_INPUT', `${flag} ${JSON.stringify(text)} is not a size of at least 64KiB; write it like 64MiB, 512KiB or 1GiB (default ${DEFAULT_RING_BYTES / 1024 ** 2}MiB)`);
  }
  return Number(m[1]) * unit;
}
