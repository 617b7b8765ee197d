// `npm run examples`: builds the example pages and serves them from an origin of their own,
// http://localhost:5173/apollo/, /urql/ and /providers/, talking to the API at
// http://localhost:4000/graphql (start it with CORS_ORIGINS=http://localhost:5173; /providers/
// needs the provider settings printed below). Also used by the browser tests.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExamples } from './build.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

/** A static file server for `root` (GET only, nothing outside it). */
export function createStaticServer(root: string): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(root) || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = fileURLToPath(new URL('./dist/', import.meta.url));
  await buildExamples(outdir);
  const port = Number(process.env.EXAMPLES_PORT ?? 5173);
  createStaticServer(outdir).listen(port, 'localhost', () => {
    const origin = `http://localhost:${port}`;
    console.log(`Examples at ${origin}/apollo/, ${origin}/urql/ and ${origin}/providers/`);
    console.log(`Start the API with: CORS_ORIGINS=${origin} npm start`);
    // localhost on both sides: one site, so the flow and session cookies reach the API (examples/providers/main.ts).
    console.log(
      `For ${origin}/providers/ add a provider (its redirect URI: http://localhost:4000/auth/callback/google):\n` +
        `  PUBLIC_URL=http://localhost:4000 PROVIDER_RETURN_URLS=${origin}/providers/ CORS_ORIGINS=${origin} ` +
        'GOOGLE_CLIENT_ID=… GOOGLE_CLIENT_SECRET=… npm start',
    );
  });
}
