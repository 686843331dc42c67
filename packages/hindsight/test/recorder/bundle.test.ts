// hindsight/register is one ES module (scripts/bundle.mjs): every ES module a program loads goes
// through Node's ESM loader, and past about a dozen of them Node's internals that an HTTP server
// shares turn megamorphic, so the recorder's own would cost a small program's requests untraced.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { init, parse } from 'es-module-lexer';

const REGISTER = new URL('../../src/recorder/register.bundle.js', import.meta.url);
const STANDALONE = new URL('../../src/recorder/standalone.bundle.js', import.meta.url);

/** The specifiers a module imports: statically, and dynamically (string literals only). */
async function importsOf(url: URL): Promise<{ statics: string[]; dynamics: string[] }> {
  await init;
  const [imports] = parse(readFileSync(url, 'utf8'));
  const statics = imports.filter((i) => i.d === -1).map((i) => i.n!);
  const dynamics = imports.filter((i) => i.d >= 0).map((i) => i.n ?? '<computed>');
  return { statics, dynamics };
}

describe('hindsight/register, one ES module', () => {
  it('is what the package exports as hindsight/register', () => {
    assert.equal(fileURLToPath(import.meta.resolve('hindsight/register')), fileURLToPath(REGISTER));
  });

  it("imports only Node's builtins, and, when it records without a supervisor, the store's bundle", async () => {
    const { statics, dynamics } = await importsOf(REGISTER);
    assert.deepEqual(statics.filter((s) => !s.startsWith('node:')), [], 'no module of hindsight or of a package');
    assert.deepEqual(dynamics, ['./standalone.bundle.js']);
  });

  it("the store's bundle imports Node's builtins and better-sqlite3, whose native part is found beside it", async () => {
    const { statics, dynamics } = await importsOf(STANDALONE);
    assert.deepEqual([...new Set(statics.filter((s) => !s.startsWith('node:')))], ['better-sqlite3']);
    assert.deepEqual(dynamics, []);
  });
});
