/** The instrumented code as it leaves instrument(): the syntax it is parsed with, and its source map inline. */
import { pathToFileURL } from 'node:url';
import { decode, encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';
import type { Instrumented } from './instrument.js';

/** A TypeScript file, by its extension. */
export function isTypeScript(file: string): boolean {
  return /\.[cm]?tsx?$/.test(file);
}

/**
 * TypeScript arrives as such when a loader that compiles it (tsx) runs after the recorder's: the
 * types stay in the instrumented code for that loader to strip, and the sites are the file's own
 * lines. Compiled JavaScript parses as TypeScript too, so the extension decides. Decorators are
 * parsed as TypeScript writes them (on classes, members and parameters, before `export`), left for
 * tsx to compile.
 */
export function syntaxOf(file: string): ('typescript' | 'jsx' | 'decorators-legacy')[] {
  if (!isTypeScript(file)) return [];
  return file.endsWith('x') ? ['typescript', 'jsx', 'decorators-legacy'] : ['typescript', 'decorators-legacy'];
}

/**
 * The instrumented code with its source map inline (and the compiler's own `sourceMappingURL`,
 * which maps the uninstrumented code, taken out). With source maps enabled
 * (`process.setSourceMapsEnabled(true)`), Node's stack traces and its print of the line an
 * uncaught error came from then show the original source (the TypeScript through the compiler's
 * map), not the probes. The map's sources are file URLs, resolved beside `file`.
 */
export function withInlineMap(out: Instrumented, file: string): string {
  const code = out.code.replace(/^[ \t]*\/\/[#@] sourceMappingURL=.*$/gm, '');
  if (!out.map) return code;
  const map = out.map as { sources?: (string | null)[] };
  const base = pathToFileURL(file);
  const sources = (map.sources ?? []).map((s) => (s === null ? s : new URL(s, base).href));
  const json = JSON.stringify({ ...map, sources, sourceRoot: undefined });
  return `${code}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(json).toString('base64')}\n`;
}

/**
 * The map without the names of the probes' identifiers (`__hs_e`, `__hs<module>_en`): Babel names
 * every identifier it prints, and Node's stack traces under source maps take a frame's function
 * name from the name nearest the function's start, so a recorded program's own stacks read
 * `at __hs_e (app.ts:6:25)` where unrecorded ones read `at <anonymous>`.
 */
export function withoutProbeNames<M extends { names?: string[]; mappings?: string }>(map: M): M {
  const names = map.names ?? [];
  if (!names.some(isProbeName) || map.mappings === undefined) return map;
  const kept: string[] = [];
  const renumbered = names.map((n) => (isProbeName(n) ? -1 : kept.push(n) - 1));
  const lines = decode(map.mappings).map((line) => line.map((s) => (s.length === 5 ? named(s, renumbered[s[4]]!) : s)));
  return { ...map, names: kept, mappings: encode(lines) };
}

/** A named segment with the name `name` (an index into the kept names), or none when it is -1. */
function named(s: [number, number, number, number, number], name: number): SourceMapSegment {
  return name < 0 ? [s[0], s[1], s[2], s[3]] : [s[0], s[1], s[2], s[3], name];
}

function isProbeName(name: string): boolean {
  return name.startsWith('__hs');
}
