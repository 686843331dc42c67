import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodedMappings, TraceMap } from '@jridgewell/trace-mapping';

/**
 * The compiler's source map of a file: its `sourceMappingURL` (a file beside it or a data URL), if
 * any. A map that cannot be read, or that does not fit the file (a stale build: it maps more lines
 * than the file has), is not used: sites then name the JavaScript, and `problem` says why.
 */
export function readInputMap(file: string, source: string, problem: (why: string, missing: boolean) => void = () => {}): object | undefined {
  const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(source);
  if (!m) return undefined;
  const url = m[1]!;
  const name = url.startsWith('data:') ? 'its inline source map' : `its source map ${url}`;
  let map: object;
  try {
    if (url.startsWith('data:')) {
      const comma = url.indexOf(',');
      const body = url.slice(comma + 1);
      map = JSON.parse(url.slice(0, comma).endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body)) as object;
    } else {
      const mapFile = url.startsWith('file:') ? fileURLToPath(url) : path.resolve(path.dirname(file), url);
      if (!existsSync(mapFile)) {
        problem(`${name} is missing (${mapFile})`, true);
        return undefined;
      }
      map = JSON.parse(readFileSync(mapFile, 'utf8')) as object;
    }
    const mapped = decodedMappings(new TraceMap(map as ConstructorParameters<typeof TraceMap>[0])).length;
    const lines = source.split('\n').length;
    if (mapped > lines) {
      problem(`${name} does not match it: the map covers ${mapped} lines, the file has ${lines} (a stale build?)`, false);
      return undefined;
    }
    return map;
  } catch (err) {
    problem(`${name} cannot be read: ${(err as Error).message.split('\n')[0]}`, false);
    return undefined;
  }
}
