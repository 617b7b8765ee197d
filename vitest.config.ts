// One suite, run once per database: PGlite always, PostgreSQL too when DATABASE_URL is set
// (each test file then gets a database of its own on that server, dropped afterwards). The
// browser tests (Chromium, tests/browser/) run once, on PGlite: what they prove is the browser's
// side, the same on either database.
import { createRequire } from 'node:module';
import { configDefaults, defineConfig } from 'vitest/config';

const databases = ['pglite', ...(process.env.DATABASE_URL ? ['postgres'] : [])];

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) copies. Node, and so Yoga and Pothos, load the
    // CJS one; Vite would hand our own files the ESM one, and `instanceof GraphQLError` would fail
    // across the two. One copy for everyone, as in production.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    // Hang detectors, not assertions: on a shared 2-core machine a test may wait long for CPU.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores here: more workers only queue for CPU behind argon2.
    maxWorkers: 2,
    projects: [
      ...databases.map((name) => ({ extends: true as const, test: { name, include: ['tests/**/*.test.ts'], exclude: [...configDefaults.exclude, 'tests/browser/**'], env: { TEST_DATABASE: name } } })),
      // A whole account flow in a browser is many round trips: more time than one request's test.
      { extends: true, test: { name: 'browser', include: ['tests/browser/**/*.test.ts'], testTimeout: 240_000, env: { TEST_DATABASE: 'pglite' } } },
    ],
  },
});
