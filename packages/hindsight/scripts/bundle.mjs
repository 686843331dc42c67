// Bundles the recorder's in-process part (`hindsight/register`, compiled by tsc into dist/) into
// one ES module beside it. A recorded program loads it as it starts; as the 40 modules tsc writes,
// it took a small program past a dozen ES modules, where Node's internals that its HTTP server
// shares turn megamorphic: a request then cost 2 % more instructions, traced or not
// (docs/recording.md, "One module"). What only a program recorded without a supervisor loads
// (standalone.js: the store and SQLite) is a bundle of its own, imported only then; better-sqlite3
// stays a package, its native part found relative to it.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const recorder = fileURLToPath(new URL('../dist/src/recorder/', import.meta.url));
const common = { bundle: true, format: 'esm', platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning' };
const standaloneBundle = {
  name: 'standalone-bundle',
  setup(b) {
    b.onResolve({ filter: /^\.\/standalone\.js$/ }, () => ({ path: './standalone.bundle.js', external: true }));
  },
};
await Promise.all([
  build({ ...common, entryPoints: [`${recorder}register.js`], outfile: `${recorder}register.bundle.js`, plugins: [standaloneBundle] }),
  build({ ...common, entryPoints: [`${recorder}standalone.js`], outfile: `${recorder}standalone.bundle.js`, external: ['better-sqlite3'] }),
]);
