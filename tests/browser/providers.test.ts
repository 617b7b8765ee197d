// The identity-provider example page (examples/providers) in Chromium, set up as its header tells
// a developer to: the page on http://localhost:<port>/providers/, the API on another port of
// localhost (PUBLIC_URL; one site with the page, so its Lax cookies work), the provider on
// 127.0.0.1 (another site). A click on "Sign in with Corp SSO" goes page → provider → the API's
// callback → page, which then shows the user; the session cookie is HttpOnly. With two-factor on,
// the page lands with SECOND_FACTOR_REQUIRED, asks for the code and finishes the sign-in; a user
// who cancels at the provider sees the code and reason.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildExamples } from '../../examples/build.ts';
import { createStaticServer } from '../../examples/serve.ts';
import { freePort } from '../support/free-port.ts';
import { type OidcAccount, type OidcTestProvider, startOidcProvider } from '../support/identity-providers/index.ts';
import { uniqueEmail } from '../support/operations.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import type { TestClient } from '../support/test-client.ts';
import { type Authenticator, turnOnTwoFactor } from '../support/two-factor.ts';
import { useChromium } from './support/browser-test.ts';

let dist: string;
let pages: Server;
let op: OidcTestProvider;
let t: TestApp;
/** http://localhost:<port>, the page's origin (PROVIDER_RETURN_URLS, CORS_ORIGINS). */
let pageOrigin: string;
/** http://localhost:<port>, the API as browsers reach it (PUBLIC_URL); it listens on 127.0.0.1. */
let api: string;
/** The example page, told where the API is. */
let pageUrl: string;

const listen = (server: Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'auth-api-provider-page-'));
  await buildExamples(dist);
  pages = createStaticServer(dist);
  pageOrigin = `http://localhost:${await listen(pages)}`;
  // PUBLIC_URL names the port before the API runs: the provider must know the redirect URI first.
  const apiPort = await freePort();
  api = `http://localhost:${apiPort}`;
  op = await startOidcProvider({ clients: [{ client_id: 'api', client_secret: 'api-secret', redirect_uris: [`${api}/auth/callback/corp`] }] });
  t = await startTestApp({
    port: apiPort,
    env: {
      PUBLIC_URL: api,
      PROVIDER_RETURN_URLS: `${pageOrigin}/providers/`,
      CORS_ORIGINS: pageOrigin,
      OIDC_PROVIDERS: 'corp',
      OIDC_CORP_ISSUER: op.serverUrl,
      OIDC_CORP_CLIENT_ID: 'api',
      OIDC_CORP_CLIENT_SECRET: 'api-secret',
      OIDC_CORP_NAME: 'Corp SSO',
    },
  });
  pageUrl = `${pageOrigin}/providers/?api=${encodeURIComponent(`${api}/graphql`)}`;
}, 120_000);
afterAll(async () => {
  await t?.close();
  await op?.close();
  await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()));
  if (dist) await rm(dist, { recursive: true, force: true });
});
const chromium = useChromium();

let page: Page;
beforeEach(async () => {
  ({ page } = chromium());
  // Each test is a browser that has never signed in (the provider's own cookies included).
  await page.context().clearCookies();
  await page.goto(pageUrl);
  await page.locator('#user[data-signed-in="false"]').waitFor();
});

const account = (): OidcAccount => ({ sub: `sub-${randomBytes(6).toString('hex')}`, email: uniqueEmail('browser-corp'), email_verified: true, name: 'Grace Hopper' });

const signInButton = () => page.getByRole('button', { name: 'Sign in with Corp SSO' });
const userLine = () => page.locator('#user').innerText();
const status = () => page.locator('#status').innerText();

/**
 * Clicks "Sign in with Corp SSO" with `who` as the provider's next sign-in, and waits until the
 * page the browser comes back to has loaded the user. The main frame's navigation requests, in
 * order: the provider's pages are redirects only, so the page is the one document that commits.
 */
async function signInThroughProvider(who: OidcAccount | null): Promise<URL[]> {
  if (who) op.signInNext(who);
  else op.failNextAuthorization('access_denied', 'the user cancelled');
  const hops: URL[] = [];
  const onRequest = (request: Request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) hops.push(new URL(request.url()));
  };
  page.on('request', onRequest);
  try {
    const back = page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() });
    await signInButton().click();
    await back;
    await page.locator('#user[data-signed-in]').waitFor();
  } finally {
    page.off('request', onRequest);
  }
  return hops;
}

/** A query from the page's own origin with its cookies, as its scripts send them. */
function fromPage<Data>(query: string): Promise<{ data?: Data | null; errors?: { extensions?: { code?: string } }[] }> {
  return page.evaluate(
    async ({ url, query }) => {
      const response = await fetch(url, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      return response.json();
    },
    { url: `${api}/graphql`, query },
  );
}

/** A Node client holding the browser's session (its cookie, copied): what the user does elsewhere in the app. */
async function nodeClientWithBrowserSession(): Promise<TestClient> {
  const session = (await page.context().cookies(api)).find((c) => c.name === t.config.cookie.name);
  expect(session).toBeDefined();
  const client = t.client();
  await client.jar.setCookie(`${session!.name}=${session!.value}`, t.graphqlUrl.href);
  return client;
}

/** A six-digit code the authenticator does not show around now (so it is wrong whatever the clock). */
function wrongCode(authenticator: Authenticator): string {
  const near = new Set([-1, 0, 1, 2].map((steps) => authenticator.code(steps)));
  return ['000000', '111111', '222222', '333333', '444444'].find((code) => !near.has(code))!;
}

describe('the identity-provider example page in Chromium', () => {
  it('signs a new user up through the provider: page → provider → callback → page, signed in with an HttpOnly cookie, and the dashboard opens', async () => {
    const who = account();
    expect(await userLine()).toBe('Not signed in.');
    const hops = await signInThroughProvider(who);

    // The trip: the provider (127.0.0.1), then the API's callback on PUBLIC_URL, then back here.
    expect(hops[0]?.origin).toBe(op.url);
    expect(hops.at(-2)?.href).toMatch(new RegExp(`^${api}/auth/callback/corp\\?`));
    expect(hops.at(-1)?.href).toBe(pageUrl);
    expect(page.url()).toBe(pageUrl);

    expect(await userLine()).toBe(`Signed in as Grace Hopper (${who.email}), without a password.`);
    expect(await status()).toBe('');
    expect(await page.locator('#providers').isHidden()).toBe(true);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);

    // The callback set the session cookie itself: HttpOnly, Lax, out of the page's scripts' reach
    // (the flow cookie too).
    const cookies = await page.context().cookies(api);
    expect(cookies.find((c) => c.name === t.config.cookie.name)).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(cookies.every((c) => c.httpOnly)).toBe(true);
    expect(await page.evaluate(() => document.cookie)).toBe('');

    const dashboard = await fromPage<{ dashboard: { message: string } }>('query { dashboard { message } }');
    expect(dashboard.errors).toBeUndefined();
    expect(dashboard.data?.dashboard.message).toBe('Welcome, Grace Hopper!');
  });

  it('with two-factor on, lands with SECOND_FACTOR_REQUIRED, asks for the code, refuses a wrong one and signs in with the right one', async () => {
    const who = account();
    await signInThroughProvider(who);
    expect(await page.locator('#user').getAttribute('data-signed-in')).toBe('true');
    // The user turns two-factor on (from this session, elsewhere in the app), then signs out here.
    // No password to send: for an account without one, the fresh session is the proof.
    const { authenticator } = await turnOnTwoFactor(await nodeClientWithBrowserSession(), undefined);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(status).toBe('logout successful!');
    expect(await userLine()).toBe('Not signed in.');

    await signInThroughProvider(who);
    const form = page.locator('#second-factor');
    expect(await form.isVisible()).toBe(true);
    expect(await page.locator('#status').getAttribute('data-error-code')).toBe('SECOND_FACTOR_REQUIRED');
    expect(await userLine()).toBe('Not signed in.');
    // The one-time code is off the address bar (no reload or shared link carries it).
    expect(page.url()).toBe(pageUrl);

    const code = form.getByLabel('Two-factor code');
    await code.fill(wrongCode(authenticator));
    await form.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.locator('#status').getAttribute('data-error-code')).toBe('INVALID_CODE');
    // A wrong code leaves the flow waiting: the form stays.
    expect(await form.isVisible()).toBe(true);

    await code.fill(authenticator.code(1));
    await form.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(status).toBe('login successful!');
    expect(await form.isHidden()).toBe(true);
    await expect.poll(userLine).toBe(`Signed in as Grace Hopper (${who.email}), without a password.`);
    expect((await page.context().cookies(api)).find((c) => c.name === t.config.cookie.name)).toMatchObject({ httpOnly: true });
    expect((await fromPage<{ dashboard: { message: string } }>('query { dashboard { message } }')).data?.dashboard.message).toBe('Welcome, Grace Hopper!');
  });

  it('shows the code and reason when the user cancels at the provider, and stays signed out', async () => {
    await signInThroughProvider(null);
    expect(await page.locator('#status').getAttribute('data-error-code')).toBe('PROVIDER_ERROR');
    expect(await page.locator('#status').getAttribute('data-reason')).toBe('ACCESS_DENIED');
    expect(await status()).toBe('The provider did not sign you in (PROVIDER_ERROR, ACCESS_DENIED)');
    expect(await userLine()).toBe('Not signed in.');
    expect(page.url()).toBe(pageUrl);
    expect(await signInButton().isEnabled()).toBe(true);
    expect((await page.context().cookies(api)).find((c) => c.name === t.config.cookie.name)).toBeUndefined();
  });
});
