// Passkeys in a real browser: Chromium's virtual authenticator (DevTools protocol) makes a passkey
// for a signed-in user, signs in with it alone (usernameless), and serves as the second factor
// after the password; a wrong password is refused before any passkey is asked for.
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TypedDocumentString } from '../support/graphql/graphql.ts';
import {
  DASHBOARD,
  FINISH_PASSKEY_REGISTRATION,
  FINISH_PASSKEY_SIGN_IN,
  GOOD_PASSWORD,
  LOGOUT,
  PASSKEYS,
  SIGN_UP,
  START_PASSKEY_REGISTRATION,
  START_PASSKEY_SIGN_IN,
  uniqueEmail,
} from '../support/operations.ts';
import type { GraphqlError } from '../support/test-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { useChromium } from './support/browser-test.ts';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);
const endToEnd = (headers: IncomingHttpHeaders): IncomingHttpHeaders =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));

/**
 * The test page, and the API under /graphql of the same origin (a reverse proxy, Host kept): the
 * page must be on localhost, where Chromium allows WebAuthn, and the API listens on 127.0.0.1,
 * another site, whose Lax session cookie the browser would neither keep nor send.
 */
function createPageServer(api: () => URL): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><meta charset="utf-8"><title>Passkeys</title>');
      return;
    }
    if (path !== '/graphql') {
      res.writeHead(404).end();
      return;
    }
    // A connection per request (agent: false): none is left open to hold up the API's shutdown.
    const upstream = request(new URL(req.url ?? '/graphql', api()), { method: req.method, headers: endToEnd(req.headers), agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
      answer.pipe(res);
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(upstream);
  });
}

interface Answer<Data> {
  data?: Data | null;
  errors?: GraphqlError[];
}

/** Sends one of the tests' operations from the page with fetch, as a page's own script would. */
function gql<Result, Variables>(page: Page, document: TypedDocumentString<Result, Variables>, variables?: Variables): Promise<Answer<Result>> {
  return page.evaluate(
    async ({ query, variables }) => {
      const response = await fetch('/graphql', {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as Answer<Result>;
    },
    { query: document.toString(), variables },
  );
}

/** navigator.credentials.create() with the API's options; credential.toJSON() of the new passkey. */
function createCredential(page: Page, options: unknown): Promise<unknown> {
  return page.evaluate(async (options) => {
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options as PublicKeyCredentialCreationOptionsJSON);
    const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential;
    return credential.toJSON() as unknown;
  }, options);
}

/** navigator.credentials.get() with the API's options; credential.toJSON() of the assertion. */
function getCredential(page: Page, options: unknown): Promise<unknown> {
  return page.evaluate(async (options) => {
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options as PublicKeyCredentialRequestOptionsJSON);
    const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential;
    return credential.toJSON() as unknown;
  }, options);
}

let pages: Server;
let origin: string;
let t: TestApp;
beforeAll(async () => {
  // The API's address is known only once it runs, and it needs the page's origin first.
  pages = createPageServer(() => t.graphqlUrl);
  const port = await new Promise<number>((resolve) => pages.listen(0, '127.0.0.1', () => resolve((pages.address() as AddressInfo).port)));
  origin = `http://localhost:${port}`;
  t = await startTestApp({ env: { PASSKEY_RP_ID: 'localhost', PASSKEY_ORIGINS: origin, CORS_ORIGINS: origin } });
}, 120_000);
afterAll(async () => {
  await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()));
  await t?.close();
});
const chromium = useChromium();

/** The user's device: a platform authenticator that keeps passkeys and verifies the user, with no prompt. */
let device: { cdp: CDPSession; authenticatorId: string } | undefined;
let page: Page;
beforeEach(async () => {
  ({ page } = chromium());
  await page.context().clearCookies();
  await page.goto(`${origin}/`);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  device = { cdp, authenticatorId };
});
afterEach(async () => {
  if (!device) return;
  await device.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: device.authenticatorId });
  await device.cdp.detach();
  device = undefined;
});

/** Signs up from the page and adds a passkey on the device; the new account's email. */
async function signUpWithPasskey(username: string): Promise<string> {
  const email = uniqueEmail(`browser-passkey-${username.toLowerCase()}`);
  const signUp = await gql(page, SIGN_UP, { input: { username, email, password: GOOD_PASSWORD } });
  expect(signUp.errors).toBeUndefined();
  expect(signUp.data?.signUp.message).toBe('user created!');

  const start = await gql(page, START_PASSKEY_REGISTRATION, { input: { password: GOOD_PASSWORD } });
  expect(start.errors).toBeUndefined();
  const { challengeId, options } = start.data!.startPasskeyRegistration;
  const response = await createCredential(page, options);
  const finish = await gql(page, FINISH_PASSKEY_REGISTRATION, { input: { challengeId, response, name: 'This browser' } });
  expect(finish.errors).toBeUndefined();
  expect(finish.data?.finishPasskeyRegistration).toMatchObject({ message: 'passkey added!', passkey: { name: 'This browser' } });

  // The device keeps it as a discoverable passkey for this site, the one the API stored.
  const { credentials } = await device!.cdp.send('WebAuthn.getCredentials', { authenticatorId: device!.authenticatorId });
  expect(credentials.map((c) => ({ id: Buffer.from(c.credentialId, 'base64').toString('base64url'), rpId: c.rpId, resident: c.isResidentCredential }))).toEqual([
    { id: finish.data?.finishPasskeyRegistration.passkey.credentialId, rpId: 'localhost', resident: true },
  ]);
  return email;
}

/** Logs out from the page; the dashboard is then refused, so a later success is the passkey's doing. */
async function logOut(): Promise<void> {
  expect((await gql(page, LOGOUT)).data?.logout.message).toBe('logout successful!');
  expect((await gql(page, DASHBOARD)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
}

describe('passkeys in Chromium, with a virtual platform authenticator', () => {
  it('adds a passkey for a signed-in user, then signs in with it alone, typing no email: the dashboard opens with an HttpOnly cookie', async () => {
    const email = await signUpWithPasskey('Pat');
    await logOut();

    const start = await gql(page, START_PASSKEY_SIGN_IN);
    expect(start.errors).toBeUndefined();
    const { challengeId, options } = start.data!.startPasskeySignIn;
    const response = await getCredential(page, options);
    const finish = await gql(page, FINISH_PASSKEY_SIGN_IN, { input: { challengeId, response } });
    expect(finish.errors).toBeUndefined();
    expect(finish.data?.finishPasskeySignIn).toMatchObject({ message: 'login successful!', user: { email } });

    const dashboard = await gql(page, DASHBOARD);
    expect(dashboard.errors).toBeUndefined();
    expect(dashboard.data?.dashboard.message).toBe('Welcome, Pat!');
    const cookie = (await page.context().cookies(origin)).find((c) => c.name === t.config.cookie.name);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(await page.evaluate(() => document.cookie)).toBe('');
    // The passkeys list shows it was just used.
    const passkeys = await gql(page, PASSKEYS);
    expect(passkeys.data?.passkeys).toEqual([expect.objectContaining({ name: 'This browser', lastUsedAt: expect.any(String) })]);
  });

  it('signs in with the password and then the passkey as the second factor', async () => {
    const email = await signUpWithPasskey('Sam');
    await logOut();

    const start = await gql(page, START_PASSKEY_SIGN_IN, { input: { email, password: GOOD_PASSWORD } });
    expect(start.errors).toBeUndefined();
    const { challengeId, options } = start.data!.startPasskeySignIn;
    const response = await getCredential(page, options);
    const finish = await gql(page, FINISH_PASSKEY_SIGN_IN, { input: { challengeId, response } });
    expect(finish.errors).toBeUndefined();
    expect(finish.data?.finishPasskeySignIn).toMatchObject({ message: 'login successful!', user: { email } });
    expect((await gql(page, DASHBOARD)).data?.dashboard.message).toBe('Welcome, Sam!');
  });

  it('refuses a wrong password before asking for the passkey: INVALID_CREDENTIALS, still signed out', async () => {
    const email = await signUpWithPasskey('Kim');
    await logOut();

    const start = await gql(page, START_PASSKEY_SIGN_IN, { input: { email, password: 'not-the-password-at-all' } });
    expect(start.data).toBeNull();
    expect(start.errors?.map((e) => e.extensions?.code)).toEqual(['INVALID_CREDENTIALS']);
    expect((await gql(page, DASHBOARD)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
