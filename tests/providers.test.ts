// Sign-in with an identity provider, against a real OpenID Provider on loopback (oidc-provider):
// browser mode (the flow cookie, the session set by the callback, the 303 to the return URL),
// handoff mode (the app's PKCE and a one-time code), sign-up with a verified email and no password,
// linking by verified email, the takeover and login-CSRF refusals, replays, two-factor after a
// provider sign-in, and tampered ID Tokens.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, signUpNewUser } from './support/accounts.ts';
import { freePort } from './support/free-port.ts';
import { followRedirects, type OidcAccount, type OidcTestProvider, startOidcProvider } from './support/identity-providers/index.ts';
import { DASHBOARD, GOOD_PASSWORD, SIGN_IN_WITH_TWO_FACTOR, uniqueEmail, VERIFY_EMAIL } from './support/operations.ts';
import { MAIL, codeIn } from './support/smtp-sink.ts';
import { startAppWithMailbox, startSecondInstance, type TestAppWithMailbox } from './support/test-app.ts';
import type { TestClient } from './support/test-client.ts';
import { turnOnTwoFactor } from './support/two-factor.ts';
import { createSecretBox } from '../src/services/security/secret-box.ts';
import { reencryptSecrets } from '../src/services/security/reencrypt-secrets.ts';
import { TEST_ENCRYPTION_KEY } from './support/test-app.ts';

const IDENTITY_PROVIDERS = `query { identityProviders { id name } }`;
const START = `mutation($input: StartProviderSignInInput!) { startProviderSignIn(input: $input) { authorizationUrl state expiresAt } }`;
const FINISH = `mutation($input: FinishProviderSignInInput!) { finishProviderSignIn(input: $input) { message user { id email hasPassword emailVerified } } }`;
const ME = `query { me { id email username hasPassword emailVerified } }`;
const EVENTS = `query { securityEvents(limit: 20) { kind provider } }`;
const START_LINK = `mutation($input: StartProviderLinkInput!) { startProviderLink(input: $input) { authorizationUrl state } }`;
const FINISH_LINK = `mutation($input: FinishProviderLinkInput!) { finishProviderLink(input: $input) { message identity { id provider { id name } email } } }`;
const LINKED = `query { linkedIdentities { id provider { id name } email createdAt lastUsedAt } }`;
const UNLINK = `mutation($input: UnlinkIdentityInput!) { unlinkIdentity(input: $input) { message } }`;
const SESSIONS = `query { sessions { id current provider } }`;
const CHANGE_PASSWORD_MUTATION = `mutation($input: ChangePasswordInput!) { changePassword(input: $input) { message } }`;

const APP = 'https://app.example.com/signed-in';
const NATIVE = 'http://127.0.0.1/oauth';

let op: OidcTestProvider;
let t: TestAppWithMailbox;
let product: string;

beforeAll(async () => {
  const port = await freePort();
  product = `http://127.0.0.1:${port}`;
  op = await startOidcProvider({ profile: 'generic', clients: [{ client_id: 'api', client_secret: 'api-secret', redirect_uris: [`${product}/auth/callback/corp`] }] });
  t = await startAppWithMailbox(
    {
      PUBLIC_URL: product,
      PROVIDER_RETURN_URLS: `${APP},${NATIVE}`,
      OIDC_PROVIDERS: 'corp',
      OIDC_CORP_ISSUER: op.serverUrl,
      OIDC_CORP_CLIENT_ID: 'api',
      OIDC_CORP_CLIENT_SECRET: 'api-secret',
      OIDC_CORP_NAME: 'Corp SSO',
    },
    {},
    { port },
  );
});
afterAll(async () => {
  await t?.close();
  await op?.close();
});

const account = (overrides: Partial<OidcAccount> = {}): OidcAccount => ({
  sub: `sub-${randomBytes(6).toString('hex')}`,
  email: uniqueEmail('corp'),
  email_verified: true,
  name: 'Grace Hopper',
  ...overrides,
});

/** The browser's trip through the provider: the callback URL it is sent back to. */
async function throughProvider(authorizationUrl: string, who: OidcAccount): Promise<URL> {
  op.signInNext(who);
  const navigation = await followRedirects(authorizationUrl, { stopAt: `${product}/auth/callback/` });
  if (navigation.kind !== 'redirect') throw new Error(`the provider did not send the browser back: ${navigation.kind}`);
  return navigation.location;
}

/** GET of the callback URL by `client`'s browser (its cookies), keeping what the answer sets. */
async function callback(client: TestClient | null, url: URL): Promise<{ status: number; location: URL; headers: Headers }> {
  const cookie = client ? await client.jar.getCookieString(url.href) : '';
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  if (client) for (const header of res.headers.getSetCookie()) await client.jar.setCookie(header, url.href);
  return { status: res.status, location: new URL(res.headers.get('location')!), headers: res.headers };
}

async function startBrowser(client: TestClient, returnTo?: string) {
  const res = await client.graphql(START, { input: { provider: 'corp', ...(returnTo ? { returnTo } : {}) } });
  expect(res.errors).toBeUndefined();
  return res.data!.startProviderSignIn as { authorizationUrl: string; state: string };
}

/** A whole browser-mode sign-in for `who`; the callback's answer. */
async function browserSignIn(client: TestClient, who: OidcAccount) {
  const { authorizationUrl } = await startBrowser(client);
  return callback(client, await throughProvider(authorizationUrl, who));
}

describe('identityProviders', () => {
  it('lists the enabled providers for the buttons, without a session', async () => {
    expect((await t.client().graphql(IDENTITY_PROVIDERS)).data?.identityProviders).toEqual([{ id: 'corp', name: 'Corp SSO' }]);
  });
});

describe('browser mode', () => {
  it('signs a new user up through the provider: verified email, no password, session cookie set by the callback, 303 to the return URL', async () => {
    const browser = t.client();
    const who = account();
    const res = await browserSignIn(browser, who);
    expect(res.status).toBe(303);
    expect(res.location.href).toBe(APP);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const me = (await browser.graphql(ME)).data?.me;
    expect(me).toMatchObject({ email: who.email, username: 'Grace Hopper', hasPassword: false, emailVerified: true });
    expect((await browser.graphql(DASHBOARD)).errors).toBeUndefined();
    expect((await browser.graphql(EVENTS)).data?.securityEvents).toContainEqual({ kind: 'SIGN_UP', provider: 'corp' });
    // No verification mail: the provider proved the address.
    await t.app.services.background.drain();
    expect(t.sink.mailsTo(who.email!, MAIL.verificationCode)).toEqual([]);
  });

  it('signs the same identity in again to the same account, whatever email it now asserts', async () => {
    const who = account();
    const first = t.client();
    await browserSignIn(first, who);
    const id = (await first.graphql(ME)).data?.me.id;
    const again = t.client();
    await browserSignIn(again, { ...who, email: uniqueEmail('moved') });
    expect((await again.graphql(ME)).data?.me).toMatchObject({ id, email: who.email });
    expect((await again.graphql(EVENTS)).data?.securityEvents[0]).toEqual({ kind: 'SIGN_IN', provider: 'corp' });
  });

  it('refuses a callback without the flow cookie of the browser that started it (login CSRF), and starts no session', async () => {
    const victim = t.client();
    const attacker = t.client();
    const { authorizationUrl } = await startBrowser(attacker);
    // The attacker's own sign-in, its callback URL planted in the victim's browser.
    const planted = await callback(victim, await throughProvider(authorizationUrl, account()));
    expect(planted.status).toBe(303);
    expect(Object.fromEntries(planted.location.searchParams)).toMatchObject({ error: 'INVALID_STATE' });
    expect((await victim.graphql(ME)).data?.me).toBeNull();
  });

  it('uses a state once: a replayed callback is INVALID_STATE', async () => {
    const browser = t.client();
    const { authorizationUrl } = await startBrowser(browser);
    const url = await throughProvider(authorizationUrl, account());
    expect((await callback(browser, url)).location.href).toBe(APP);
    const replay = await callback(browser, url);
    expect(replay.location.searchParams.get('error')).toBe('INVALID_STATE');
  });

  it('refuses a return URL not listed, at start', async () => {
    for (const returnTo of ['https://evil.example/', 'https://app.example.com.evil.example/signed-in', 'https://app.example.com/signed-in#x']) {
      const res = await t.client().graphql(START, { input: { provider: 'corp', returnTo } });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'returnTo' });
    }
    const unknown = await t.client().graphql(START, { input: { provider: 'nope' } });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'provider' });
  });

  it('answers a tampered ID Token with PROVIDER_ERROR INVALID_RESPONSE and no session', async () => {
    const browser = t.client();
    const { authorizationUrl } = await startBrowser(browser);
    const url = await throughProvider(authorizationUrl, account());
    op.tamperNextIdToken('foreign-key');
    const res = await callback(browser, url);
    expect(Object.fromEntries(res.location.searchParams)).toMatchObject({ error: 'PROVIDER_ERROR', reason: 'INVALID_RESPONSE' });
    expect((await browser.graphql(ME)).data?.me).toBeNull();
  });
});

describe('which account', () => {
  it('links an existing account by email only when both sides have it verified, and mails a notice', async () => {
    const existing = await signUpNewUser(t);
    // The provider's email is not verified: a takeover attempt.
    const refused = await browserSignIn(t.client(), account({ email: existing.email, email_verified: false }));
    expect(Object.fromEntries(refused.location.searchParams)).toMatchObject({ error: 'EMAIL_TAKEN', reason: 'PROVIDER_EMAIL_NOT_VERIFIED' });
    // The account's email is not verified either.
    const unverifiedAccount = await browserSignIn(t.client(), account({ email: existing.email }));
    expect(unverifiedAccount.location.searchParams.get('reason')).toBe('ACCOUNT_EMAIL_NOT_VERIFIED');
    expect((await existing.client.graphql(EVENTS)).data?.securityEvents.filter((e: { kind: string }) => e.kind === 'SIGN_IN_FAILED')).toHaveLength(2);

    const code = codeIn(await t.sink.waitForMail(existing.email, 1, MAIL.verificationCode));
    expect((await existing.client.graphql(VERIFY_EMAIL, { input: { code } })).errors).toBeUndefined();
    const browser = t.client();
    const linked = await browserSignIn(browser, account({ email: existing.email }));
    expect(linked.location.href).toBe(APP);
    expect((await browser.graphql(ME)).data?.me).toMatchObject({ id: existing.userId, hasPassword: true });
    const notice = await t.sink.waitForMail(existing.email, 1, /linked/i);
    expect(notice.subject).toMatch(/Corp SSO/);
    expect(notice.subject).not.toMatch(/two-factor/i);
    expect((await browser.graphql(EVENTS)).data?.securityEvents.slice(0, 2)).toEqual([
      { kind: 'SIGN_IN', provider: 'corp' },
      { kind: 'IDENTITY_LINKED', provider: 'corp' },
    ]);
  });

  it('asks the second factor after a provider sign-in: the callback hands the page a code, the finish takes it with the cookie', async () => {
    const browser = t.client();
    const who = account();
    await browserSignIn(browser, who);
    const { authenticator } = await turnOnTwoFactor(browser, undefined);

    const again = t.client();
    const asked = await browserSignIn(again, who);
    const params = Object.fromEntries(asked.location.searchParams);
    expect(params).toMatchObject({ error: 'SECOND_FACTOR_REQUIRED', state: expect.any(String), code: expect.any(String) });
    expect((await again.graphql(ME)).data?.me).toBeNull();
    const finishWith = (client: TestClient, code?: string) =>
      client.graphql(FINISH, { input: { state: params.state, authorizationCode: params.code, ...(code ? { code } : {}) } });
    // A wrong code leaves the flow waiting, as signIn leaves the password step done.
    const wrong = await finishWith(again, '000000');
    expect(errorCode(wrong)).toBe('INVALID_CODE');
    const done = await finishWith(again, authenticator.code(1));
    expect(done.errors).toBeUndefined();
    expect(done.data?.finishProviderSignIn.message).toBe('login successful!');
    expect((await again.graphql(DASHBOARD)).errors).toBeUndefined();
    const plainSignIn = await t.client().graphql(SIGN_IN_WITH_TWO_FACTOR, { input: { email: who.email!, password: GOOD_PASSWORD } });
    expect(errorCode(plainSignIn)).toBe('INVALID_CREDENTIALS');
  });
});

describe('handoff mode', () => {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  async function handoff(client: TestClient, who: OidcAccount) {
    const started = await client.graphql(START, { input: { provider: 'corp', returnTo: `${NATIVE}?app=1`, codeChallenge: challenge } }, { 'x-session-transport': 'header' });
    expect(started.errors).toBeUndefined();
    const res = await callback(null, await throughProvider(started.data!.startProviderSignIn.authorizationUrl, who));
    return res.location;
  }

  it('hands the app a one-time code on its own return URL, and the finish with the verifier signs in without cookies', async () => {
    const app = t.client();
    const back = await handoff(app, account());
    expect(back.origin + back.pathname).toBe(NATIVE);
    expect(back.searchParams.get('app')).toBe('1');
    const res = await app.graphql(
      FINISH,
      { input: { state: back.searchParams.get('state'), authorizationCode: back.searchParams.get('code'), codeVerifier: verifier } },
      { 'x-session-transport': 'header' },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.finishProviderSignIn.message).toBe('user created!');
    const token = res.headers.get('x-session-token');
    expect(token).toBeTruthy();
    expect(res.setCookie).toBeUndefined();
    expect((await t.client().graphql(DASHBOARD, {}, { authorization: `Bearer ${token}` })).errors).toBeUndefined();
  });

  it('refuses a phished handoff URL finished without the verifier, and uses the flow up', async () => {
    const back = await handoff(t.client(), account());
    const input = { state: back.searchParams.get('state'), authorizationCode: back.searchParams.get('code') };
    expect(errorCode(await t.client().graphql(FINISH, { input: { ...input, codeVerifier: randomBytes(32).toString('base64url') } }))).toBe('INVALID_STATE');
    expect(errorCode(await t.client().graphql(FINISH, { input: { ...input, codeVerifier: verifier } }))).toBe('INVALID_STATE');
  });

  it('requires a code challenge from a client without cookies', async () => {
    const res = await t.client().graphql(START, { input: { provider: 'corp', returnTo: NATIVE } }, { 'x-session-transport': 'header' });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'codeChallenge' });
  });
});

describe('linking from a signed-in session', () => {
  it('needs the password (and the code with two-factor on), and refuses a provider linked already', async () => {
    const { client } = await signUpNewUser(t);
    expect(errorCode(await client.graphql(START_LINK, { input: { provider: 'corp', password: 'wrong-password-1' } }))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await t.client().graphql(START_LINK, { input: { provider: 'corp', password: GOOD_PASSWORD } }))).toBe('UNAUTHENTICATED');
    const { authenticator } = await turnOnTwoFactor(client);
    expect(errorCode(await client.graphql(START_LINK, { input: { provider: 'corp', password: GOOD_PASSWORD } }))).toBe('SECOND_FACTOR_REQUIRED');
    const started = await client.graphql(START_LINK, { input: { provider: 'corp', password: GOOD_PASSWORD, code: authenticator.code(1) } });
    expect(started.errors).toBeUndefined();
    expect((await callback(client, await throughProvider(started.data!.startProviderLink.authorizationUrl, account()))).location.href).toBe(APP);
    const again = await client.graphql(START_LINK, { input: { provider: 'corp', password: GOOD_PASSWORD } });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_LINKED' });
  });

  it('links in browser mode: listed, noticed by mail and event, and the identity then signs in to this account', async () => {
    const { client, email, userId } = await signUpNewUser(t);
    const who = account({ email: uniqueEmail('other-address') });
    const started = await client.graphql(START_LINK, { input: { provider: 'corp', password: GOOD_PASSWORD } });
    const res = await callback(client, await throughProvider(started.data!.startProviderLink.authorizationUrl, who));
    expect(res.location.href).toBe(APP);
    expect((await client.graphql(LINKED)).data?.linkedIdentities).toEqual([
      { id: expect.any(String), provider: { id: 'corp', name: 'Corp SSO' }, email: who.email, createdAt: expect.any(String), lastUsedAt: null },
    ]);
    expect((await t.sink.waitForMail(email, 1, /linked/i)).subject).toMatch(/Corp SSO linked/);
    expect((await client.graphql(EVENTS)).data?.securityEvents[0]).toEqual({ kind: 'IDENTITY_LINKED', provider: 'corp' });
    const browser = t.client();
    await browserSignIn(browser, who);
    expect((await browser.graphql(ME)).data?.me.id).toBe(userId);
    expect((await browser.graphql(SESSIONS)).data?.sessions.find((s: { current: boolean }) => s.current)).toMatchObject({ provider: 'corp' });
    // Linking is not a sign-in; this was.
    expect((await browser.graphql(LINKED)).data?.linkedIdentities[0].lastUsedAt).toEqual(expect.any(String));
  });

  it('refuses an identity linked to another account (IDENTITY_IN_USE), and a link whose session has ended', async () => {
    const who = account();
    await browserSignIn(t.client(), who);
    const { client } = await signUpNewUser(t);
    const started = await client.graphql(START_LINK, { input: { provider: 'corp', password: GOOD_PASSWORD } });
    const res = await callback(client, await throughProvider(started.data!.startProviderLink.authorizationUrl, who));
    expect(Object.fromEntries(res.location.searchParams)).toMatchObject({ error: 'CONFLICT', reason: 'IDENTITY_IN_USE' });

    const second = await client.graphql(START_LINK, { input: { provider: 'corp', password: GOOD_PASSWORD } });
    const url = await throughProvider(second.data!.startProviderLink.authorizationUrl, account());
    await client.graphql(`mutation { logout { message } }`);
    expect((await callback(client, url)).location.searchParams.get('error')).toBe('UNAUTHENTICATED');
    expect((await client.graphql(LINKED)).data).toBeNull();
  });

  it('links in handoff mode with finishProviderLink, from the session that started it only', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
    const { client } = await signUpNewUser(t);
    const link = async () => {
      const started = await client.graphql(START_LINK, { input: { provider: 'corp', password: GOOD_PASSWORD, returnTo: NATIVE, codeChallenge } });
      const back = (await callback(null, await throughProvider(started.data!.startProviderLink.authorizationUrl, account()))).location;
      return { state: back.searchParams.get('state'), authorizationCode: back.searchParams.get('code'), codeVerifier: verifier };
    };
    const other = (await signUpNewUser(t)).client;
    expect(errorCode(await other.graphql(FINISH_LINK, { input: await link() }))).toBe('INVALID_STATE');
    const done = await client.graphql(FINISH_LINK, { input: await link() });
    expect(done.errors).toBeUndefined();
    expect(done.data?.finishProviderLink).toMatchObject({ message: 'identity linked!', identity: { provider: { id: 'corp' } } });
  });
});

describe('what a link and a sign-in do besides', () => {
  it("verifies the account's own unverified address when the linked provider proves it, and a different address verifies nothing", async () => {
    const { client, email } = await signUpNewUser(t);
    const link = async (who: OidcAccount) => {
      const started = await client.graphql(START_LINK, { input: { provider: 'corp', password: GOOD_PASSWORD } });
      return callback(client, await throughProvider(started.data!.startProviderLink.authorizationUrl, who));
    };
    await link(account({ email: uniqueEmail('elsewhere') }));
    expect((await client.graphql(ME)).data?.me.emailVerified).toBe(false);
    const [other] = (await client.graphql(LINKED)).data?.linkedIdentities;
    expect((await client.graphql(UNLINK, { input: { id: other.id, password: GOOD_PASSWORD } })).errors).toBeUndefined();
    await link(account({ email }));
    expect((await client.graphql(ME)).data?.me.emailVerified).toBe(true);
    expect((await client.graphql(EVENTS)).data?.securityEvents.slice(0, 2)).toEqual([
      { kind: 'EMAIL_VERIFIED', provider: 'corp' },
      { kind: 'IDENTITY_LINKED', provider: 'corp' },
    ]);
  });

  it('sets the device cookie at the callback, as signIn does, and mails the new-sign-in notice to an existing account', async () => {
    const who = account();
    await browserSignIn(t.client(), who);
    const elsewhere = t.client({ headers: { 'user-agent': 'Other browser/1.0' } });
    const { authorizationUrl } = await startBrowser(elsewhere);
    const url = await throughProvider(authorizationUrl, who);
    const cookie = await elsewhere.jar.getCookieString(url.href);
    const res = await fetch(url, { redirect: 'manual', headers: { cookie, 'user-agent': 'Other browser/1.0' } });
    const set = res.headers.getSetCookie().map((header) => header.split('=')[0]);
    expect(set).toEqual(expect.arrayContaining([elsewhere.cookieName, 'device_token']));
    expect((await t.sink.waitForMail(who.email!, 1, MAIL.newSignIn)).subject).toMatch(/new sign-in/i);
  });
});

describe('more of the flow', () => {
  it('asks the second factor even when the provider says it did multi-factor (amr, acr)', async () => {
    const browser = t.client();
    const who = account();
    await browserSignIn(browser, who);
    await turnOnTwoFactor(browser);
    const again = t.client();
    const { authorizationUrl } = await startBrowser(again);
    const url = await throughProvider(authorizationUrl, who);
    op.tamperNextIdToken({ claims: (payload) => ({ ...payload, amr: ['mfa', 'otp'], acr: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor' }) });
    const res = await callback(again, url);
    expect(res.location.searchParams.get('error')).toBe('SECOND_FACTOR_REQUIRED');
    expect((await again.graphql(ME)).data?.me).toBeNull();
  });

  it('lets two tabs of one browser each sign in: a new start reuses the flow cookie', async () => {
    const browser = t.client();
    const first = await startBrowser(browser);
    const second = await startBrowser(browser);
    const [a, b] = [await throughProvider(second.authorizationUrl, account()), await throughProvider(first.authorizationUrl, account())];
    expect((await callback(browser, a)).location.href).toBe(APP);
    expect((await callback(browser, b)).location.href).toBe(APP);
  });

  it('refuses a malformed code challenge at start', async () => {
    const res = await t.client().graphql(START, { input: { provider: 'corp', returnTo: NATIVE, codeChallenge: 'too-short' } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'codeChallenge' });
  });
});

describe('unlinkIdentity', () => {
  it('never removes the last way in, and otherwise unlinks, ends the other sessions it signed in, and mails a notice', async () => {
    const who = account();
    const browser = t.client();
    await browserSignIn(browser, who);
    const [identity] = (await browser.graphql(LINKED)).data?.linkedIdentities;
    const last = await browser.graphql(UNLINK, { input: { id: identity.id } });
    expect(last.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'LAST_SIGN_IN_METHOD' });
    expect(errorCode(await browser.graphql(UNLINK, { input: { id: '00000000-0000-4000-8000-000000000000' } }))).toBe('NOT_FOUND');

    // A first password makes the identity removable; another session it signed in ends with it.
    expect((await browser.graphql(`mutation($input: ChangePasswordInput!) { changePassword(input: $input) { message } }`, { input: { newPassword: 'quiet-harbor-lantern-77' } })).errors).toBeUndefined();
    const elsewhere = t.client();
    await browserSignIn(elsewhere, who);
    const unlinked = await browser.graphql(UNLINK, { input: { id: identity.id, password: 'quiet-harbor-lantern-77' } });
    expect(unlinked.data?.unlinkIdentity.message).toBe('identity unlinked!');
    expect(errorCode(await elsewhere.graphql(DASHBOARD))).toBe('UNAUTHENTICATED');
    expect((await browser.graphql(DASHBOARD)).errors).toBeUndefined();
    expect((await browser.graphql(LINKED)).data?.linkedIdentities).toEqual([]);
    expect((await t.sink.waitForMail(who.email!, 1, /unlinked/i)).subject).toMatch(/Corp SSO unlinked/);
  });
});

describe('a provider turned off (PROVIDERS_DISABLED)', () => {
  it('is no longer offered or started, its callback is 404 and its pending flows are dead; its identities stay listed and unlinkable', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
    const browser = t.client();
    await browserSignIn(browser, account());
    expect((await browser.graphql(CHANGE_PASSWORD_MUTATION, { input: { newPassword: 'quiet-harbor-lantern-77' } })).errors).toBeUndefined();
    // A flow handed to an app before the provider was turned off.
    const started = await t.client().graphql(START, { input: { provider: 'corp', returnTo: NATIVE, codeChallenge } });
    const back = (await callback(null, await throughProvider(started.data!.startProviderSignIn.authorizationUrl, account()))).location;

    const off = await startSecondInstance(t, { PROVIDERS_DISABLED: 'corp', PUBLIC_URL: product, PROVIDER_RETURN_URLS: `${APP},${NATIVE}`, OIDC_PROVIDERS: 'corp', OIDC_CORP_ISSUER: op.serverUrl, OIDC_CORP_CLIENT_ID: 'api', OIDC_CORP_CLIENT_SECRET: 'api-secret', OIDC_CORP_NAME: 'Corp SSO' });
    try {
      expect((await off.client().graphql(IDENTITY_PROVIDERS)).data?.identityProviders).toEqual([]);
      expect((await off.client().graphql(START, { input: { provider: 'corp' } })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'provider' });
      expect((await fetch(new URL('/auth/callback/corp?state=x&code=y', off.url), { redirect: 'manual' })).status).toBe(404);
      const finish = await off.client().graphql(FINISH, { input: { state: back.searchParams.get('state'), authorizationCode: back.searchParams.get('code'), codeVerifier: verifier } });
      expect(errorCode(finish)).toBe('INVALID_STATE');
      const session = (await browser.jar.getCookies(t.graphqlUrl.href)).find((c) => c.key === browser.cookieName)!.value;
      const same = off.client();
      await same.jar.setCookie(`${same.cookieName}=${session}`, off.graphqlUrl.href);
      const [identity] = (await same.graphql(LINKED)).data?.linkedIdentities;
      expect(identity).toMatchObject({ provider: { id: 'corp', name: 'Corp SSO' } });
      expect((await same.graphql(UNLINK, { input: { id: identity.id, password: 'quiet-harbor-lantern-77' } })).errors).toBeUndefined();
    } finally {
      await off.close();
    }
  });
});

describe('limits', () => {
  it('counts callbacks per client address before looking anything up, and starts on their own', async () => {
    const limited = await startAppWithMailbox(
      { PUBLIC_URL: product, PROVIDER_RETURN_URLS: APP, OIDC_PROVIDERS: 'corp', OIDC_CORP_ISSUER: op.serverUrl, OIDC_CORP_CLIENT_ID: 'api', OIDC_CORP_CLIENT_SECRET: 'api-secret', RATE_LIMITS: 'on', RATE_LIMIT_PROVIDER_FINISH_IP: '2/900', RATE_LIMIT_PROVIDER_START_IP: '2/900' },
      {},
      {},
    );
    try {
      for (let i = 0; i < 2; i++) {
        const guessed = await fetch(new URL(`/auth/callback/corp?state=guess-${i}&code=x`, limited.url), { redirect: 'manual' });
        expect(new URL(guessed.headers.get('location')!).searchParams.get('error')).toBe('INVALID_STATE');
      }
      const refused = await fetch(new URL('/auth/callback/corp?state=guess-3&code=x', limited.url), { redirect: 'manual' });
      const params = new URL(refused.headers.get('location')!).searchParams;
      expect(params.get('error')).toBe('RATE_LIMITED');
      expect(Number(params.get('retryAfter'))).toBeGreaterThan(0);
      // Starts have a limit of their own.
      for (let i = 0; i < 2; i++) expect((await limited.client().graphql(START, { input: { provider: 'corp' } })).errors).toBeUndefined();
      expect(errorCode(await limited.client().graphql(START, { input: { provider: 'corp' } }))).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});

// Last in this file: the app's own key no longer opens the flows it re-seals.
describe('an ENCRYPTION_KEY rotation', () => {
  it('re-seals a pending provider sign-in with npm run reencrypt-secrets, so it finishes under the new key alone', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
    const started = await t.client().graphql(START, { input: { provider: 'corp', returnTo: NATIVE, codeChallenge } });
    const back = (await callback(null, await throughProvider(started.data!.startProviderSignIn.authorizationUrl, account()))).location;
    const prisma = t.app.services.prisma;
    const before = await prisma.providerFlow.findMany({ select: { sealed: true } });
    const rotation = createSecretBox({ key: Buffer.from('b0b'.padEnd(64, '0'), 'hex'), previousKey: Buffer.from(TEST_ENCRYPTION_KEY, 'hex') });
    const report = await reencryptSecrets(prisma, rotation);
    expect(report.providerSecretsReencrypted).toBe(before.length);
    const onlyNewKey = createSecretBox({ key: Buffer.from('b0b'.padEnd(64, '0'), 'hex'), previousKey: undefined });
    const flow = await prisma.providerFlow.findFirstOrThrow({ where: { stateHash: createHash('sha256').update(back.searchParams.get('state')!).digest('hex') } });
    expect(onlyNewKey.open(flow.sealed, flow.stateHash)).toMatchObject({ stale: false });
    expect(createSecretBox({ key: Buffer.from(TEST_ENCRYPTION_KEY, 'hex'), previousKey: undefined }).open(flow.sealed, flow.stateHash)).toBeNull();
  });
});
