import type Database from 'better-sqlite3';

/** Statements whose text depends on the call (IN lists, filters), prepared once per shape. */
export class SqlCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  get(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

export const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

const CHUNK = 256;
const SIZES = [1, 4, 16, 64, CHUNK];

/**
 * Splits an IN list into chunks padded (with a repeated id) to a few fixed
 * sizes, so that any list length needs at most five prepared statements.
 */
export function inChunks(ids: readonly string[]): string[][] {
  const unique = [...new Set(ids)];
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const chunk = unique.slice(i, i + CHUNK);
    const size = SIZES.find((s) => s >= chunk.length) ?? CHUNK;
    while (chunk.length < size) chunk.push(chunk[0]);
    chunks.push(chunk);
  }
  return chunks;
}
