// GraphiQL as a small HTML page plus static assets, all from this server (works offline, no CDN).
// Yoga's stock page inlines 9 MB of script, styles, workers and icon into every answer; here each
// is a file named by its content hash, so browsers keep it for a year, and compressed (brotli or
// gzip, as the browser asks) once, on first request. Nothing is loaded until the first visit: a
// server nobody opens GraphiQL on never holds those megabytes.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

export const GRAPHIQL_ASSET_PREFIX = '/graphiql/';

const compressors = {
  br: (body: Buffer) => promisify(brotliCompress)(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 6 } }),
  gzip: (body: Buffer) => promisify(gzip)(body, { level: 6 }),
};
type Encoding = keyof typeof compressors;

interface Asset {
  path: string;
  type: string;
  body: Buffer;
  etag: string;
  compressed: Partial<Record<Encoding, Promise<Buffer>>>;
}

function asset(name: string, extension: string, type: string, body: Buffer): Asset {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 12);
  return { path: `${GRAPHIQL_ASSET_PREFIX}${name}.${hash}.${extension}`, type, body, etag: `"${hash}"`, compressed: {} };
}

const script = 'text/javascript; charset=utf-8';

async function buildAssets() {
  const bundle = await import('@graphql-yoga/render-graphiql/graphiql');
  const assets = {
    js: asset('graphiql', 'js', script, Buffer.from(bundle.js)),
    css: asset('graphiql', 'css', 'text/css; charset=utf-8', Buffer.from(bundle.css)),
    editorWorker: asset('editor.worker', 'js', script, Buffer.from(bundle.editorWorkerService)),
    jsonWorker: asset('json.worker', 'js', script, Buffer.from(bundle.jsonWorker)),
    graphqlWorker: asset('graphql.worker', 'js', script, Buffer.from(bundle.graphqlWorker)),
    favicon: asset('favicon', 'ico', 'image/x-icon', Buffer.from(bundle.favicon.replace(/^data:[^,]*;base64,/, ''), 'base64')),
  };
  return { assets, byPath: new Map(Object.values(assets).map((a) => [a.path, a])) };
}

let loaded: ReturnType<typeof buildAssets> | undefined;
const loadAssets = () => (loaded ??= buildAssets());

/** JSON inside a <script>: `<` escaped so no value can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Yoga's `renderGraphiQL`: the page only names the assets. */
export async function renderGraphiQL(options?: GraphiQLOptions): Promise<string> {
  const { assets } = await loadAssets();
  const workers = { editorWorkerService: assets.editorWorker.path, json: assets.jsonWorker.path, graphql: assets.graphqlWorker.path };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options?.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${assets.favicon.path}" />
    <link rel="stylesheet" href="${assets.css.path}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script src="${assets.js.path}"></script>
    <script>
      const workers = ${scriptJson(workers)};
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workers[label] };
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(options ?? {})});
    </script>
  </body>
</html>
`;
}

/** The encoding to answer with: brotli, then gzip, when the browser accepts it (q > 0). */
export function chooseEncoding(acceptEncoding: string | null): Encoding | undefined {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    if (name) accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (name: Encoding) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  return ok('br') ? 'br' : ok('gzip') ? 'gzip' : undefined;
}

/** The answer for a path under the prefix: the asset, 304, or 404 for one the page never named. */
async function assetResponse(request: Request, pathname: string, Response: typeof globalThis.Response): Promise<Response> {
  const found = (await loadAssets()).byPath.get(pathname);
  if (!found || (request.method !== 'GET' && request.method !== 'HEAD')) {
    return new Response('Not found.', { status: found ? 405 : 404, headers: { 'content-type': 'text/plain' } });
  }
  const headers: Record<string, string> = {
    'content-type': found.type,
    // The name changes with the content, so a copy never goes stale.
    'cache-control': 'public, max-age=31536000, immutable',
    etag: found.etag,
    vary: 'Accept-Encoding',
  };
  if (request.headers.get('if-none-match') === found.etag) return new Response(null, { status: 304, headers });
  const encoding = chooseEncoding(request.headers.get('accept-encoding'));
  let body = found.body;
  if (encoding) {
    found.compressed[encoding] ??= compressors[encoding](found.body);
    body = await found.compressed[encoding];
    headers['content-encoding'] = encoding;
  }
  headers['content-length'] = String(body.length);
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
}

/** Serves the assets the page names; any other path under the prefix is a 404. */
export function useGraphiqlAssets(): Plugin {
  return {
    // Synchronous for every other request: only asset paths wait for anything.
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSET_PREFIX)) return;
      return assetResponse(request, url.pathname, fetchAPI.Response).then(endResponse);
    },
  };
}
