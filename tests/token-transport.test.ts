// The non-cookie transport: X-Session-Transport: header on signIn/signUp hands the token over in
// X-Session-Token instead of a cookie; Bearer requests get their refreshed token there; CORS lets
// allowed pages read it; BEARER_TOKENS=off turns all of it off.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD, GOOD_PASSWORD, LOGOUT, ME, SIGN_IN, SIGN_UP, uniqueEmail } from './support/operations.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

const HEADER_DELIVERY = { 'x-session-transport': 'header' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { CORS_ORIGINS: 'http://127.0.0.1:5173' } });
});
afterAll(() => t.close());

async function signUpForToken(app: TestApp = t) {
  const email = uniqueEmail('bearer');
  const res = await app.client().graphql(SIGN_UP, { input: { username: 'Bearer', email, password: GOOD_PASSWORD } }, HEADER_DELIVERY);
  return { email, res, token: res.headers.get('x-session-token') };
}

describe('header delivery', () => {
  it('signUp and signIn that ask for it answer the token in X-Session-Token and set no cookie', async () => {
    const { email, res, token } = await signUpForToken();
    expect(res.data?.signUp.message).toBe('user created!');
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get('cache-control')).toBe('no-store');

    const signIn = await t.client().graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } }, HEADER_DELIVERY);
    expect(signIn.data?.signIn.message).toBe('login successful!');
    expect(signIn.headers.get('x-session-token')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(signIn.headers.get('x-session-token')).not.toBe(token);
    expect(signIn.headers.getSetCookie()).toEqual([]);
  });

  it('a Bearer request gets its refreshed token in X-Session-Token, never a cookie, and the new token works', async () => {
    const { token } = await signUpForToken();
    const client = t.client();
    const dashboard = await client.graphql(DASHBOARD, undefined, bearer(token!));
    expect(dashboard.data?.dashboard.message).toBe('Welcome, Bearer!');
    const refreshed = dashboard.headers.get('x-session-token');
    expect(refreshed).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(dashboard.headers.getSetCookie()).toEqual([]);
    expect((await client.graphql(ME, undefined, bearer(refreshed!))).data?.me?.username).toBe('Bearer');
  });

  it('keeps an active Bearer client signed in past the idle timeout when it uses each refreshed token', async () => {
    const short = await startTestApp({ env: { SESSION_IDLE_SECONDS: '6' } });
    try {
      const { token: first } = await signUpForToken(short);
      let latest = first!;
      const client = short.client();
      // Active until the first token has expired: every request must have been answered.
      while ((await client.graphql(ME, undefined, bearer(first!))).data?.me) {
        const res = await client.graphql(DASHBOARD, undefined, bearer(latest));
        expect(res.errors).toBeUndefined();
        latest = res.headers.get('x-session-token')!;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect((await client.graphql(DASHBOARD, undefined, bearer(latest))).data?.dashboard.message).toBe('Welcome, Bearer!');
    } finally {
      await short.close();
    }
  });

  it('never turns a cookie into a header token: a cookie request asking for header delivery is refreshed by cookie only', async () => {
    const browser = t.client();
    await browser.graphql(SIGN_UP, { input: { username: 'Cookie', email: uniqueEmail('cookie'), password: GOOD_PASSWORD } });
    const res = await browser.graphql(DASHBOARD, undefined, HEADER_DELIVERY);
    expect(res.data?.dashboard.message).toBe('Welcome, Cookie!');
    expect(res.headers.get('x-session-token')).toBeNull();
    expect(res.setCookie?.value).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('a script signing in with header delivery from a jar that holds a cookie leaves the cookie session alive', async () => {
    const browser = t.client();
    const email = uniqueEmail('both');
    await browser.graphql(SIGN_UP, { input: { username: 'Both', email, password: GOOD_PASSWORD } });
    const script = await browser.graphql(SIGN_IN, { input: { email, password: GOOD_PASSWORD } }, HEADER_DELIVERY);
    expect(script.headers.get('x-session-token')).toBeTruthy();
    expect((await browser.graphql(DASHBOARD)).data?.dashboard.message).toBe('Welcome, Both!');
  });

  it('logout with a Bearer token ends the session: the token is refused afterwards', async () => {
    const { token } = await signUpForToken();
    const client = t.client();
    const logout = await client.graphql(LOGOUT, undefined, bearer(token!));
    expect(logout.data?.logout.message).toBe('logout successful!');
    expect(logout.headers.get('x-session-token')).toBeNull();
    expect((await client.graphql(DASHBOARD, undefined, bearer(token!))).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('CORS', () => {
  it('lets an allowed origin send the headers and read X-Session-Token', async () => {
    const preflight = await fetch(t.graphqlUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://127.0.0.1:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-session-transport',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-session-transport');
    const { res } = await (async () => {
      const email = uniqueEmail('cors');
      const client = t.client({ headers: { origin: 'http://127.0.0.1:5173' } });
      return { res: await client.graphql(SIGN_UP, { input: { username: 'Cors', email, password: GOOD_PASSWORD } }, HEADER_DELIVERY) };
    })();
    expect(res.headers.get('access-control-expose-headers')?.split(/,\s*/)).toContain('X-Session-Token');
  });
});

describe('BEARER_TOKENS=off', () => {
  it('ignores Authorization and header delivery: cookies only, and no header exposed', async () => {
    const off = await startTestApp({ env: { BEARER_TOKENS: 'off', CORS_ORIGINS: 'http://127.0.0.1:5173' } });
    try {
      const client = off.client({ headers: { origin: 'http://127.0.0.1:5173' } });
      const res = await client.graphql(SIGN_UP, { input: { username: 'Off', email: uniqueEmail('off'), password: GOOD_PASSWORD } }, HEADER_DELIVERY);
      expect(res.headers.get('x-session-token')).toBeNull();
      expect(res.setCookie?.value).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(res.headers.get('access-control-expose-headers') ?? '').not.toMatch(/X-Session-Token/i);
      // A token the server itself issued, presented as Bearer, is not accepted.
      const token = res.setCookie?.value ?? '';
      expect((await off.client().graphql(DASHBOARD, undefined, bearer(token))).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await off.close();
    }
  });
});

describe('the Node example in docs/api.md', () => {
  it('is examples/node/session-client.mjs verbatim, and runs: sign up, dashboard, logout, then UNAUTHENTICATED', async () => {
    const source = await readFile(new URL('../examples/node/session-client.mjs', import.meta.url), 'utf8');
    const docs = await readFile(new URL('../docs/api.md', import.meta.url), 'utf8');
    expect(docs).toContain(source.trim());
    const { stdout } = await promisify(execFile)(process.execPath, ['examples/node/session-client.mjs'], {
      env: { ...process.env, API_URL: t.graphqlUrl.href, EMAIL: uniqueEmail('node') },
    });
    expect(stdout.trim().split('\n')).toEqual(['user created!', 'Welcome, Node!', 'logout successful!', expect.stringMatching(/^UNAUTHENTICATED: /)]);
  });
});
