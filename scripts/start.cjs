// `npm start`: bundles src/ into one JavaScript file with esbuild (a fraction of a second) and runs
// it. Compiling TypeScript at run time (tsx) keeps about 90 MB more resident for the life of the
// server. If the bundle cannot be built, the sources run through tsx as before.
//
// CommonJS on purpose: an ES module entry is read through libuv's thread pool, which fixes the
// pool's size before this file runs. argon2 hashes there, at most cores - 1 at a time
// (src/services/passwords/passwords.ts), and each pool thread that has run one keeps its ~19 MB in a malloc
// arena of its own. A pool of exactly that many threads (instead of 4 on any machine) holds no
// more than the hashes allowed at once; file and DNS work waits behind at most one hash.
const { availableParallelism } = require('node:os');

process.env.UV_THREADPOOL_SIZE ??= String(Math.max(1, availableParallelism() - 1));

const { mkdirSync, renameSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { pathToFileURL } = require('node:url');

const root = join(__dirname, '..');
// Two folders below the root, like src/db/: paths the code resolves from its own file
// (the migrations, ../../prisma/migrations) land in the same place.
const bundle = join(root, 'dist', 'server', 'main.mjs');

async function build() {
  const esbuild = require('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(root, 'src', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Dependencies stay in node_modules and load as they do under tsx.
    packages: 'external',
    // Not minified and without a source map: stack traces name the functions and the bundle's
    // lines, and no map is parsed and held for the life of the process.
    write: false,
    logLevel: 'error',
  });
  mkdirSync(dirname(bundle), { recursive: true });
  // Written aside and renamed: two servers starting at once never read a half-written file.
  const temporary = `${bundle}.${process.pid}.tmp`;
  writeFileSync(temporary, result.outputFiles[0].contents);
  renameSync(temporary, bundle);
}

async function start() {
  let entry;
  try {
    await build();
    entry = pathToFileURL(bundle).href;
  } catch (error) {
    console.warn(`[start] could not bundle the server (${error instanceof Error ? error.message : error}); running the sources through tsx`);
    require('tsx/esm/api').register();
    entry = pathToFileURL(join(root, 'src', 'main.ts')).href;
  }
  await import(entry);
}

start().catch((error) => {
  console.error(error);
  process.exit(1);
});
