// The account rules around provider sign-ins that only show over time or across operations, through
// the product over real HTTP: Apple's refresh token revoked at Apple when its identity is unlinked
// or the account deleted; REQUIRE_VERIFIED_EMAIL=true with providers; the password proofs of
// startProviderLink and unlinkIdentity counted with deleteUser's; REAUTHENTICATION_REQUIRED for an
// account without a password once its session is older than REAUTH_MAX_AGE_SECONDS; and provider
// sign-ins in the auth_sign_ins_total metric.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeJwt, exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, signIn, signUpNewUser } from './support/accounts.ts';
import { freePort } from './support/free-port.ts';
import { type OidcAccount, type OidcTestProvider, startOidcProvider } from './support/identity-providers/index.ts';
import { CHANGE_PASSWORD, DASHBOARD, DELETE_USER, GOOD_PASSWORD, RESET_PASSWORD, SEND_MAIL, uniqueEmail, VERIFY_EMAIL } from './support/operations.ts';
import { scrape, valueOf } from './support/prometheus.ts';
import { type CallbackAnswer, FINISH_PROVIDER_SIGN_IN, type Me, ProductBrowser, PROVIDER_ME, providerFetch } from './support/provider-sign-in.ts';
import { codeIn, MAIL, resetCodeIn } from './support/smtp-sink.ts';
import { startAppWithMailbox, type TestAppWithMailbox } from './support/test-app.ts';
import type { GraphqlResponse, TestClient } from './support/test-client.ts';
import { turnOnTwoFactor } from './support/two-factor.ts';

const APPLE = 'https://appleid.apple.com';
const APP = 'https://app.example.com/signed-in';
const NATIVE = 'http://127.0.0.1/oauth';
const TEAM_ID = 'TEAM123456';
const KEY_ID = 'KEY1234567';
const NEW_PASSWORD = 'lantern-orchard-velvet-19';

const START_LINK = `mutation($input: StartProviderLinkInput!) { startProviderLink(input: $input) { authorizationUrl state } }`;
const LINKED = `query { linkedIdentities { id provider { id } email } }`;
const UNLINK = `mutation($input: UnlinkIdentityInput!) { unlinkIdentity(input: $input) { message } }`;

type ProviderId = 'corp' | 'partner' | 'apple';
interface Linked {
  id: string;
  provider: { id: string };
  email: string | null;
}

/** One OpenID Provider serving two of the product's providers (`corp`, `partner`), and an Apple-like one. */
let corp: OidcTestProvider;
let apple: OidcTestProvider;
const appleDeveloperKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

interface Product {
  t: TestAppWithMailbox;
  browser: ProductBrowser;
  /** The Services ID the product signs in to Apple with. */
  appleClientId: string;
}

/** A product on a port known in advance (PUBLIC_URL), with corp, partner and Apple on; `env` on top. */
async function startProduct(name: string, env: Record<string, string> = {}): Promise<Product> {
  const port = await freePort();
  const browser = new ProductBrowser(`http://127.0.0.1:${port}`);
  const secret = (id: string) => `${id}-secret-${name}-${randomBytes(8).toString('hex')}`;
  const providerEnv: Record<string, string> = { PUBLIC_URL: browser.product, PROVIDER_RETURN_URLS: `${APP},${NATIVE}`, OIDC_PROVIDERS: 'corp,partner' };
  for (const id of ['corp', 'partner']) {
    const client = { client_id: `${id}-${name}`, client_secret: secret(id), redirect_uris: [browser.callbackUrl(id)] };
    corp.registerClient(client);
    const prefix = `OIDC_${id.toUpperCase()}`;
    Object.assign(providerEnv, { [`${prefix}_ISSUER`]: corp.issuer, [`${prefix}_CLIENT_ID`]: client.client_id, [`${prefix}_CLIENT_SECRET`]: client.client_secret });
  }
  const appleClientId = `com.example.${name}`;
  // Apple answers every authorization code with a refresh token.
  apple.registerClient({
    client_id: appleClientId,
    redirect_uris: [browser.callbackUrl('apple')],
    appleDeveloperKey: { teamId: TEAM_ID, keyId: KEY_ID, publicKey: await exportJWK(appleDeveloperKey.publicKey) },
    refreshTokens: true,
  });
  const pem = appleDeveloperKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  Object.assign(providerEnv, { APPLE_CLIENT_ID: appleClientId, APPLE_TEAM_ID: TEAM_ID, APPLE_KEY_ID: KEY_ID, APPLE_PRIVATE_KEY: pem });
  const traffic = providerFetch({ impersonate: { [APPLE]: apple } });
  const t = await startAppWithMailbox({ ...providerEnv, ...env }, {}, { port, providerClients: { customFetch: traffic.fetch } });
  return { t, browser, appleClientId };
}

beforeAll(async () => {
  [corp, apple] = await Promise.all([
    startOidcProvider({ profile: 'generic' }),
    // Speaking as https://appleid.apple.com (providerFetch): no `iss` in its answers, as Apple sends none.
    startOidcProvider({ profile: 'apple', issParameter: false }),
  ]);
});
afterAll(async () => {
  await Promise.all([corp?.close(), apple?.close()]);
});

const hex = () => randomBytes(6).toString('hex');
const corpAccount = (more: Partial<OidcAccount> = {}): OidcAccount => ({ sub: `corp-${hex()}`, email: uniqueEmail('corp'), email_verified: true, name: 'Grace Hopper', ...more });
const appleAccount = (): OidcAccount => {
  const id = hex();
  return { sub: `000${id}.apple`, email: `${id}@privaterelay.appleid.com`, email_verified: 'true', is_private_email: 'true', given_name: 'Ada', family_name: 'Lovelace' };
};

const me = async (client: TestClient): Promise<Me | null> => ((await client.graphql(PROVIDER_ME)).data?.me as Me | null | undefined) ?? null;
const linked = async (client: TestClient): Promise<Linked[]> => ((await client.graphql(LINKED)).data?.linkedIdentities as Linked[] | undefined) ?? [];

/** A browser-mode sign-in on `client` as `who`: start, the provider (Apple: its cross-site form POST), the callback. */
async function browserSignIn(product: Product, client: TestClient, provider: ProviderId, who: OidcAccount): Promise<CallbackAnswer> {
  const { authorizationUrl } = await product.browser.start(client, { provider });
  const op = provider === 'apple' ? apple : corp;
  if (provider === 'apple') return product.browser.post(client, await product.browser.toFormPost(authorizationUrl, () => op.signInNext(who)));
  return product.browser.callback(client, await product.browser.toCallback(authorizationUrl, () => op.signInNext(who)));
}

/** A browser-mode sign-in that signed `client` in: 303 to the return URL, `me` answers. */
async function signedIn(product: Product, client: TestClient, provider: ProviderId, who: OidcAccount): Promise<Me> {
  const answer = await browserSignIn(product, client, provider, who);
  expect(answer.params.error, JSON.stringify(answer.params)).toBeUndefined();
  expect(answer.location?.href).toBe(APP);
  const account = await me(client);
  if (!account) throw new Error('the callback answered the return URL, but me is null');
  return account;
}

/** startProviderLink from `client`'s session, then the provider as `who`, then the callback (browser mode). */
async function link(product: Product, client: TestClient, provider: ProviderId, who: OidcAccount, password?: string): Promise<CallbackAnswer> {
  const started = await client.graphql(START_LINK, { input: { provider, ...(password !== undefined && { password }) } });
  expect(started.errors).toBeUndefined();
  const url = await product.browser.toCallback(started.data!.startProviderLink.authorizationUrl, () => corp.signInNext(who));
  return product.browser.callback(client, url);
}

/** The error a refused operation answered, and that it answered no data. */
function refusal(res: GraphqlResponse, field: string) {
  expect(res.data?.[field] ?? null).toBeNull();
  return res.errors?.[0];
}

describe('Apple: the refresh token is revoked at Apple', () => {
  let main: Product;
  beforeAll(async () => {
    main = await startProduct('apple');
  });
  afterAll(() => main?.t.close());

  /** Signs up through Apple on a new browser: the account, the browser, and the refresh token Apple issued for it. */
  async function appleUser() {
    const who = appleAccount();
    const browser = main.t.client();
    const account = await signedIn(main, browser, 'apple', who);
    expect(account).toMatchObject({ email: who.email, hasPassword: false });
    const issued = apple.refreshTokensIssued.filter((grant) => grant.sub === who.sub && grant.clientId === main.appleClientId);
    expect(issued).toHaveLength(1);
    return { who, browser, account, refreshToken: issued[0]!.token };
  }

  /** The revocation requests Apple answered since `since` (its count then), once the product's work after the answer is done. */
  async function revocationsSince(since: number) {
    await main.t.app.services.background.drain();
    return apple.revocations.slice(since);
  }

  function expectRevocationOf(revocation: { params: URLSearchParams; status: number } | undefined, refreshToken: string): void {
    expect(revocation?.status).toBe(200);
    expect(Object.fromEntries(revocation?.params ?? [])).toMatchObject({ token: refreshToken, token_type_hint: 'refresh_token', client_id: main.appleClientId });
    // Authenticated as at the token endpoint: the ES256 client secret the product signs (Apple checked it: 200).
    expect(decodeJwt(revocation?.params.get('client_secret') ?? '')).toMatchObject({ iss: TEAM_ID, sub: main.appleClientId });
  }

  it('unlinkIdentity of an Apple identity sends Apple a revocation of the refresh token Apple issued for it', async () => {
    const { browser, refreshToken } = await appleUser();
    // A first password (from the fresh session), so that Apple is not the last way in.
    expect((await browser.graphql(CHANGE_PASSWORD, { input: { newPassword: NEW_PASSWORD } })).errors).toBeUndefined();
    const [identity] = await linked(browser);
    expect(identity?.provider.id).toBe('apple');

    const since = apple.revocations.length;
    const unlinked = await browser.graphql(UNLINK, { input: { id: identity!.id, password: NEW_PASSWORD } });
    expect(unlinked.errors).toBeUndefined();
    expect(unlinked.data?.unlinkIdentity.message).toBe('identity unlinked!');
    const sent = await revocationsSince(since);
    expect(sent).toHaveLength(1);
    expectRevocationOf(sent[0], refreshToken);
    expect(await linked(browser)).toEqual([]);
  });

  it('deleteUser of an account signed up with Apple sends Apple a revocation of its refresh token', async () => {
    const { who, browser, account, refreshToken } = await appleUser();
    // Another Apple user's token stays: only the deleted account's is revoked.
    await appleUser();

    const since = apple.revocations.length;
    // No password: the fresh session of the Apple sign-in proves the user.
    const deleted = await browser.graphql(DELETE_USER, { input: { email: who.email! } });
    expect(deleted.errors).toBeUndefined();
    expect(deleted.data?.deleteUser.message).toBe('delete successful!');
    const sent = await revocationsSince(since);
    expect(sent).toHaveLength(1);
    expectRevocationOf(sent[0], refreshToken);

    // The account is gone: the same Apple user now signs up anew.
    expect(await me(browser)).toBeNull();
    expect((await signedIn(main, main.t.client(), 'apple', who)).id).not.toBe(account.id);
  });

  it('unlinking an identity of another provider sends Apple nothing', async () => {
    const who = corpAccount();
    const browser = main.t.client();
    await signedIn(main, browser, 'corp', who);
    expect((await browser.graphql(CHANGE_PASSWORD, { input: { newPassword: NEW_PASSWORD } })).errors).toBeUndefined();
    const [identity] = await linked(browser);
    const since = apple.revocations.length;
    expect((await browser.graphql(UNLINK, { input: { id: identity!.id, password: NEW_PASSWORD } })).errors).toBeUndefined();
    expect(await revocationsSince(since)).toEqual([]);
  });
});

describe('REQUIRE_VERIFIED_EMAIL=true', () => {
  let verified: Product;
  beforeAll(async () => {
    verified = await startProduct('verified', { REQUIRE_VERIFIED_EMAIL: 'true' });
  });
  afterAll(() => verified?.t.close());

  it('an account a provider makes starts verified: its first session opens dashboard, and no verification mail is sent', async () => {
    const who = corpAccount();
    const browser = verified.t.client();
    expect(await signedIn(verified, browser, 'corp', who)).toMatchObject({ email: who.email, emailVerified: true, hasPassword: false });
    expect((await browser.graphql(DASHBOARD)).errors).toBeUndefined();
    await verified.t.app.services.background.drain();
    expect(verified.t.sink.mailsTo(who.email!, MAIL.verificationCode)).toEqual([]);

    // The linked identity opens it again even when the provider no longer vouches for the address:
    // the identity decides, and the account's own address stays verified.
    const again = verified.t.client();
    const account = await signedIn(verified, again, 'corp', { ...who, email_verified: false });
    expect(account).toMatchObject({ email: who.email, emailVerified: true });
    expect((await again.graphql(DASHBOARD)).errors).toBeUndefined();
  });

  it('a provider that does not vouch for the email makes no account: PROVIDER_ERROR EMAIL_NOT_VERIFIED, no session', async () => {
    const browser = verified.t.client();
    const answer = await browserSignIn(verified, browser, 'corp', corpAccount({ email_verified: false }));
    expect(answer.location?.origin + answer.location!.pathname).toBe(APP);
    expect(answer.params).toMatchObject({ error: 'PROVIDER_ERROR', reason: 'EMAIL_NOT_VERIFIED' });
    expect(await me(browser)).toBeNull();
    expect(errorCode(await browser.graphql(DASHBOARD))).toBe('UNAUTHENTICATED');
  });

  it('a linked identity signs in to an unverified account, whose dashboard answers EMAIL_NOT_VERIFIED until its own address is verified by code; a different address verifies nothing', async () => {
    const owner = await signUpNewUser(verified.t);
    expect(errorCode(await owner.client.graphql(DASHBOARD))).toBe('EMAIL_NOT_VERIFIED');
    const who = corpAccount({ email: uniqueEmail('elsewhere') });
    expect((await link(verified, owner.client, 'corp', who, GOOD_PASSWORD)).location?.href).toBe(APP);
    expect((await me(owner.client))?.emailVerified).toBe(false);

    const browser = verified.t.client();
    expect(await signedIn(verified, browser, 'corp', who)).toMatchObject({ id: owner.userId, email: owner.email, emailVerified: false });
    const refused = await browser.graphql(DASHBOARD);
    expect(refused.errors?.[0]).toMatchObject({ message: 'verify your email address first', extensions: { code: 'EMAIL_NOT_VERIFIED' } });

    // The code signUp mailed, entered in the session the identity started.
    const code = codeIn(await verified.t.sink.waitForMail(owner.email, 1, MAIL.verificationCode));
    expect((await browser.graphql(VERIFY_EMAIL, { input: { code } })).errors).toBeUndefined();
    expect((await browser.graphql(DASHBOARD)).errors).toBeUndefined();
  });

  it("linking an identity whose verified email is the account's own address verifies it, and dashboard opens", async () => {
    const owner = await signUpNewUser(verified.t);
    expect(errorCode(await owner.client.graphql(DASHBOARD))).toBe('EMAIL_NOT_VERIFIED');
    expect((await link(verified, owner.client, 'corp', corpAccount({ email: owner.email }), GOOD_PASSWORD)).location?.href).toBe(APP);
    expect((await me(owner.client))?.emailVerified).toBe(true);
    expect((await owner.client.graphql(DASHBOARD)).errors).toBeUndefined();
  });

  it('a provider sign-in with the address of an unverified account is not linked to it: EMAIL_TAKEN ACCOUNT_EMAIL_NOT_VERIFIED', async () => {
    const owner = await signUpNewUser(verified.t);
    const browser = verified.t.client();
    const answer = await browserSignIn(verified, browser, 'corp', corpAccount({ email: owner.email }));
    expect(answer.params).toMatchObject({ error: 'EMAIL_TAKEN', reason: 'ACCOUNT_EMAIL_NOT_VERIFIED' });
    expect(await me(browser)).toBeNull();
    expect(await linked(owner.client)).toEqual([]);
  });
});

describe("the password proofs of startProviderLink and unlinkIdentity count with deleteUser's (RATE_LIMIT_DELETE_USER_ACCOUNT=2/900)", () => {
  let limited: Product;
  beforeAll(async () => {
    // The per-address rule set out of the way: what is shown is the per-account budget.
    limited = await startProduct('limited', { RATE_LIMITS: 'on', RATE_LIMIT_DELETE_USER_ACCOUNT: '2/900', RATE_LIMIT_DELETE_USER_IP: '1000/900' });
  });
  afterAll(() => limited?.t.close());

  /**
   * An account with a corp identity and a password, signed in with the password, none of its
   * deleteUser budget spent: made through corp, its first password set by "forgot password".
   */
  async function accountWithIdentityAndPassword() {
    const who = corpAccount();
    await signedIn(limited, limited.t.client(), 'corp', who);
    const email = who.email!;
    expect((await limited.t.client().graphql(SEND_MAIL, { input: { email } })).errors).toBeUndefined();
    const code = resetCodeIn(await limited.t.sink.waitForMail(email, 1, MAIL.resetCode));
    expect((await limited.t.client().graphql(RESET_PASSWORD, { input: { email, code, newPassword: GOOD_PASSWORD } })).errors).toBeUndefined();
    const client = limited.t.client();
    await signIn(client, email);
    const [identity] = await linked(client);
    expect(identity?.provider.id).toBe('corp');
    return { client, email, identityId: identity!.id };
  }

  const startLink = (client: TestClient, password: string) => client.graphql(START_LINK, { input: { provider: 'partner', password } });
  const unlink = (client: TestClient, id: string, password: string) => client.graphql(UNLINK, { input: { id, password } });
  const deleteUser = (client: TestClient, email: string, password: string) => client.graphql(DELETE_USER, { input: { email, password } });

  function expectRateLimited(res: GraphqlResponse, field: string): void {
    const error = refusal(res, field);
    expect(error?.extensions?.code).toBe('RATE_LIMITED');
    expect(error?.extensions?.retryAfter).toBeGreaterThan(0);
  }

  it('two wrong passwords at startProviderLink: then startProviderLink, unlinkIdentity and deleteUser refuse even the right password with RATE_LIMITED', async () => {
    const { client, email, identityId } = await accountWithIdentityAndPassword();
    for (let i = 0; i < 2; i++) expect(errorCode(await startLink(client, `wrong-password-${i}`))).toBe('INVALID_CREDENTIALS');

    expectRateLimited(await startLink(client, GOOD_PASSWORD), 'startProviderLink');
    expectRateLimited(await unlink(client, identityId, GOOD_PASSWORD), 'unlinkIdentity');
    expectRateLimited(await deleteUser(client, email, GOOD_PASSWORD), 'deleteUser');
    // Nothing was done: the identity is linked, the account and its session live.
    expect((await linked(client)).map((identity) => identity.id)).toEqual([identityId]);
    expect((await client.graphql(DASHBOARD)).errors).toBeUndefined();

    // Counted per account: another account at the same address links as usual.
    const other = await accountWithIdentityAndPassword();
    const started = await startLink(other.client, GOOD_PASSWORD);
    expect(started.errors).toBeUndefined();
    expect(started.data?.startProviderLink.authorizationUrl).toEqual(expect.any(String));
  });

  it('two wrong passwords at unlinkIdentity: then unlinkIdentity, startProviderLink and deleteUser refuse even the right password with RATE_LIMITED', async () => {
    const { client, email, identityId } = await accountWithIdentityAndPassword();
    for (let i = 0; i < 2; i++) expect(errorCode(await unlink(client, identityId, `wrong-password-${i}`))).toBe('INVALID_CREDENTIALS');

    expectRateLimited(await unlink(client, identityId, GOOD_PASSWORD), 'unlinkIdentity');
    expectRateLimited(await startLink(client, GOOD_PASSWORD), 'startProviderLink');
    expectRateLimited(await deleteUser(client, email, GOOD_PASSWORD), 'deleteUser');
    expect((await linked(client)).map((identity) => identity.id)).toEqual([identityId]);
    expect((await client.graphql(DASHBOARD)).errors).toBeUndefined();
  });

  it('one wrong password at each of startProviderLink and unlinkIdentity spends the one budget: deleteUser refuses the right password', async () => {
    const { client, email, identityId } = await accountWithIdentityAndPassword();
    expect(errorCode(await startLink(client, 'wrong-password-link'))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await unlink(client, identityId, 'wrong-password-unlink'))).toBe('INVALID_CREDENTIALS');
    expectRateLimited(await deleteUser(client, email, GOOD_PASSWORD), 'deleteUser');
    expect(await me(client)).toMatchObject({ email });
  });
});

describe('a stale session of an account without a password (REAUTH_MAX_AGE_SECONDS=1)', () => {
  let reauth: Product;
  beforeAll(async () => {
    reauth = await startProduct('reauth', { REAUTH_MAX_AGE_SECONDS: '1' });
  });
  afterAll(() => reauth?.t.close());

  it('startProviderLink and unlinkIdentity answer REAUTHENTICATION_REQUIRED with maxAge and change nothing; a fresh sign-in makes both work again', async () => {
    const who = corpAccount();
    const browser = reauth.t.client();
    const account = await signedIn(reauth, browser, 'corp', who);
    expect(account.hasPassword).toBe(false);
    // A second way in: partner, linked by the same verified email at its first sign-in.
    expect((await signedIn(reauth, reauth.t.client(), 'partner', { ...who, sub: `partner-${hex()}` })).id).toBe(account.id);
    const partner = (await linked(browser)).find((identity) => identity.provider.id === 'partner');
    expect(partner).toBeDefined();

    // Older than the window on the real clock; still a live session (10 minutes idle).
    await sleep(1_500);
    expect((await browser.graphql(DASHBOARD)).errors).toBeUndefined();
    const stale = { message: 'sign in again to do this', extensions: { code: 'REAUTHENTICATION_REQUIRED', maxAge: 1 } };
    expect(refusal(await browser.graphql(START_LINK, { input: { provider: 'partner' } }), 'startProviderLink')).toMatchObject(stale);
    expect(refusal(await browser.graphql(UNLINK, { input: { id: partner!.id } }), 'unlinkIdentity')).toMatchObject(stale);
    expect((await linked(browser)).map((identity) => identity.provider.id).sort()).toEqual(['corp', 'partner']);

    // Signed in again: a fresh session unlinks...
    const fresh = reauth.t.client();
    expect((await signedIn(reauth, fresh, 'corp', who)).id).toBe(account.id);
    const unlinked = await fresh.graphql(UNLINK, { input: { id: partner!.id } });
    expect(unlinked.errors).toBeUndefined();
    expect(unlinked.data?.unlinkIdentity.message).toBe('identity unlinked!');
    expect((await linked(fresh)).map((identity) => identity.provider.id)).toEqual(['corp']);

    // ...and links, where the stale one still may not.
    const again = reauth.t.client();
    await signedIn(reauth, again, 'corp', who);
    const answer = await link(reauth, again, 'partner', { ...who, sub: `partner-${hex()}` });
    expect(answer.location?.href).toBe(APP);
    const relinked = (await linked(again)).find((identity) => identity.provider.id === 'partner');
    expect(relinked).toBeDefined();
    expect(errorCode(await browser.graphql(UNLINK, { input: { id: relinked!.id } }))).toBe('REAUTHENTICATION_REQUIRED');
  });
});

describe('auth_sign_ins_total{method="provider"}', () => {
  let metered: Product;
  let metricsUrl: URL;
  beforeAll(async () => {
    metered = await startProduct('metrics', { METRICS_PORT: '0' });
    metricsUrl = metered.t.app.metricsUrl()!;
  });
  afterAll(() => metered?.t.close());

  /** The sign-in counters now, by `method` and `outcome`. */
  async function counters() {
    const { samples } = await scrape(metricsUrl);
    return (method: string, outcome: string) => valueOf(samples, 'auth_sign_ins_total', { method, outcome });
  }

  it('counts provider sign-ins that start a session, and their refusals, with the outcomes password sign-ins use; a callback handing the flow to the app counts nothing', async () => {
    const before = await counters();
    // The series exist from the start, as for the other methods.
    expect(before('provider', 'success')).toBe(0);
    expect(before('provider', 'second_factor_required')).toBe(0);

    // Browser mode: the callback starts the session.
    const who = corpAccount();
    const owner = metered.t.client();
    await signedIn(metered, owner, 'corp', who);
    // Refused at the callback: the provider does not vouch for a new account's email.
    await browserSignIn(metered, metered.t.client(), 'corp', corpAccount({ email_verified: false }));
    let now = await counters();
    expect([now('provider', 'success'), now('provider', 'error')]).toEqual([1, 1]);

    // Handoff mode: the callback hands the flow to the app; its finish starts the session.
    const verifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
    const app = metered.t.client();
    const started = await metered.browser.start(app, { provider: 'corp', returnTo: NATIVE, codeChallenge }, { 'x-session-transport': 'header' });
    const back = await metered.browser.callback(null, await metered.browser.toCallback(started.authorizationUrl, () => corp.signInNext(corpAccount())));
    expect(back.params).toEqual({ state: started.state, code: expect.any(String) });
    expect((await counters())('provider', 'success')).toBe(1);
    const finished = await app.graphql(FINISH_PROVIDER_SIGN_IN, { input: { state: back.params.state, authorizationCode: back.params.code, codeVerifier: verifier } }, { 'x-session-transport': 'header' });
    expect(finished.errors).toBeUndefined();
    expect((await counters())('provider', 'success')).toBe(2);

    // Two-factor: the callback asks for the code; a wrong one, then the right one at the finish.
    const { authenticator } = await turnOnTwoFactor(owner, undefined);
    const browser = metered.t.client();
    const asked = await browserSignIn(metered, browser, 'corp', who);
    expect(asked.params.error).toBe('SECOND_FACTOR_REQUIRED');
    const finishWith = (code: string) => browser.graphql(FINISH_PROVIDER_SIGN_IN, { input: { state: asked.params.state, authorizationCode: asked.params.code, code } });
    const valid = new Set([-1, 0, 1, 2].map((steps) => authenticator.code(steps)));
    expect(errorCode(await finishWith(['000000', '111111', '222222'].find((code) => !valid.has(code))!))).toBe('INVALID_CODE');
    expect((await finishWith(authenticator.code(1))).errors).toBeUndefined();

    now = await counters();
    expect({
      success: now('provider', 'success'),
      second_factor_required: now('provider', 'second_factor_required'),
      invalid_code: now('provider', 'invalid_code'),
      error: now('provider', 'error'),
    }).toEqual({ success: 3, second_factor_required: 1, invalid_code: 1, error: 1 });
    // Counted as provider sign-ins only.
    expect([now('password', 'success'), now('passkey', 'success')]).toEqual([0, 0]);
  });
});
