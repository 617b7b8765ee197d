// Bundles each example page with esbuild into `outdir/<name>/` (index.html + main.js).
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The pages on the shared auth page (shared/index.html), one per GraphQL client. */
export const EXAMPLES = ['apollo', 'urql'] as const;
/** Pages with an index.html of their own (not the shared page's forms, so not in EXAMPLES). */
export const OWN_PAGES = ['providers'] as const;
const here = fileURLToPath(new URL('.', import.meta.url));

export async function buildExamples(outdir: string): Promise<void> {
  for (const name of [...EXAMPLES, ...OWN_PAGES]) {
    await mkdir(join(outdir, name), { recursive: true });
    await build({
      entryPoints: [join(here, name, 'main.ts')],
      outfile: join(outdir, name, 'main.js'),
      bundle: true,
      format: 'iife',
      target: 'es2022',
      minify: true,
      sourcemap: true,
      logLevel: 'warning',
      // Apollo Client checks process.env.NODE_ENV (dev-only warnings); a page has no process.
      define: { 'process.env.NODE_ENV': '"production"' },
    });
    const ownPage = (OWN_PAGES as readonly string[]).includes(name);
    await copyFile(join(here, ownPage ? name : 'shared', 'index.html'), join(outdir, name, 'index.html'));
  }
}
