// Runs `prisma generate` on a fresh install. Generation needs no native schema engine, but the
// CLI tries to download one first unless PRISMA_SCHEMA_ENGINE_BINARY names an existing file; where
// the engine could not be downloaded (offline machines), point it at any file so generation runs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const binDir = join(dirname(require.resolve('prisma/package.json')), '..', '.bin');
// The Pothos generator is found on PATH, as npm scripts would have it.
const env = { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` };

if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const enginesDir = dirname(require.resolve('@prisma/engines/package.json'));
  const engine = readdirSync(enginesDir).find((name) => name.startsWith('schema-engine'));
  if (!engine || !existsSync(join(enginesDir, engine))) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}

const prismaCli = require.resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [prismaCli, 'generate'], { env, stdio: 'inherit' });
process.exit(result.status ?? 1);
