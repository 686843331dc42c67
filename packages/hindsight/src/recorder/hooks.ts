/**
 * ESM loader hooks (they run on the loader thread): the modules the recorder traces are
 * instrumented as they load, so each reports its sites to the process's ProbeRuntime.
 * Registered by register.ts with module.register().
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { instrument, isTypeScript, readInputMap, withInlineMap, type InstrumentOptions } from '../instrument/index.js';
import { recorderInstrumentOptions, tracedFiles, type RecorderConfig } from './config.js';
import { sourceMapWarning, untracedWarning } from './warnings.js';

type LoadResult = { format?: string | null; source?: string | ArrayBuffer | Uint8Array; shortCircuit?: boolean };
type NextLoad = (url: string, context: { format?: string | null }) => Promise<LoadResult>;

let traced: (file: string) => boolean = () => false;
let warn: (module: string, err: unknown) => void = () => {};
let warnMap: (module: string, why: string, missing: boolean) => void = () => {};
let options: InstrumentOptions = {};

export function initialize(data: Pick<RecorderConfig, 'include' | 'exclude' | 'cwd' | 'transformCache' | 'captureArgs'> & { warnings: string }): void {
  traced = tracedFiles(data);
  warn = untracedWarning(data.warnings);
  warnMap = sourceMapWarning(data.warnings);
  options = recorderInstrumentOptions(data, data.warnings);
}

export async function load(url: string, context: { format?: string | null }, nextLoad: NextLoad): Promise<LoadResult> {
  const result = await nextLoad(url, context);
  const sourceType = result.format === 'module' ? 'module' : result.format === 'commonjs' ? 'script' : undefined;
  if (!url.startsWith('file:') || !sourceType) return result;
  const file = fileURLToPath(url);
  if (!traced(file)) return result;
  // TypeScript that Node loads as CommonJS (no "type": "module") is compiled by a require hook
  // (tsx's): given a source here, Node would compile it itself, types and all. It is left to
  // that hook, and instrumented as it compiles (register.ts), as compiled JavaScript.
  if (sourceType === 'script' && isTypeScript(file)) return result;
  // Node hands CommonJS over without its source; given one, it compiles it here and sends the
  // module's own require() calls through these hooks too, so the whole package is instrumented
  const source = result.source == null ? readFileSync(file, 'utf8') : typeof result.source === 'string' ? result.source : Buffer.from(result.source as Uint8Array).toString('utf8');
  try {
    // the map inline: an uncaught error's stack and printed line show the user's source, not the probes
    const out = instrument(source, file, readInputMap(file, source, (why, missing) => warnMap(file, why, missing)), { ...options, sourceType });
    return { ...result, source: withInlineMap(out, file) };
  } catch (err) {
    warn(file, err); // code the instrumenter cannot parse runs untraced rather than not at all
    return result;
  }
}
