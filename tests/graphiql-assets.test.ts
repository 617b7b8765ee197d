// GraphiQL as a small page plus assets: the page names hashed files, each cached for a year and
// compressed as the browser asks, all served by this server.
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEncoding } from '../src/server/graphiql-assets.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** node:http, so the body arrives exactly as sent (fetch would decompress it). */
function get(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    request(new URL(path, t.url), { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

async function page() {
  const res = await get('/graphql', { accept: 'text/html' });
  const html = res.body.toString('utf8');
  const assets = [...html.matchAll(/"(\/graphiql\/[^"]+)"/g)].map((m) => m[1]!);
  return { res, html, assets };
}

describe('the GraphiQL page', () => {
  it('is a small HTML page that names its script, styles, icon and workers on this server', async () => {
    const { res, html, assets } = await page();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body.length).toBeLessThan(8 * 1024);
    expect(html).toContain('renderYogaGraphiQL');
    expect(html).not.toMatch(/https?:\/\//);
    expect(assets.filter((a) => a.endsWith('.js'))).toHaveLength(4);
    expect(assets.filter((a) => a.endsWith('.css'))).toHaveLength(1);
    expect(assets.filter((a) => a.endsWith('.ico'))).toHaveLength(1);
  });

  it('serves each asset with a year of immutable caching, brotli or gzip as asked, identical once decompressed', async () => {
    const { assets } = await page();
    for (const asset of assets) {
      const plain = await get(asset);
      expect(plain.status, asset).toBe(200);
      expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toBe('Accept-Encoding');

      const br = await get(asset, { 'accept-encoding': 'gzip, deflate, br, zstd' });
      expect(br.headers['content-encoding']).toBe('br');
      expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);

      const gz = await get(asset, { 'accept-encoding': 'gzip' });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
      if (asset.endsWith('.js')) expect(br.body.length).toBeLessThan(plain.body.length / 3);
    }
  }, 120_000);

  it('answers 304 to a revalidation, and 404 to an asset it does not have', async () => {
    const { assets } = await page();
    const first = await get(assets[0]!);
    const again = await get(assets[0]!, { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect((await get('/graphiql/graphiql.0000000000.js')).status).toBe(404);
  });

  it('serves no assets when GraphiQL is off', async () => {
    const { assets } = await page();
    const off = await startTestApp({ env: { GRAPHIQL: 'false' } });
    try {
      const res = await fetch(new URL(assets[0]!, off.url));
      expect(res.status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('choosing an encoding', () => {
  it.each([
    ['gzip, deflate, br', 'br'],
    ['gzip;q=1.0, br;q=0', 'gzip'],
    ['identity', undefined],
    ['*', 'br'],
    ['', undefined],
    ['GZIP', 'gzip'],
  ])('%j → %s', (header, expected) => {
    expect(chooseEncoding(header)).toBe(expected);
  });
});
