// Browsers and sites: the cookie's SameSite setting, CORS_ORIGINS as browsers send origins, and
// the development warning for a page on another site, whose cookie the browser would not keep.
import { type IncomingHttpHeaders, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { GOOD_PASSWORD, SIGN_UP, uniqueEmail } from './support/operations.ts';
import { startTestApp, type TestApp, TEST_SECRET } from './support/test-app.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ JWT_SECRET: TEST_SECRET, DATA_DIR: '/nonexistent-not-written', ...env });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('COOKIE_SAME_SITE', () => {
  it('defaults to lax and accepts strict, and none with a Secure cookie', () => {
    const base = { JWT_SECRET: TEST_SECRET, DATA_DIR: '/nonexistent-not-written' };
    expect(loadConfig(base).cookie.sameSite).toBe('lax');
    expect(loadConfig({ ...base, COOKIE_SAME_SITE: 'strict' }).cookie.sameSite).toBe('strict');
    expect(loadConfig({ ...base, COOKIE_SAME_SITE: 'none', COOKIE_SECURE: 'true' }).cookie).toMatchObject({ sameSite: 'none', secure: true });
    expect(loadConfig({ ...base, COOKIE_SAME_SITE: 'none', NODE_ENV: 'production' }).cookie).toMatchObject({ sameSite: 'none', secure: true });
  });

  it('refuses none without a Secure cookie, and values it does not know, saying why', () => {
    expect(problemsOf({ COOKIE_SAME_SITE: 'none' })).toEqual([expect.stringMatching(/^COOKIE_SAME_SITE: "none" needs a Secure cookie/)]);
    expect(problemsOf({ COOKIE_SAME_SITE: 'none', COOKIE_SECURE: 'false', NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^COOKIE_SAME_SITE: "none" needs a Secure cookie/),
    ]);
    expect(problemsOf({ COOKIE_SAME_SITE: 'Relaxed' })).toEqual([expect.stringMatching(/^COOKIE_SAME_SITE: .*"lax"/)]);
  });

  it.each([
    ['strict', {}, 'Strict'],
    ['none', { COOKIE_SECURE: 'true' }, 'None'],
  ])('sets the session cookie with SameSite=%s when configured', async (sameSite, extra, attribute) => {
    const t = await startTestApp({ env: { COOKIE_SAME_SITE: sameSite, ...extra } });
    try {
      const res = await t.client().graphql(SIGN_UP, { input: { username: 'Site', email: uniqueEmail('samesite'), password: GOOD_PASSWORD } });
      expect(res.data?.signUp.message).toBe('user created!');
      const header = res.headers.getSetCookie().find((c) => c.startsWith(`${t.config.cookie.name}=`));
      expect(header).toContain(`SameSite=${attribute}`);
      if (sameSite === 'none') expect(header).toContain('Secure');
    } finally {
      await t.close();
    }
  });
});

describe('CORS_ORIGINS', () => {
  it.each([
    ['*', /wildcards are not allowed with credentials/],
    ['https://*.example.com', /wildcards are not allowed/],
    ['https://app.example.com/', /remove the trailing slash; browsers send https:\/\/app\.example\.com/],
    ['https://app.example.com/app', /an origin has no path, query or fragment; use https:\/\/app\.example\.com/],
    ['app.example.com', /missing the scheme; .* https:\/\/app\.example\.com/],
    ['localhost:5173', /missing the scheme/],
    ['ftp://files.example.com', /must be an http:\/\/ or https:\/\/ origin/],
    ['https://App.Example.com', /browsers send it as https:\/\/app\.example\.com/],
    ['https://app.example.com:443', /browsers send it as https:\/\/app\.example\.com/],
  ])('refuses %s at start, saying why', (origin, reason) => {
    const problems = problemsOf({ CORS_ORIGINS: `https://ok.example.com, ${origin}` });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^CORS_ORIGINS: /);
    expect(problems[0]).toMatch(reason);
  });

  it('accepts origins as browsers send them, and reports every bad one at once', () => {
    expect(problemsOf({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173,http://127.0.0.1:8080' })).toEqual([]);
    expect(problemsOf({ CORS_ORIGINS: '*,https://a.example.com/' })).toHaveLength(2);
  });
});

describe('the development warning for a page on another site', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: 'http://localhost:5173,http://127.0.0.1:5173,http://app.example.com,https://app.example.com' } });
  });
  afterAll(() => t.close());

  const warnings = () => t.logger.lines.filter((line) => line.startsWith('warn [cookie]'));
  /** node:http, because fetch will not send a Host header of the caller's choosing. */
  const fromOrigin = (origin: string, host: string, headers: Record<string, string> = {}) =>
    new Promise<IncomingHttpHeaders>((resolve, reject) => {
      const body = JSON.stringify({ query: '{ me { id } }' });
      const req = request(t.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', origin, host, ...headers } }, (res) => {
        res.resume().on('end', () => resolve(res.headers));
      });
      req.on('error', reject);
      req.end(body);
    });

  it('logs once, naming the origin, the server and the fix, when an allowed origin is another site than the request host', async () => {
    const res = await fromOrigin('http://localhost:5173', `127.0.0.1:${t.url.port}`);
    expect(res['access-control-allow-origin']).toBe('http://localhost:5173');
    await fromOrigin('http://localhost:5173', `127.0.0.1:${t.url.port}`);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain(`http://localhost:5173 is another site than this server (127.0.0.1:${t.url.port})`);
    expect(warnings()[0]).toContain('SameSite=Lax');
    expect(warnings()[0]).toContain('COOKIE_SAME_SITE=none');
  });

  it('stays quiet for same-site origins (other port, other subdomain), unlisted origins and Bearer clients', async () => {
    const before = warnings().length;
    await fromOrigin('http://127.0.0.1:5173', `127.0.0.1:${t.url.port}`);
    await fromOrigin('http://app.example.com', 'auth.example.com');
    await fromOrigin('http://unlisted.example.net', `127.0.0.1:${t.url.port}`);
    await fromOrigin('https://app.example.com', 'auth.other-site.com', { authorization: 'Bearer x.y.z' });
    expect(warnings()).toHaveLength(before);
  });

  it('counts the scheme as part of the site: an https page calling a plain-http API is another site', async () => {
    await fromOrigin('https://app.example.com', 'auth.example.com');
    expect(warnings().at(-1)).toContain('https://app.example.com is another site than this server (auth.example.com)');
  });

  it('stays quiet in production and with COOKIE_SAME_SITE=none', async () => {
    const envs: Record<string, string>[] = [{ NODE_ENV: 'production' }, { COOKIE_SAME_SITE: 'none', COOKIE_SECURE: 'true' }];
    for (const env of envs) {
      const other = await startTestApp({ env: { CORS_ORIGINS: 'http://localhost:5173', ...env } });
      try {
        await other.client({ headers: { origin: 'http://localhost:5173' } }).graphql('{ me { id } }');
        expect(other.logger.lines.filter((line) => line.startsWith('warn [cookie]'))).toEqual([]);
      } finally {
        await other.close();
      }
    }
  }, 240_000); // two servers of its own
});
