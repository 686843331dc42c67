import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiler's source map of a file: its `sourceMappingURL` (a file beside it or a data URL), if any. */
export function readInputMap(file: string, source: string): object | undefined {
  const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(source);
  if (!m) return undefined;
  const url = m[1]!;
  try {
    if (url.startsWith('data:')) {
      const comma = url.indexOf(',');
      const body = url.slice(comma + 1);
      return JSON.parse(url.slice(0, comma).endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body)) as object;
    }
    const mapFile = url.startsWith('file:') ? fileURLToPath(url) : path.resolve(path.dirname(file), url);
    return existsSync(mapFile) ? (JSON.parse(readFileSync(mapFile, 'utf8')) as object) : undefined;
  } catch {
    return undefined; // a broken map: sites name the JavaScript instead
  }
}
