// Sign-in with the built-in providers (GitHub, Microsoft, Apple) and the refusals around every
// provider sign-in, through the product over real HTTP: the start (GraphQL), the browser's trip
// through a loopback provider, the product's callback (GET, or Apple's cross-site form POST). Real
// providers' origins reach the loopback servers through providerClients.customFetch: Microsoft's
// discovery at https://login.microsoftonline.com (so openid-client runs its Entra ID code path), and
// an Apple-like OpenID Provider answering as https://appleid.apple.com. Also the takeover attempts
// by email, the state and request checks of the callback, providers that are down, what the logs
// keep, sign-up turned off, and two-factor after a handoff.
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, type SignedUpUser, signUpNewUser } from './support/accounts.ts';
import { freePort } from './support/free-port.ts';
import { type GitHubAccount, type GitHubApp, type GitHubTestServer, type OidcAccount, type OidcTestProvider, startGitHub, startOidcProvider } from './support/identity-providers/index.ts';
import { DASHBOARD, ENABLE_TWO_FACTOR, START_TWO_FACTOR_SETUP, uniqueEmail, VERIFY_EMAIL } from './support/operations.ts';
import {
  type CallbackAnswer,
  FINISH_PROVIDER_SIGN_IN,
  type Me,
  ProductBrowser,
  PROVIDER_EVENTS,
  PROVIDER_ME,
  type ProviderEvent,
  type ProviderFetch,
  providerFetch,
  sessionCookieIn,
  START_PROVIDER_SIGN_IN,
} from './support/provider-sign-in.ts';
import { codeIn, MAIL } from './support/smtp-sink.ts';
import { startAppWithMailbox, type TestAppWithMailbox } from './support/test-app.ts';
import type { GraphqlResponse, TestClient } from './support/test-client.ts';
import { authenticatorFor } from './support/two-factor.ts';

const ENTRA = 'https://login.microsoftonline.com';
const APPLE = 'https://appleid.apple.com';
const APP = 'https://app.example.com/signed-in';
const NATIVE = 'http://127.0.0.1/oauth';
const TEAM_ID = 'TEAM123456';
const KEY_ID = 'KEY1234567';
const TENANT_A = '11111111-1111-4111-8111-111111111111';
const TENANT_B = '22222222-2222-4222-8222-222222222222';
/** providerClients.timeoutSeconds of the app whose providers go down. */
const TIMEOUT_SECONDS = 1;

type ProviderId = 'corp' | 'github' | 'microsoft' | 'apple';

/** The loopback providers, shared by every app of this file (each app registers its own client). */
let corp: OidcTestProvider;
let github: GitHubTestServer;
let entra: OidcTestProvider;
let apple: OidcTestProvider;
const appleDeveloperKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

/** A product server, its provider clients registered at the loopback providers. */
interface Product {
  t: TestAppWithMailbox;
  browser: ProductBrowser;
  traffic: ProviderFetch;
  gitHubApp: GitHubApp;
  /** The client secrets it was configured with. */
  clientSecrets: string[];
}

/**
 * Starts a product on a port known in advance (PUBLIC_URL http://127.0.0.1:<port>) with `providers`
 * on. `env`: more variables, given the product's address (it may register clients of its own).
 */
async function startProduct(name: string, options: { providers: ProviderId[]; env?: (browser: ProductBrowser) => Record<string, string>; timeoutSeconds?: number }): Promise<Product> {
  const port = await freePort();
  const browser = new ProductBrowser(`http://127.0.0.1:${port}`);
  const secret = (provider: string) => `${provider}-secret-${name}-${randomBytes(8).toString('hex')}`;
  const env: Record<string, string> = { PUBLIC_URL: browser.product, PROVIDER_RETURN_URLS: `${APP},${NATIVE}` };
  const clientSecrets: string[] = [];
  const gitHubApp: GitHubApp = { client_id: `gh-${name}`, client_secret: secret('github'), callback_url: browser.callbackUrl('github') };
  const on = new Set(options.providers);
  if (on.has('corp')) {
    const client = { client_id: `corp-${name}`, client_secret: secret('corp'), redirect_uris: [browser.callbackUrl('corp')] };
    corp.registerClient(client);
    clientSecrets.push(client.client_secret);
    Object.assign(env, { OIDC_PROVIDERS: 'corp', OIDC_CORP_ISSUER: corp.issuer, OIDC_CORP_CLIENT_ID: client.client_id, OIDC_CORP_CLIENT_SECRET: client.client_secret, OIDC_CORP_NAME: 'Corp SSO' });
  }
  if (on.has('github')) {
    github.registerApp(gitHubApp);
    clientSecrets.push(gitHubApp.client_secret);
    Object.assign(env, { GITHUB_CLIENT_ID: gitHubApp.client_id, GITHUB_CLIENT_SECRET: gitHubApp.client_secret, GITHUB_URL: github.url, GITHUB_API_URL: github.apiUrl });
  }
  if (on.has('microsoft')) {
    const client = { client_id: `ms-${name}`, client_secret: secret('microsoft'), redirect_uris: [browser.callbackUrl('microsoft')] };
    entra.registerClient(client);
    clientSecrets.push(client.client_secret);
    Object.assign(env, { MICROSOFT_CLIENT_ID: client.client_id, MICROSOFT_CLIENT_SECRET: client.client_secret, MICROSOFT_TENANT: 'common' });
  }
  if (on.has('apple')) {
    const clientId = `com.example.${name}`;
    apple.registerClient({ client_id: clientId, redirect_uris: [browser.callbackUrl('apple')], appleDeveloperKey: { teamId: TEAM_ID, keyId: KEY_ID, publicKey: await exportJWK(appleDeveloperKey.publicKey) } });
    const pem = appleDeveloperKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    Object.assign(env, { APPLE_CLIENT_ID: clientId, APPLE_TEAM_ID: TEAM_ID, APPLE_KEY_ID: KEY_ID, APPLE_PRIVATE_KEY: pem });
  }
  const traffic = providerFetch({ routes: { [ENTRA]: entra.url }, impersonate: { [APPLE]: apple } });
  const t = await startAppWithMailbox({ ...env, ...options.env?.(browser) }, {}, {
    port,
    providerClients: { customFetch: traffic.fetch, ...(options.timeoutSeconds !== undefined && { timeoutSeconds: options.timeoutSeconds }) },
  });
  return { t, browser, traffic, gitHubApp, clientSecrets };
}

let main: Product;
// PROVIDER_SIGN_UP=false and PROVIDER_LINK_BY_EMAIL=false; started by the first test that needs it.
let restrictedProduct: Promise<Product> | undefined;
const restricted = () => (restrictedProduct ??= startProduct('restricted', { providers: ['corp', 'github'], env: () => ({ PROVIDER_SIGN_UP: 'false', PROVIDER_LINK_BY_EMAIL: 'false' }) }));

beforeAll(async () => {
  [corp, github, entra, apple] = await Promise.all([
    startOidcProvider({ profile: 'generic' }),
    startGitHub(),
    startOidcProvider({ profile: 'microsoft', issuerOrigin: ENTRA }),
    // Speaking as https://appleid.apple.com (providerFetch): no `iss` in its answers, as Apple sends none.
    startOidcProvider({ profile: 'apple', issParameter: false }),
  ]);
  main = await startProduct('main', { providers: ['corp', 'github', 'microsoft', 'apple'] });
});
afterAll(async () => {
  await main?.t.close();
  await (await restrictedProduct)?.t.close();
  await Promise.all([corp?.close(), github?.close(), entra?.close(), apple?.close()]);
});

const hex = () => randomBytes(6).toString('hex');
let gitHubIds = 4_000_000 + Math.floor(Math.random() * 1_000_000);

const corpAccount = (more: Partial<OidcAccount> = {}): OidcAccount => ({ sub: `corp-${hex()}`, email: uniqueEmail('corp'), email_verified: true, name: 'Grace Hopper', ...more });
const gitHubAccount = (more: Partial<GitHubAccount> = {}): GitHubAccount => {
  const id = ++gitHubIds;
  return { id, login: `octo-${id}`, name: 'The Octocat', emails: [{ email: uniqueEmail('gh'), primary: true, verified: true }], ...more };
};
const entraAccount = (more: Partial<OidcAccount> = {}): OidcAccount => ({ sub: `pairwise-${hex()}`, email: uniqueEmail('entra'), name: 'Ada Entra', tid: TENANT_A, oid: randomUUID(), ...more });
const appleAccount = (more: Partial<OidcAccount> = {}): OidcAccount => {
  const id = hex();
  return { sub: `000${id}.apple`, email: `${id}@privaterelay.appleid.com`, email_verified: 'true', is_private_email: 'true', given_name: 'Ada', family_name: 'Lovelace', ...more };
};

const me = async (client: TestClient): Promise<Me | null> => ((await client.graphql(PROVIDER_ME)).data?.me as Me | null | undefined) ?? null;
const eventsOf = async (client: TestClient): Promise<ProviderEvent[]> => ((await client.graphql(PROVIDER_EVENTS)).data?.securityEvents as ProviderEvent[] | undefined) ?? [];
const returnedTo = (answer: CallbackAnswer) => (answer.location ? `${answer.location.origin}${answer.location.pathname}` : null);

/** A whole browser-mode sign-in on `client`: start, the provider, the callback. */
async function browserSignIn(product: Product, client: TestClient, provider: ProviderId, prepare: () => void): Promise<CallbackAnswer> {
  const { authorizationUrl } = await product.browser.start(client, { provider });
  return product.browser.callback(client, await product.browser.toCallback(authorizationUrl, prepare));
}

/** A browser-mode sign-in that signed `client` in (303 to the return URL, the session cookie set). */
async function signedIn(product: Product, client: TestClient, provider: ProviderId, prepare: () => void): Promise<Me> {
  const answer = await browserSignIn(product, client, provider, prepare);
  expect(answer.params.error, JSON.stringify(answer.params)).toBeUndefined();
  expect(answer.status).toBe(303);
  expect(answer.location?.href).toBe(APP);
  expect(sessionCookieIn(answer.setCookies, product.t.config.cookie.name)).toBeDefined();
  const who = await me(client);
  if (!who) throw new Error('the callback set a session cookie, but me is null');
  return who;
}

/** A refusal at the callback: 303 to the return URL with the error, no session cookie. */
function expectRefused(product: Product, answer: CallbackAnswer, expected: Record<string, string>): void {
  expect(answer.status).toBe(303);
  expect(returnedTo(answer)).toBe(APP);
  expect(answer.params).toMatchObject(expected);
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
  expect(sessionCookieIn(answer.setCookies, product.t.config.cookie.name)).toBeUndefined();
}

/** A password account whose email is verified (by the code mailed at sign-up). */
async function verifiedAccount(product: Product): Promise<SignedUpUser> {
  const user = await signUpNewUser(product.t);
  const code = codeIn(await product.t.sink.waitForMail(user.email, 1, MAIL.verificationCode));
  expect((await user.client.graphql(VERIFY_EMAIL, { input: { code } })).errors).toBeUndefined();
  return user;
}

/** A handoff-mode start (an app: PKCE of its own, no cookies), the provider, and the callback's 303 back to the app. */
async function handoff(product: Product, provider: ProviderId, prepare: () => void) {
  const verifier = randomBytes(32).toString('base64url');
  const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
  const started = await product.browser.start(product.t.client(), { provider, returnTo: NATIVE, codeChallenge }, { 'x-session-transport': 'header' });
  const url = await product.browser.toCallback(started.authorizationUrl, prepare);
  const answer = await product.browser.callback(null, url);
  expect(answer.status).toBe(303);
  expect(returnedTo(answer)).toBe(NATIVE);
  return { started, url, answer, verifier };
}

const finish = (client: TestClient, input: Record<string, string>): Promise<GraphqlResponse> =>
  client.graphql(FINISH_PROVIDER_SIGN_IN, { input }, { 'x-session-transport': 'header' });

describe('GitHub-like provider', () => {
  it('signs a new user up with the verified primary email of /user/emails; username from the name, else the login', async () => {
    const who = gitHubAccount();
    const browser = main.t.client();
    expect(await signedIn(main, browser, 'github', () => github.signInNext(who))).toMatchObject({
      email: who.emails[0]?.email,
      username: 'The Octocat',
      hasPassword: false,
      emailVerified: true,
    });
    expect(await eventsOf(browser)).toContainEqual({ kind: 'SIGN_UP', provider: 'github' });

    const nameless = gitHubAccount({ name: null });
    expect((await signedIn(main, main.t.client(), 'github', () => github.signInNext(nameless))).username).toBe(nameless.login);
  });

  it('keys the identity by the numeric id: renamed, the user opens the same account; whoever takes the old login does not', async () => {
    const who = gitHubAccount();
    const account = await signedIn(main, main.t.client(), 'github', () => github.signInNext(who));
    const renamed: GitHubAccount = { ...who, login: `${who.login}-renamed`, name: 'Renamed Octocat' };
    const again = main.t.client();
    expect(await signedIn(main, again, 'github', () => github.signInNext(renamed))).toEqual(account);
    expect((await eventsOf(again))[0]).toEqual({ kind: 'SIGN_IN', provider: 'github' });

    const squatter = gitHubAccount({ login: who.login });
    expect((await signedIn(main, main.t.client(), 'github', () => github.signInNext(squatter))).id).not.toBe(account.id);
  });

  it('an unverified primary email: PROVIDER_ERROR EMAIL_NOT_VERIFIED for a new account, EMAIL_TAKEN PROVIDER_EMAIL_NOT_VERIFIED when an account has the address', async () => {
    const newcomer = gitHubAccount({ emails: [{ email: uniqueEmail('gh-unverified'), primary: true, verified: false }] });
    const browser = main.t.client();
    expectRefused(main, await browserSignIn(main, browser, 'github', () => github.signInNext(newcomer)), { error: 'PROVIDER_ERROR', reason: 'EMAIL_NOT_VERIFIED' });
    expect(await me(browser)).toBeNull();

    const owner = await signUpNewUser(main.t);
    const claimant = gitHubAccount({ emails: [{ email: owner.email, primary: true, verified: false }] });
    const attacker = main.t.client();
    expectRefused(main, await browserSignIn(main, attacker, 'github', () => github.signInNext(claimant)), { error: 'EMAIL_TAKEN', reason: 'PROVIDER_EMAIL_NOT_VERIFIED' });
    expect(await me(attacker)).toBeNull();
    expect(await eventsOf(owner.client)).toContainEqual({ kind: 'SIGN_IN_FAILED', provider: 'github' });
  });

  it("ignores /user's public email: only the primary entry of /user/emails counts", async () => {
    const owner = await verifiedAccount(main);
    // The owner's address typed in as the public email of another GitHub account (verified or not, GitHub shows it).
    const primary = uniqueEmail('gh-primary');
    const who = gitHubAccount({ emails: [{ email: primary, primary: true, verified: true }, { email: owner.email, primary: false, verified: true, visibility: 'public' }] });
    const account = await signedIn(main, main.t.client(), 'github', () => github.signInNext(who));
    expect(account.email).toBe(primary);
    expect(account.id).not.toBe(owner.userId);

    // Without a primary entry, a public address is no email at all.
    const publicOnly = gitHubAccount({ emails: [{ email: uniqueEmail('gh-public'), primary: false, verified: true, visibility: 'public' }] });
    expectRefused(main, await browserSignIn(main, main.t.client(), 'github', () => github.signInNext(publicOnly)), { error: 'PROVIDER_ERROR', reason: 'EMAIL_MISSING' });
  });

  it("answers GitHub's HTTP-200 token error body (the app's secret rotated at GitHub) with PROVIDER_ERROR INVALID_RESPONSE", async () => {
    const browser = main.t.client();
    const { authorizationUrl, state } = await main.browser.start(browser, { provider: 'github' });
    const url = await main.browser.toCallback(authorizationUrl, () => github.signInNext(gitHubAccount()));
    github.registerApp({ ...main.gitHubApp, client_secret: 'rotated-at-github' });
    let answer: CallbackAnswer;
    try {
      answer = await main.browser.callback(browser, url);
    } finally {
      github.registerApp(main.gitHubApp);
    }
    expectRefused(main, answer, { error: 'PROVIDER_ERROR', reason: 'INVALID_RESPONSE', state });
    expect(await me(browser)).toBeNull();
    const warning = main.t.logger.entries.find((entry) => entry.level === 'warn' && entry.fields.provider === 'github' && entry.fields.reason === 'INVALID_RESPONSE');
    expect(warning?.fields.check).toBe('provider answered error=incorrect_client_credentials');
  });
});

describe('Microsoft-like provider (MICROSOFT_TENANT common, discovered at https://login.microsoftonline.com)', () => {
  it.each<[string, boolean | string]>([
    ['true', true],
    ['"true"', 'true'],
    ['"1"', '1'],
  ])('signs a new user up when xms_edov is %s: the email counts as verified', async (_, xms_edov) => {
    const who = entraAccount({ xms_edov });
    const browser = main.t.client();
    expect(await signedIn(main, browser, 'microsoft', () => entra.signInNext(who))).toMatchObject({ email: who.email, username: 'Ada Entra', emailVerified: true, hasPassword: false });
    expect(await eventsOf(browser)).toContainEqual({ kind: 'SIGN_UP', provider: 'microsoft' });
  });

  it('without xms_edov the email is unverified: no sign-up, and no takeover of the account that has the address (nOAuth)', async () => {
    const newcomer = entraAccount();
    expectRefused(main, await browserSignIn(main, main.t.client(), 'microsoft', () => entra.signInNext(newcomer)), { error: 'PROVIDER_ERROR', reason: 'EMAIL_NOT_VERIFIED' });

    const owner = await verifiedAccount(main);
    // A tenant the attacker runs puts the victim's address in `email`; Entra vouches for nothing.
    const attacker = main.t.client();
    const attempt = await browserSignIn(main, attacker, 'microsoft', () => entra.signInNext(entraAccount({ tid: TENANT_B, email: owner.email })));
    expectRefused(main, attempt, { error: 'EMAIL_TAKEN', reason: 'PROVIDER_EMAIL_NOT_VERIFIED' });
    expect(await me(attacker)).toBeNull();
    expect(await eventsOf(owner.client)).toContainEqual({ kind: 'SIGN_IN_FAILED', provider: 'microsoft' });

    // The domain owner vouching (xms_edov) makes it the same address, verified on both sides: linked.
    const vouched = await signedIn(main, main.t.client(), 'microsoft', () => entra.signInNext(entraAccount({ email: owner.email, xms_edov: true })));
    expect(vouched.id).toBe(owner.userId);
  });

  it('keys the identity by tid:oid: another sub for the same user opens the same account, the same oid in another tenant does not', async () => {
    const who = entraAccount({ xms_edov: true });
    const account = await signedIn(main, main.t.client(), 'microsoft', () => entra.signInNext(who));
    const sameUser = { ...who, sub: `pairwise-${hex()}`, email: uniqueEmail('entra-moved') };
    expect(await signedIn(main, main.t.client(), 'microsoft', () => entra.signInNext(sameUser))).toEqual(account);
    const otherTenant = { ...who, sub: `pairwise-${hex()}`, tid: TENANT_B, email: uniqueEmail('entra-other') };
    expect((await signedIn(main, main.t.client(), 'microsoft', () => entra.signInNext(otherTenant))).id).not.toBe(account.id);
  });
});

describe('Apple-like provider (form_post)', () => {
  async function appleSignIn(client: TestClient, who: OidcAccount) {
    const started = await main.browser.start(client, { provider: 'apple' });
    const form = await main.browser.toFormPost(started.authorizationUrl, () => apple.signInNext(who));
    return { started, form, answer: await main.browser.post(client, form) };
  }

  it('takes PUBLIC_URL http://127.0.0.1 (loopback) and sets the flow cookie __Host-, SameSite=None; Secure; asks for form_post', async () => {
    const started = await main.browser.start(main.t.client(), { provider: 'apple' });
    const flowCookie = started.setCookies.find((header) => header.startsWith('__Host-provider_flow='));
    if (!flowCookie) throw new Error(`no flow cookie among ${JSON.stringify(started.setCookies)}`);
    const attributes = flowCookie.split(';').slice(1).map((attribute) => attribute.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'secure', 'samesite=none', 'path=/', 'max-age=600']));
    expect(attributes.filter((attribute) => attribute.startsWith('domain='))).toEqual([]);
    const url = new URL(started.authorizationUrl);
    expect(url.searchParams.get('response_mode')).toBe('form_post');
    expect(url.searchParams.get('scope')).toBe('openid name email');
    expect(url.searchParams.get('redirect_uri')).toBe(main.browser.callbackUrl('apple'));
  });

  it('signs up through the cross-site form POST: the flow cookie comes along; name from the first answer\'s user field; email_verified "true"', async () => {
    const who = appleAccount();
    const browser = main.t.client();
    const first = await appleSignIn(browser, who);
    expect(first.form.action.href).toBe(main.browser.callbackUrl('apple'));
    expect(first.form.fields.has('user')).toBe(true);
    expect(first.answer.status).toBe(303);
    expect(first.answer.location?.href).toBe(APP);
    expect(sessionCookieIn(first.answer.setCookies, main.t.config.cookie.name)).toBeDefined();
    const account = await me(browser);
    expect(account).toMatchObject({ email: who.email, username: 'Ada Lovelace', emailVerified: true, hasPassword: false });
    expect(await eventsOf(browser)).toContainEqual({ kind: 'SIGN_UP', provider: 'apple' });

    // Apple sends the user field once: the next sign-in opens the same account, its name kept.
    const again = main.t.client();
    const second = await appleSignIn(again, who);
    expect(second.form.fields.has('user')).toBe(false);
    expect(second.answer.location?.href).toBe(APP);
    expect(await me(again)).toEqual(account);
  });

  it('a SameSite=Lax flow cookie would stay behind on that cross-site POST: INVALID_STATE', async () => {
    const browser = main.t.client();
    const started = await main.browser.start(browser, { provider: 'apple' });
    const form = await main.browser.toFormPost(started.authorizationUrl, () => apple.signInNext(appleAccount()));
    const flowCookie = (await browser.jar.getCookies(main.browser.product)).find((cookie) => cookie.key === '__Host-provider_flow');
    if (!flowCookie) throw new Error('no flow cookie in the jar');
    const laxBrowser = main.t.client();
    await laxBrowser.jar.setCookie(`__Host-provider_flow=${flowCookie.value}; Path=/; Secure; HttpOnly; SameSite=Lax`, main.browser.product);
    const answer = await main.browser.post(laxBrowser, form);
    expectRefused(main, answer, { error: 'INVALID_STATE', state: started.state });
    expect(await me(laxBrowser)).toBeNull();

    // The same copy as the product sets it (SameSite=None) goes along, and the flow goes on.
    const again = await main.browser.start(browser, { provider: 'apple' });
    const secondForm = await main.browser.toFormPost(again.authorizationUrl, () => apple.signInNext(appleAccount()));
    const noneBrowser = main.t.client();
    await noneBrowser.jar.setCookie(`__Host-provider_flow=${flowCookie.value}; Path=/; Secure; HttpOnly; SameSite=None`, main.browser.product);
    expect((await main.browser.post(noneBrowser, secondForm)).location?.href).toBe(APP);
    expect(await me(noneBrowser)).not.toBeNull();
  });

  it('counts email_verified "false" unverified: no sign-up', async () => {
    const { answer } = await appleSignIn(main.t.client(), appleAccount({ email: uniqueEmail('apple'), email_verified: 'false' }));
    expectRefused(main, answer, { error: 'PROVIDER_ERROR', reason: 'EMAIL_NOT_VERIFIED' });
  });
});

describe('takeover attempts by email', () => {
  /** A sign-in as `who` that must be refused with EMAIL_TAKEN `reason`: no session, a SIGN_IN_FAILED for the owner, no mail. */
  async function refused(product: Product, owner: { client: TestClient; email: string }, who: OidcAccount, reason: string): Promise<void> {
    const attacker = product.t.client();
    const answer = await browserSignIn(product, attacker, 'corp', () => corp.signInNext(who));
    expectRefused(product, answer, { error: 'EMAIL_TAKEN', reason });
    expect(await me(attacker)).toBeNull();
    expect(await eventsOf(owner.client)).toContainEqual({ kind: 'SIGN_IN_FAILED', provider: 'corp' });
    await product.t.app.services.background.drain();
    expect(product.t.sink.mailsTo(owner.email, /linked/i)).toEqual([]);
  }

  it('an unverified provider email: PROVIDER_EMAIL_NOT_VERIFIED', async () => {
    const owner = await verifiedAccount(main);
    await refused(main, owner, corpAccount({ email: owner.email, email_verified: false }), 'PROVIDER_EMAIL_NOT_VERIFIED');
  });

  it('an unverified account email: ACCOUNT_EMAIL_NOT_VERIFIED', async () => {
    const owner = await signUpNewUser(main.t);
    await refused(main, owner, corpAccount({ email: owner.email }), 'ACCOUNT_EMAIL_NOT_VERIFIED');
  });

  it('a second identity of the provider the account is linked to: ANOTHER_IDENTITY_LINKED', async () => {
    const first = corpAccount();
    const ownerClient = main.t.client();
    await signedIn(main, ownerClient, 'corp', () => corp.signInNext(first));
    await refused(main, { client: ownerClient, email: first.email! }, corpAccount({ email: first.email }), 'ANOTHER_IDENTITY_LINKED');
  });

  it('PROVIDER_LINK_BY_EMAIL=false: LINK_BY_EMAIL_OFF', async () => {
    const product = await restricted();
    const owner = await verifiedAccount(product);
    await refused(product, owner, corpAccount({ email: owner.email }), 'LINK_BY_EMAIL_OFF');
  });
});

describe('state and the callback request', () => {
  it("a flow started for one provider, answered on another provider's callback path: INVALID_STATE, and the flow is used up", async () => {
    const browser = main.t.client();
    const { authorizationUrl, state } = await main.browser.start(browser, { provider: 'corp' });
    const url = await main.browser.toCallback(authorizationUrl, () => corp.signInNext(corpAccount()));
    const elsewhere = new URL(url);
    elsewhere.pathname = '/auth/callback/github';
    expectRefused(main, await main.browser.callback(browser, elsewhere), { error: 'INVALID_STATE', state });
    expectRefused(main, await main.browser.callback(browser, url), { error: 'INVALID_STATE', state });
    expect(await me(browser)).toBeNull();
  });

  it('a callback without state: INVALID_STATE, to the default return URL', async () => {
    const answer = await main.browser.callback(null, `${main.browser.callbackUrl('corp')}?code=${hex()}`);
    expectRefused(main, answer, { error: 'INVALID_STATE' });
    expect(answer.location?.href).toBe(`${APP}?error=INVALID_STATE`);
  });

  it('an unknown provider path: 404 NOT_FOUND as JSON', async () => {
    for (const path of ['/auth/callback/nope', '/auth/callback/', '/auth/callback/corp/extra']) {
      const res = await fetch(`${main.browser.product}${path}?state=x&code=y`, { redirect: 'manual' });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({ errors: [{ message: 'not found', extensions: { code: 'NOT_FOUND' } }] });
    }
  });

  it('another method: 405; a POST not form-encoded: 415; a form over 8 KiB: 413', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const codeOf = async (res: Response) => ((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code;

    const put = await fetch(main.browser.callbackUrl('apple'), { method: 'PUT', headers: form, body: 'state=x&code=y', redirect: 'manual' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expect(await codeOf(put)).toBe('METHOD_NOT_ALLOWED');

    for (const contentType of ['text/plain', 'application/json', 'multipart/form-data; boundary=x']) {
      const res = await fetch(main.browser.callbackUrl('apple'), { method: 'POST', headers: { 'content-type': contentType }, body: 'state=x&code=y', redirect: 'manual' });
      expect(res.status, contentType).toBe(415);
      const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]).toEqual({ message: 'the callback takes a form: Content-Type: application/x-www-form-urlencoded', extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    }

    // 8 KiB exactly is a form like any other (no such flow: INVALID_STATE); one byte more is refused.
    const body = (bytes: number) => {
      const start = 'state=x&code=y&user=';
      return start + 'a'.repeat(bytes - start.length);
    };
    const fits = await fetch(main.browser.callbackUrl('apple'), { method: 'POST', headers: form, body: body(8 * 1024), redirect: 'manual' });
    expect(fits.status).toBe(303);
    expect(new URL(fits.headers.get('location')!).searchParams.get('error')).toBe('INVALID_STATE');
    const tooLarge = await fetch(main.browser.callbackUrl('apple'), { method: 'POST', headers: form, body: body(8 * 1024 + 1), redirect: 'manual' });
    expect(tooLarge.status).toBe(413);
    expect(await codeOf(tooLarge)).toBe('PAYLOAD_TOO_LARGE');
    // Sent in chunks, without a Content-Length: counted as it is read.
    expect(await chunkedPost(main.browser.callbackUrl('apple'), body(16 * 1024))).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  describe('an expired flow (PROVIDER_FLOW_TTL_SECONDS=1)', () => {
    let ttl: Product;
    beforeAll(async () => {
      ttl = await startProduct('ttl', { providers: ['corp'], env: () => ({ PROVIDER_FLOW_TTL_SECONDS: '1' }) });
    });
    afterAll(() => ttl?.t.close());

    it('answers INVALID_STATE once the lifetime has passed on the clock', async () => {
      const browser = ttl.t.client();
      const started = await ttl.browser.start(browser, { provider: 'corp' });
      const expiresAt = new Date(started.expiresAt).getTime();
      expect(expiresAt - Date.now()).toBeLessThanOrEqual(1000);
      // The flow cookie as the browser holds it now (with Max-Age=1 the jar forgets it too).
      const cookie = await browser.jar.getCookieString(ttl.browser.product);
      expect(cookie).toMatch(/provider_flow=/);
      const url = await ttl.browser.toCallback(started.authorizationUrl, () => corp.signInNext(corpAccount()));
      await sleep(Math.max(0, expiresAt - Date.now()) + 300);
      const answer = await ttl.browser.callback(null, url, { cookie });
      expectRefused(ttl, answer, { error: 'INVALID_STATE', state: started.state });
    });
  });
});

/** A POST with Transfer-Encoding: chunked (no Content-Length); its status and error code. */
function chunkedPost(url: string, body: string): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
        resolve({ status: res.statusCode ?? 0, code: parsed.errors?.[0]?.extensions?.code });
      });
    });
    req.on('error', reject);
    for (let at = 0; at < body.length; at += 1024) req.write(body.slice(at, at + 1024));
    req.end();
  });
}

describe('a provider down (providerClients.timeoutSeconds 1)', () => {
  let down: Product;
  let slow: OidcTestProvider;
  beforeAll(async () => {
    slow = await startOidcProvider();
    const gone = await startOidcProvider();
    await gone.close();
    down = await startProduct('down', {
      providers: ['github'],
      timeoutSeconds: TIMEOUT_SECONDS,
      env: (browser) => {
        slow.registerClient({ client_id: 'slow-rp', client_secret: 'slow-secret', redirect_uris: [browser.callbackUrl('slow')] });
        return {
          OIDC_PROVIDERS: 'slow,gone',
          OIDC_SLOW_ISSUER: slow.issuer,
          OIDC_SLOW_CLIENT_ID: 'slow-rp',
          OIDC_SLOW_CLIENT_SECRET: 'slow-secret',
          // Closed: connections refused.
          OIDC_GONE_ISSUER: gone.issuer,
          OIDC_GONE_CLIENT_ID: 'gone-rp',
          OIDC_GONE_CLIENT_SECRET: 'gone-secret',
        };
      },
    });
  });
  afterAll(async () => {
    await down?.t.close();
    await slow?.close();
  });

  /** /ready's status, asked while the provider request is under way. */
  const readyMeanwhile = async () => {
    await sleep(200);
    return (await fetch(new URL('/ready', down.t.url))).status;
  };
  const bound = (TIMEOUT_SECONDS + 3) * 1000;

  it('at start: a provider closed, or slower than the timeout, answers PROVIDER_ERROR UNAVAILABLE in bounded time; /ready stays 200', async () => {
    for (const provider of ['gone', 'slow']) {
      if (provider === 'slow') slow.faults.delayMs = 3000;
      try {
        const began = Date.now();
        const [res, ready] = await Promise.all([down.t.client().graphql(START_PROVIDER_SIGN_IN, { input: { provider } }), readyMeanwhile()]);
        expect(Date.now() - began, provider).toBeLessThan(bound);
        expect(res.errors?.[0]).toMatchObject({ message: 'the identity provider did not sign you in', extensions: { code: 'PROVIDER_ERROR', provider, reason: 'UNAVAILABLE' } });
        expect(res.data?.startProviderSignIn ?? null).toBeNull();
        expect(ready).toBe(200);
        // A start that never reached the provider leaves no flow behind.
        expect(await down.t.app.services.prisma.providerFlow.count({ where: { provider } })).toBe(0);
      } finally {
        slow.faults.delayMs = 0;
      }
    }
  });

  it('at the callback: the provider slower than the timeout, or unreachable, is a 303 with PROVIDER_ERROR UNAVAILABLE in bounded time; /ready stays 200', async () => {
    // A failed discovery is remembered for a second: then the provider is asked again.
    await sleep(1100);
    const cases: [string, () => void, () => void][] = [
      ['slow', () => slow.signInNext(corpAccount()), () => void (slow.faults.delayMs = 3000)],
      ['github', () => github.signInNext(gitHubAccount()), () => void (github.faults.unreachable = true)],
    ];
    for (const [provider, prepare, fault] of cases) {
      const browser = down.t.client();
      const { authorizationUrl, state } = await down.browser.start(browser, { provider });
      const url = await down.browser.toCallback(authorizationUrl, prepare);
      fault();
      try {
        const began = Date.now();
        const [answer, ready] = await Promise.all([down.browser.callback(browser, url), readyMeanwhile()]);
        expect(Date.now() - began, provider).toBeLessThan(bound);
        expectRefused(down, answer, { error: 'PROVIDER_ERROR', reason: 'UNAVAILABLE', state });
        expect(ready).toBe(200);
      } finally {
        slow.faults.delayMs = 0;
        github.faults.unreachable = false;
      }
      expect(await me(browser)).toBeNull();
    }
    expect((await fetch(new URL('/ready', down.t.url))).status).toBe(200);
  });
});

describe('logs', () => {
  it('keep no state, provider code, one-time code, client secret, ID Token or access token; the INVALID_RESPONSE warning names the failed check', async () => {
    const secrets: string[] = [...main.clientSecrets];
    const flowValues = async (client: TestClient, started: { authorizationUrl: string; state: string }) => {
      const nonce = new URL(started.authorizationUrl).searchParams.get('nonce');
      const flowCookie = (await client.jar.getCookies(main.browser.product)).find((cookie) => cookie.key.endsWith('provider_flow'));
      secrets.push(started.state, ...(nonce ? [nonce] : []), ...(flowCookie ? [flowCookie.value] : []));
    };

    // A tampered ID Token (the audience of another client).
    const tampered = main.t.client();
    const first = await main.browser.start(tampered, { provider: 'corp' });
    await flowValues(tampered, first);
    const tamperedUrl = await main.browser.toCallback(first.authorizationUrl, () => {
      corp.signInNext(corpAccount());
      corp.tamperNextIdToken('wrong-aud');
    });
    secrets.push(tamperedUrl.searchParams.get('code')!);
    expectRefused(main, await main.browser.callback(tampered, tamperedUrl), { error: 'PROVIDER_ERROR', reason: 'INVALID_RESPONSE' });

    // A normal one, in browser mode.
    const browser = main.t.client();
    const second = await main.browser.start(browser, { provider: 'corp' });
    await flowValues(browser, second);
    const url = await main.browser.toCallback(second.authorizationUrl, () => corp.signInNext(corpAccount()));
    secrets.push(url.searchParams.get('code')!);
    expect((await main.browser.callback(browser, url)).location?.href).toBe(APP);
    secrets.push((await browser.token())!);

    // And one handed off to an app: the one-time code and the verifier.
    const { started, url: handoffUrl, answer, verifier } = await handoff(main, 'corp', () => corp.signInNext(corpAccount()));
    secrets.push(started.state, handoffUrl.searchParams.get('code')!, answer.params.code!, verifier);
    const finished = await finish(main.t.client(), { state: answer.params.state!, authorizationCode: answer.params.code!, codeVerifier: verifier });
    expect(finished.errors).toBeUndefined();
    secrets.push(finished.headers.get('x-session-token')!);

    // What crossed between the product and the providers, all tests so far: tokens, codes, verifiers, secrets.
    const crossed = [...main.traffic.secrets];
    expect(crossed.filter((secret) => secret.split('.').length === 3).length, 'ID Tokens').toBeGreaterThan(3);
    expect(crossed).toContain(main.clientSecrets[0]);
    secrets.push(...crossed);
    expect(secrets.filter((secret) => !secret || secret.length < 8)).toEqual([]);
    const lines = main.t.logger.lines;
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of new Set(secrets)) expect(lines.filter((line) => line.includes(secret))).toEqual([]);

    const warnings = main.t.logger.entries.filter((entry) => entry.level === 'warn' && entry.fields.provider === 'corp' && entry.fields.reason === 'INVALID_RESPONSE');
    expect(warnings.map((entry) => entry.fields.check)).toContain('unexpected JWT "aud" (audience) claim value');
  });
});

describe('PROVIDER_SIGN_UP=false', () => {
  it('answers NOT_FOUND "no account is linked to this <Provider> account" and makes no account', async () => {
    const product = await restricted();
    const who = corpAccount();
    const browser = product.t.client();
    expectRefused(product, await browserSignIn(product, browser, 'corp', () => corp.signInNext(who)), { error: 'NOT_FOUND' });
    expect(await me(browser)).toBeNull();

    // Handed off to an app, the finish says it in words, naming the provider.
    const cases: [ProviderId, string, () => void][] = [
      ['github', 'GitHub', () => github.signInNext(gitHubAccount())],
      ['corp', 'Corp SSO', () => corp.signInNext(who)],
    ];
    for (const [provider, name, prepare] of cases) {
      const { answer, verifier } = await handoff(product, provider, prepare);
      const res = await finish(product.t.client(), { state: answer.params.state!, authorizationCode: answer.params.code!, codeVerifier: verifier });
      expect(res.errors?.[0]).toMatchObject({ message: `no account is linked to this ${name} account`, extensions: { code: 'NOT_FOUND' } });
      expect(res.headers.get('x-session-token')).toBeNull();
    }
  });
});

describe('handoff mode with two-factor', () => {
  it('finishProviderSignIn: without code SECOND_FACTOR_REQUIRED, a wrong code INVALID_CODE (the flow waits), the right code a session', async () => {
    const who = corpAccount();
    const owner = main.t.client();
    const account = await signedIn(main, owner, 'corp', () => corp.signInNext(who));
    // No password: the fresh session from the provider sign-in proves the user.
    const setup = await owner.graphql(START_TWO_FACTOR_SETUP, { input: {} });
    expect(setup.errors).toBeUndefined();
    const authenticator = authenticatorFor(setup.data!.startTwoFactorSetup.otpauthUrl);
    expect((await owner.graphql(ENABLE_TWO_FACTOR, { input: { code: authenticator.code() } })).errors).toBeUndefined();

    const { answer, verifier } = await handoff(main, 'corp', () => corp.signInNext(who));
    expect(answer.params).toEqual({ state: expect.any(String), code: expect.any(String) });
    const input = { state: answer.params.state!, authorizationCode: answer.params.code!, codeVerifier: verifier };
    const app = main.t.client();

    const withoutCode = await finish(app, input);
    expect(errorCode(withoutCode)).toBe('SECOND_FACTOR_REQUIRED');
    expect(withoutCode.headers.get('x-session-token')).toBeNull();

    const valid = new Set([-1, 0, 1, 2].map((steps) => authenticator.code(steps)));
    const wrongCode = ['000000', '111111', '222222'].find((code) => !valid.has(code))!;
    const wrong = await finish(app, { ...input, code: wrongCode });
    expect(errorCode(wrong)).toBe('INVALID_CODE');
    expect(wrong.headers.get('x-session-token')).toBeNull();
    expect(await eventsOf(owner)).toContainEqual({ kind: 'SECOND_FACTOR_FAILED', provider: 'corp' });

    const right = await finish(app, { ...input, code: authenticator.code(1) });
    expect(right.errors).toBeUndefined();
    expect(right.data?.finishProviderSignIn).toMatchObject({ message: 'login successful!', user: { id: account.id } });
    const token = right.headers.get('x-session-token');
    expect(token).toBeTruthy();
    expect((await main.t.client().graphql(DASHBOARD, {}, { authorization: `Bearer ${token}` })).errors).toBeUndefined();

    // Finished: the flow is gone.
    expect(errorCode(await finish(app, { ...input, code: authenticator.code(2) }))).toBe('INVALID_STATE');
  });
});
