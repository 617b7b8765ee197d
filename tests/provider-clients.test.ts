// The relying-party side of provider sign-in (createProviderClients) against the loopback identity
// providers: the identity each provider proves (subject, issuer, email and whether it counts as
// verified, name), every broken answer as ProviderFailure INVALID_RESPONSE, refusals, outages as
// UNAVAILABLE within a bounded time. The configuration comes from parseProviderConfig, as at start.
// No database and no product server: the user agent stops at the callback URL.
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK } from 'jose';
import { calculatePKCECodeChallenge, type CustomFetch, randomNonce, randomPKCECodeVerifier, randomState } from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackUrl, parseProviderConfig, type ProviderConfigContext, type ProvidersConfig } from '../src/services/providers/provider-config.ts';
import {
  createProviderClients,
  type ProvedIdentity,
  type ProviderClient,
  type ProviderClientOptions,
  ProviderFailure,
  type ProviderFailureReason,
  type ProviderFlow,
} from '../src/services/providers/provider-clients.ts';
import {
  followRedirects,
  type GitHubAccount,
  type GitHubTestServer,
  type IdTokenTampering,
  loopbackFetch,
  MICROSOFT_CONSUMER_TENANT,
  type OidcAccount,
  type OidcTestProvider,
  startGitHub,
  startOidcProvider,
} from './support/identity-providers/index.ts';

// The product as providers know it: never requested, the user agent stops there.
const PUBLIC_URL = 'http://localhost:3999';
const DEV: ProviderConfigContext = { production: false, host: undefined, port: 3999, cookieSecure: false };
const BASE = { PUBLIC_URL, PROVIDER_RETURN_URLS: 'http://localhost:3000/signed-in' };
const ENTRA = 'https://login.microsoftonline.com';
const ADA: OidcAccount = { sub: 'ada-1', email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' };

function providersFrom(env: Record<string, string>): ProvidersConfig {
  const problems: string[] = [];
  const config = parseProviderConfig({ ...BASE, ...env }, DEV, problems);
  expect(problems).toEqual([]);
  return config;
}

/** Google's and Apple's issuers are fixed by the parser; the loopback provider has its own. */
function withIssuer(config: ProvidersConfig, id: string, issuer: string): ProvidersConfig {
  return { ...config, providers: config.providers.map((p) => (p.id === id && p.kind !== 'github' ? { ...p, issuer } : p)) };
}

function clientOf(config: ProvidersConfig, id: string, options?: ProviderClientOptions): ProviderClient {
  const client = createProviderClients(config, options).get(id);
  if (!client) throw new Error(`no client ${id}`);
  return client;
}

const newFlow = (): ProviderFlow => ({ state: randomState(), nonce: randomNonce(), codeVerifier: randomPKCECodeVerifier() });

/** Start, through the provider as a browser, up to the callback: its query or form_post fields. */
async function toCallback(client: ProviderClient, flow: ProviderFlow, prepare: () => void): Promise<URLSearchParams> {
  const url = await client.authorizationUrl(flow);
  prepare();
  const navigation = await followRedirects(url, { stopAt: PUBLIC_URL });
  if (navigation.kind === 'redirect') {
    expect(`${navigation.location.origin}${navigation.location.pathname}`).toBe(callbackUrl(PUBLIC_URL, client.id));
    return new URLSearchParams(navigation.location.search);
  }
  if (navigation.kind === 'form_post') {
    expect(navigation.form.action.href).toBe(callbackUrl(PUBLIC_URL, client.id));
    return navigation.form.fields;
  }
  throw new Error(`no way back to the product: ${JSON.stringify(navigation)}`);
}

/** A sign-in up to the callback; `redeem()` then gives the identity, or the ProviderFailure. */
async function signIn(client: ProviderClient, prepare: () => void, change?: (params: URLSearchParams) => void): Promise<{ flow: ProviderFlow; params: URLSearchParams; redeem: () => Promise<ProvedIdentity> }> {
  const flow = newFlow();
  const params = await toCallback(client, flow, prepare);
  change?.(params);
  return { flow, params, redeem: () => client.redeem({ params }, flow) };
}

/** Expects a ProviderFailure for `reason` whose check quotes none of the flow's values. */
async function failure(promise: Promise<unknown>, reason: ProviderFailureReason, flow?: ProviderFlow, params?: URLSearchParams): Promise<ProviderFailure> {
  const error: unknown = await promise.then(
    () => {
      throw new Error(`expected ProviderFailure ${reason}`);
    },
    (rejected: unknown) => rejected,
  );
  if (!(error instanceof ProviderFailure)) throw error;
  expect({ reason: error.reason, check: error.check }).toMatchObject({ reason });
  const secrets = [flow?.state, flow?.nonce, flow?.codeVerifier, ...(params?.getAll('code') ?? [])].filter((s): s is string => !!s);
  for (const secret of secrets) expect(error.check).not.toContain(secret);
  return error;
}

/** Runs `action`, expecting UNAVAILABLE sooner than timeout + 2 s. */
async function unavailableWithin(timeoutSeconds: number, action: () => Promise<unknown>, flow?: ProviderFlow, params?: URLSearchParams): Promise<ProviderFailure> {
  const started = Date.now();
  const failed = await failure(action(), 'UNAVAILABLE', flow, params);
  expect(Date.now() - started).toBeLessThan((timeoutSeconds + 2) * 1000);
  return failed;
}

describe('Google-like provider', () => {
  let op: OidcTestProvider;
  let google: ProviderClient;
  beforeAll(async () => {
    op = await startOidcProvider({ profile: 'google', extraClaims: ['hd'], clients: [{ client_id: 'google-rp', client_secret: 'google-secret', redirect_uris: [callbackUrl(PUBLIC_URL, 'google')] }] });
    google = clientOf(withIssuer(providersFrom({ GOOGLE_CLIENT_ID: 'google-rp', GOOGLE_CLIENT_SECRET: 'google-secret' }), 'google', op.issuer), 'google');
  });
  afterAll(() => op.close());

  it('builds the authorization URL: code, scopes, redirect_uri, state, nonce, PKCE S256; query response mode', async () => {
    const flow = newFlow();
    const url = await google.authorizationUrl(flow);
    expect(google.responseMode).toBe('query');
    expect(`${url.origin}${url.pathname}`).toBe(`${op.url}/o/oauth2/v2/auth`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'google-rp',
      response_type: 'code',
      scope: 'openid email profile',
      redirect_uri: `${PUBLIC_URL}/auth/callback/google`,
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await calculatePKCECodeChallenge(flow.codeVerifier),
      code_challenge_method: 'S256',
    });
  });

  it('proves the identity: sub, the ID Token iss, a verified email, name', async () => {
    const { redeem } = await signIn(google, () => op.signInNext({ ...ADA, hd: 'example.com' }));
    const identity = await redeem();
    expect(identity).toEqual({ provider: 'google', subject: 'ada-1', issuer: op.issuer, email: 'ada@example.com', emailVerified: true, name: 'Ada Lovelace' });
  });

  it.each<[string, Partial<OidcAccount>, string | null, boolean]>([
    ['email_verified false', { email_verified: false }, 'ada@example.com', false],
    ['no email_verified claim', { email_verified: undefined }, 'ada@example.com', false],
    ['email_verified as the string "true" (not Google\'s type)', { email_verified: 'true' }, 'ada@example.com', false],
    ['an implausible email', { email: 'ada@@example.com' }, null, false],
    ['an email with whitespace', { email: 'ada lovelace@example.com' }, null, false],
    ['an email over 254 characters', { email: `${'a'.repeat(250)}@example.com` }, null, false],
  ])('counts %s', async (_, change, email, emailVerified) => {
    const { redeem } = await signIn(google, () => op.signInNext({ ...ADA, ...change }));
    expect(await redeem()).toMatchObject({ subject: 'ada-1', email, emailVerified });
  });

  it('takes email and email_verified from userinfo when the ID Token has no email', async () => {
    const { redeem } = await signIn(google, () => {
      op.signInNext({ ...ADA, name: 'Ada' });
      op.tamperNextIdToken({ claims: ({ email: _email, email_verified: _verified, name: _name, ...claims }) => claims });
    });
    expect(await redeem()).toMatchObject({ subject: 'ada-1', email: 'ada@example.com', emailVerified: true, name: 'Ada' });
  });

  it('refuses userinfo for another subject than the ID Token\'s', async () => {
    const { flow, params, redeem } = await signIn(google, () => {
      op.signInNext(ADA);
      op.tamperNextIdToken({ claims: ({ email: _email, ...claims }) => ({ ...claims, sub: 'someone-else' }) });
    });
    expect((await failure(redeem(), 'INVALID_RESPONSE', flow, params)).check).toBe('unexpected "response" body "sub" property value');
  });

  // The messages are openid-client's causes, as the harness test pins them.
  it.each<[IdTokenTampering, string]>([
    ['wrong-iss', 'unexpected JWT "iss" (issuer) claim value'],
    ['wrong-aud', 'unexpected JWT "aud" (audience) claim value'],
    ['extra-aud', 'ID Token "aud" (audience) claim includes additional untrusted audiences'],
    ['no-nonce', 'JWT "nonce" (nonce) claim missing'],
    ['wrong-nonce', 'unexpected ID Token "nonce" claim value'],
    ['expired', 'unexpected JWT "exp" (expiration time) claim value, expiration is past current timestamp'],
    ['no-sub', 'JWT "sub" (subject) claim missing'],
    ['alg-none', 'unexpected JWT "alg" header parameter'],
    ['hs256-client-secret', 'unexpected JWT "alg" header parameter'],
    ['foreign-key', 'error when selecting a JWT verification key, no applicable keys found'],
    ['bad-signature', 'JWT signature verification failed'],
  ])('refuses an ID Token with %s: INVALID_RESPONSE', async (tampering, check) => {
    const { flow, params, redeem } = await signIn(google, () => {
      op.signInNext(ADA);
      op.tamperNextIdToken(tampering);
    });
    expect((await failure(redeem(), 'INVALID_RESPONSE', flow, params)).check).toBe(check);
  });

  it('maps the provider\'s error: access_denied to ACCESS_DENIED, login_required to PROVIDER_REFUSED', async () => {
    const denied = await signIn(google, () => op.failNextAuthorization('access_denied', 'the user said no'));
    expect((await failure(denied.redeem(), 'ACCESS_DENIED', denied.flow, denied.params)).check).toBe('authorization response error=access_denied');
    // No account named: the provider answers login_required.
    const refused = await signIn(google, () => {});
    expect(refused.params.get('error')).toBe('login_required');
    expect((await failure(refused.redeem(), 'PROVIDER_REFUSED', refused.flow, refused.params)).check).toBe('authorization response error=login_required');
  });

  it('refuses a callback without code, with a wrong iss, without the iss the issuer advertises, or with another flow\'s state: INVALID_RESPONSE', async () => {
    const noCode = await signIn(google, () => op.signInNext(ADA), (params) => params.delete('code'));
    expect((await failure(noCode.redeem(), 'INVALID_RESPONSE', noCode.flow)).check).toBe('no authorization code in "callbackParameters"');
    const wrongIss = await signIn(google, () => op.signInNext(ADA), (params) => params.set('iss', 'http://127.0.0.1:9/elsewhere'));
    expect((await failure(wrongIss.redeem(), 'INVALID_RESPONSE', wrongIss.flow, wrongIss.params)).check).toBe('unexpected "iss" (issuer) response parameter value');
    const noIss = await signIn(google, () => op.signInNext(ADA), (params) => params.delete('iss'));
    expect((await failure(noIss.redeem(), 'INVALID_RESPONSE', noIss.flow, noIss.params)).check).toBe('response parameter "iss" (issuer) missing');
    const { params } = await signIn(google, () => op.signInNext(ADA));
    const other = newFlow();
    expect((await failure(google.redeem({ params }, other), 'INVALID_RESPONSE', other, params)).check).toBe('unexpected "state" response parameter value');
  });

  it('refuses a code redeemed twice (invalid_grant) and a wrong PKCE verifier: INVALID_RESPONSE', async () => {
    const { flow, params, redeem } = await signIn(google, () => op.signInNext(ADA));
    await redeem();
    expect((await failure(google.redeem({ params }, flow), 'INVALID_RESPONSE', flow, params)).check).toBe('provider answered HTTP 400 error=invalid_grant');
    const fresh = await signIn(google, () => op.signInNext(ADA));
    const wrongVerifier = { ...fresh.flow, codeVerifier: randomPKCECodeVerifier() };
    await failure(google.redeem({ params: fresh.params }, wrongVerifier), 'INVALID_RESPONSE', wrongVerifier, fresh.params);
  });
});

describe('generic OpenID Providers', () => {
  let op: OidcTestProvider;
  let clients: Map<string, ProviderClient>;
  const client = (id: string) => clients.get(id) ?? (() => { throw new Error(id); })();
  beforeAll(async () => {
    op = await startOidcProvider({ path: '/realms/test' });
    for (const id of ['acme', 'untrusted', 'posted']) op.registerClient({ client_id: `${id}-rp`, client_secret: `${id}-secret`, redirect_uris: [callbackUrl(PUBLIC_URL, id)] });
    op.registerClient({ client_id: 'spa-rp', redirect_uris: [callbackUrl(PUBLIC_URL, 'spa')] });
    const env: Record<string, string> = { OIDC_PROVIDERS: 'acme,untrusted,spa,posted,off', PROVIDERS_DISABLED: 'off', OIDC_UNTRUSTED_TRUST_EMAIL: 'false', OIDC_POSTED_RESPONSE_MODE: 'form_post', OIDC_ACME_SCOPES: 'openid email' };
    for (const id of ['acme', 'untrusted', 'spa', 'posted', 'off']) {
      env[`OIDC_${id.toUpperCase()}_ISSUER`] = op.issuer;
      env[`OIDC_${id.toUpperCase()}_CLIENT_ID`] = `${id}-rp`;
      if (id !== 'spa') env[`OIDC_${id.toUpperCase()}_CLIENT_SECRET`] = `${id}-secret`;
    }
    clients = createProviderClients(providersFrom(env));
  });
  afterAll(() => op.close());

  it('has a client for each enabled provider only, in order', () => {
    expect([...clients.keys()]).toEqual(['acme', 'untrusted', 'spa', 'posted']);
  });

  it('proves the identity at an issuer with a path, with the configured scopes', async () => {
    const { redeem } = await signIn(client('acme'), () => op.signInNext(ADA));
    expect(op.authorizationRequests.at(-1)?.get('scope')).toBe('openid email');
    expect(await redeem()).toEqual({ provider: 'acme', subject: 'ada-1', issuer: `${op.url}/realms/test`, email: 'ada@example.com', emailVerified: true, name: null });
  });

  it('with TRUST_EMAIL=false counts every email unverified', async () => {
    const { redeem } = await signIn(client('untrusted'), () => op.signInNext(ADA));
    expect(await redeem()).toMatchObject({ provider: 'untrusted', email: 'ada@example.com', emailVerified: false, name: 'Ada Lovelace' });
  });

  it('signs in a public client (PKCE only, no secret)', async () => {
    const { redeem } = await signIn(client('spa'), () => op.signInNext(ADA));
    expect(await redeem()).toMatchObject({ provider: 'spa', subject: 'ada-1', emailVerified: true });
  });

  it('refuses a discovery document naming another issuer: INVALID_RESPONSE', async () => {
    // Configured with a trailing slash the provider's issuer does not have.
    const slashed = providersFrom({ OIDC_PROVIDERS: 'acme', OIDC_ACME_ISSUER: `${op.issuer}/`, OIDC_ACME_CLIENT_ID: 'acme-rp', OIDC_ACME_CLIENT_SECRET: 'acme-secret' });
    const flow = newFlow();
    expect((await failure(clientOf(slashed, 'acme').authorizationUrl(flow), 'INVALID_RESPONSE', flow)).check).toBe('discovered metadata issuer does not match the expected issuer');
  });

  it('asks for and takes a form_post answer when so configured', async () => {
    const posted = client('posted');
    expect(posted.responseMode).toBe('form_post');
    const flow = newFlow();
    expect((await posted.authorizationUrl(flow)).searchParams.get('response_mode')).toBe('form_post');
    const { params, redeem } = await signIn(posted, () => op.signInNext(ADA));
    expect(params.has('code')).toBe(true);
    expect(await redeem()).toMatchObject({ provider: 'posted', subject: 'ada-1', email: 'ada@example.com', emailVerified: true });
  });
});

describe('Microsoft-like provider (Entra ID)', () => {
  const TENANT_A = '11111111-1111-4111-8111-111111111111';
  const TENANT_B = '22222222-2222-4222-8222-222222222222';
  let op: OidcTestProvider;
  const microsoft = (tenant: string) =>
    clientOf(providersFrom({ MICROSOFT_CLIENT_ID: 'ms-rp', MICROSOFT_CLIENT_SECRET: 'ms-secret', MICROSOFT_TENANT: tenant }), 'microsoft', {
      // openid-client handles the {tenantid} issuer only for discovery at login.microsoftonline.com.
      customFetch: loopbackFetch({ [ENTRA]: op.url }),
    });
  const account = (tid: string, more: Partial<OidcAccount> = {}): OidcAccount => ({ sub: `pairwise-${tid}`, email: 'ada@contoso.com', name: 'Ada', tid, oid: `oid-of-ada-in-${tid}`, ...more });
  beforeAll(async () => {
    op = await startOidcProvider({ profile: 'microsoft', issuerOrigin: ENTRA, clients: [{ client_id: 'ms-rp', client_secret: 'ms-secret', redirect_uris: [callbackUrl(PUBLIC_URL, 'microsoft')] }] });
  });
  afterAll(() => op.close());

  it.each<[string, boolean | string | undefined, boolean]>([
    ['xms_edov true', true, true],
    ['xms_edov "true"', 'true', true],
    ['xms_edov "1"', '1', true],
    ['no xms_edov', undefined, false],
    ['xms_edov false', false, false],
    ['xms_edov "false"', 'false', false],
    ['xms_edov "0"', '0', false],
  ])('common: subject tid:oid, the tenant\'s issuer; %s', async (_, xms_edov, emailVerified) => {
    const { redeem } = await signIn(microsoft('common'), () => op.signInNext(account(TENANT_A, { xms_edov })));
    expect(await redeem()).toEqual({ provider: 'microsoft', subject: `${TENANT_A}:oid-of-ada-in-${TENANT_A}`, issuer: `${ENTRA}/${TENANT_A}/v2.0`, email: 'ada@contoso.com', emailVerified, name: 'Ada' });
  });

  it('counts email_verified true as verified', async () => {
    const { redeem } = await signIn(microsoft('common'), () => {
      op.signInNext(account(TENANT_B));
      op.tamperNextIdToken({ claims: (claims) => ({ ...claims, email_verified: true }) });
    });
    expect(await redeem()).toMatchObject({ subject: `${TENANT_B}:oid-of-ada-in-${TENANT_B}`, emailVerified: true });
  });

  it('refuses an ID Token without oid: INVALID_RESPONSE', async () => {
    const { flow, params, redeem } = await signIn(microsoft('common'), () => {
      op.signInNext(account(TENANT_A));
      op.tamperNextIdToken({ claims: ({ oid: _oid, ...claims }) => claims });
    });
    expect((await failure(redeem(), 'INVALID_RESPONSE', flow, params)).check).toBe('ID Token without "tid" and "oid" claims');
  });

  it.each<[string, string, 'ok' | string]>([
    ['organizations', TENANT_A, 'ok'],
    ['organizations', MICROSOFT_CONSUMER_TENANT, 'personal Microsoft account for an organizations-only tenant'],
    ['consumers', MICROSOFT_CONSUMER_TENANT, 'ok'],
    ['consumers', TENANT_A, 'unexpected JWT "iss" (issuer) claim value'],
    [TENANT_A, TENANT_A, 'ok'],
    [TENANT_A, TENANT_B, 'unexpected JWT "iss" (issuer) claim value'],
  ])('tenant %s, a user of %s: %s', async (tenant, tid, outcome) => {
    const { flow, params, redeem } = await signIn(microsoft(tenant), () => op.signInNext(account(tid, { xms_edov: true })));
    if (outcome === 'ok') expect(await redeem()).toMatchObject({ subject: `${tid}:oid-of-ada-in-${tid}`, issuer: `${ENTRA}/${tid}/v2.0`, emailVerified: true });
    else expect((await failure(redeem(), 'INVALID_RESPONSE', flow, params)).check).toBe(outcome);
  });
});

describe('Apple-like provider (form_post, ES256 client secret)', () => {
  const TEAM = 'TEAM123456';
  const KEY_ID = 'KEY1234567';
  const developerKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  let op: OidcTestProvider;
  let config: ProvidersConfig;
  let metadata: { token_endpoint: string; revocation_endpoint: string };
  // What the provider was sent, and the test's changes to its answers (Apple always returns a
  // refresh token; oidc-provider issues none to this client, so one is added here).
  const sent: { url: string; body: URLSearchParams }[] = [];
  let addRefreshToken: string | undefined;
  let revocationStatus = 200;
  const appleFetch: CustomFetch = async (url, options) => {
    const body = new URLSearchParams(options.body instanceof URLSearchParams || typeof options.body === 'string' ? options.body : undefined);
    sent.push({ url, body });
    if (url === metadata.revocation_endpoint) return new Response(revocationStatus === 200 ? null : 'down', { status: revocationStatus });
    const response = await fetch(url, options as RequestInit);
    if (url !== metadata.token_endpoint || addRefreshToken === undefined || !response.ok) return response;
    const tokens = (await response.json()) as Record<string, unknown>;
    return Response.json({ ...tokens, refresh_token: addRefreshToken });
  };
  const apple = () => clientOf(config, 'apple', { customFetch: appleFetch });

  beforeAll(async () => {
    op = await startOidcProvider({
      profile: 'apple',
      clients: [{ client_id: 'com.example.web', redirect_uris: [callbackUrl(PUBLIC_URL, 'apple')], appleDeveloperKey: { teamId: TEAM, keyId: KEY_ID, publicKey: await exportJWK(developerKey.publicKey) } }],
    });
    metadata = (await (await fetch(`${op.url}/.well-known/openid-configuration`)).json()) as typeof metadata;
    const pem = developerKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    config = withIssuer(providersFrom({ APPLE_CLIENT_ID: 'com.example.web', APPLE_TEAM_ID: TEAM, APPLE_KEY_ID: KEY_ID, APPLE_PRIVATE_KEY: pem }), 'apple', op.issuer);
  });
  afterAll(() => op.close());

  it('asks for form_post with Apple\'s scopes; name from the first answer\'s user field, email_verified "true", relay address verified', async () => {
    const client = apple();
    expect(client.responseMode).toBe('form_post');
    const flow = newFlow();
    const url = await client.authorizationUrl(flow);
    expect(url.searchParams.get('response_mode')).toBe('form_post');
    expect(url.searchParams.get('scope')).toBe('openid name email');
    expect(url.searchParams.get('nonce')).toBe(flow.nonce);

    const relay: OidcAccount = { sub: '001234.abcd', email: 'x1y2@privaterelay.appleid.com', email_verified: true, is_private_email: true, given_name: 'Ada', family_name: 'Lovelace' };
    const first = await signIn(client, () => op.signInNext(relay));
    expect(first.params.has('user')).toBe(true);
    expect(await first.redeem()).toEqual({ provider: 'apple', subject: '001234.abcd', issuer: op.issuer, email: 'x1y2@privaterelay.appleid.com', emailVerified: true, name: 'Ada Lovelace' });

    const second = await signIn(client, () => op.signInNext(relay));
    expect(second.params.has('user')).toBe(false);
    expect(await second.redeem()).toMatchObject({ subject: '001234.abcd', emailVerified: true, name: null });
  });

  it('counts email_verified "false" unverified', async () => {
    const { redeem } = await signIn(apple(), () => op.signInNext({ sub: '002.x', email: 'b@example.com', email_verified: 'false', appleUser: null }));
    expect(await redeem()).toMatchObject({ email: 'b@example.com', emailVerified: false, name: null });
  });

  it('authenticates with an ES256 client secret the token endpoint accepts, reused within the hour', async () => {
    const client = apple();
    sent.length = 0;
    await (await signIn(client, () => op.signInNext({ sub: '003.x', email: 'c@example.com', email_verified: true }))).redeem();
    await (await signIn(client, () => op.signInNext({ sub: '003.x', email: 'c@example.com', email_verified: true }))).redeem();
    const secrets = sent.filter((request) => request.url === metadata.token_endpoint).map((request) => request.body.get('client_secret') ?? '');
    expect(secrets).toHaveLength(2);
    expect(secrets[1]).toBe(secrets[0]);
    expect(decodeProtectedHeader(secrets[0] ?? '')).toEqual({ alg: 'ES256', kid: KEY_ID });
    const claims = decodeJwt(secrets[0] ?? '');
    expect(claims).toMatchObject({ iss: TEAM, sub: 'com.example.web', aud: 'https://appleid.apple.com' });
    const { iat = 0, exp = 0 } = claims;
    expect(Math.abs(iat - Date.now() / 1000)).toBeLessThan(60);
    expect(exp - iat).toBeGreaterThan(3600);
    expect(exp - iat).toBeLessThanOrEqual(183 * 24 * 3600);
  });

  it('returns the refresh token when the token response has one, and revokes it', async () => {
    const client = apple();
    addRefreshToken = 'apple-refresh-token-0123456789';
    try {
      const { redeem } = await signIn(client, () => op.signInNext({ sub: '004.x', email: 'd@example.com', email_verified: 'true' }));
      expect((await redeem()).appleRefreshToken).toBe('apple-refresh-token-0123456789');
    } finally {
      addRefreshToken = undefined;
    }
    await client.revoke?.('apple-refresh-token-0123456789');
    const revocation = sent.at(-1);
    expect(revocation?.url).toBe(metadata.revocation_endpoint);
    expect(Object.fromEntries(revocation?.body ?? [])).toMatchObject({ token: 'apple-refresh-token-0123456789', token_type_hint: 'refresh_token', client_id: 'com.example.web' });
    expect(decodeJwt(revocation?.body.get('client_secret') ?? '')).toMatchObject({ iss: TEAM, sub: 'com.example.web' });

    revocationStatus = 503;
    try {
      const failed = await failure(client.revoke?.('apple-refresh-token-0123456789') ?? Promise.resolve(), 'UNAVAILABLE');
      expect(failed.check).not.toContain('apple-refresh-token');
    } finally {
      revocationStatus = 200;
    }
  });

  it('has no refresh token when the token response has none; only Apple can revoke', async () => {
    const { redeem } = await signIn(apple(), () => op.signInNext({ sub: '005.x', email: 'e@example.com', email_verified: true }));
    expect(await redeem()).not.toHaveProperty('appleRefreshToken');
    expect(createProviderClients(withIssuer(providersFrom({ GOOGLE_CLIENT_ID: 'g', GOOGLE_CLIENT_SECRET: 's' }), 'google', op.issuer)).get('google')?.revoke).toBeUndefined();
  });

  it('maps the user cancelling (user_cancelled_authorize) to ACCESS_DENIED; refuses a tampered ID Token', async () => {
    const cancelled = await signIn(apple(), () => op.failNextAuthorization('user_cancelled_authorize'));
    await failure(cancelled.redeem(), 'ACCESS_DENIED', cancelled.flow, cancelled.params);
    const tampered = await signIn(apple(), () => {
      op.signInNext({ sub: '006.x', email: 'f@example.com', email_verified: true });
      op.tamperNextIdToken('wrong-aud');
    });
    expect((await failure(tampered.redeem(), 'INVALID_RESPONSE', tampered.flow, tampered.params)).check).toBe('unexpected JWT "aud" (audience) claim value');
  });
});

describe('GitHub-like provider', () => {
  const OCTO: GitHubAccount = { id: 583231, login: 'octocat', name: 'The Octocat', emails: [{ email: 'octocat@github.com', primary: true, verified: true }] };
  let github: GitHubTestServer;
  let config: ProvidersConfig;
  let client: ProviderClient;
  beforeAll(async () => {
    github = await startGitHub({ apps: [{ client_id: 'gh-rp', client_secret: 'gh-secret', callback_url: callbackUrl(PUBLIC_URL, 'github') }] });
    config = providersFrom({ GITHUB_CLIENT_ID: 'gh-rp', GITHUB_CLIENT_SECRET: 'gh-secret', GITHUB_URL: github.url, GITHUB_API_URL: github.apiUrl });
    client = clientOf(config, 'github', { timeoutSeconds: 1 });
  });
  afterAll(() => github.close());

  it('builds the authorization URL: scopes read:user user:email, state, PKCE, no nonce', async () => {
    const flow = newFlow();
    const url = await client.authorizationUrl(flow);
    expect(`${url.origin}${url.pathname}`).toBe(`${github.url}/login/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'gh-rp',
      response_type: 'code',
      scope: 'read:user user:email',
      redirect_uri: `${PUBLIC_URL}/auth/callback/github`,
      state: flow.state,
      code_challenge: await calculatePKCECodeChallenge(flow.codeVerifier),
      code_challenge_method: 'S256',
    });
  });

  it('proves the numeric id, GITHUB_URL as issuer, the verified primary email, the name', async () => {
    const { redeem } = await signIn(client, () => github.signInNext(OCTO));
    expect(await redeem()).toEqual({ provider: 'github', subject: '583231', issuer: github.url, email: 'octocat@github.com', emailVerified: true, name: 'The Octocat' });
  });

  it.each<[string, Partial<GitHubAccount>, Partial<ProvedIdentity>]>([
    ['an unverified primary email as unverified', { emails: [{ email: 'octocat@github.com', primary: true, verified: false }] }, { email: 'octocat@github.com', emailVerified: false }],
    [
      'the public email not at all (only the primary counts)',
      { emails: [{ email: 'primary@example.com', primary: true, verified: false }, { email: 'public@example.com', primary: false, verified: true, visibility: 'public' }] },
      { email: 'primary@example.com', emailVerified: false },
    ],
    ['no primary email as no email', { emails: [{ email: 'other@example.com', primary: false, verified: true, visibility: 'public' }] }, { email: null, emailVerified: false }],
    ['the login without a name', { name: null }, { name: 'octocat' }],
  ])('takes %s', async (_, change, expected) => {
    const { redeem } = await signIn(client, () => github.signInNext({ ...OCTO, ...change }));
    expect(await redeem()).toMatchObject({ subject: '583231', ...expected });
  });

  it('refuses GitHub\'s HTTP-200 token errors (code reused, wrong client secret): INVALID_RESPONSE', async () => {
    const { flow, params, redeem } = await signIn(client, () => github.signInNext(OCTO));
    await redeem();
    expect((await failure(client.redeem({ params }, flow), 'INVALID_RESPONSE', flow, params)).check).toBe('provider answered error=bad_verification_code');
    const wrongSecret = clientOf({ ...config, providers: config.providers.map((p) => (p.kind === 'github' ? { ...p, clientSecret: 'not-it' } : p)) }, 'github');
    const other = await signIn(wrongSecret, () => github.signInNext(OCTO));
    expect((await failure(other.redeem(), 'INVALID_RESPONSE', other.flow, other.params)).check).toBe('provider answered error=incorrect_client_credentials');
  });

  it('maps access_denied to ACCESS_DENIED', async () => {
    const { flow, params, redeem } = await signIn(client, () => github.failNextAuthorization('access_denied'));
    await failure(redeem(), 'ACCESS_DENIED', flow, params);
  });

  it('answers UNAVAILABLE, within the timeout, when GitHub is slow, unreachable or failing', async () => {
    for (const fault of ['slow', 'unreachable', '503'] as const) {
      const { flow, params } = await signIn(client, () => github.signInNext(OCTO));
      if (fault === 'slow') github.faults.delayMs = 2500;
      if (fault === 'unreachable') github.faults.unreachable = true;
      if (fault === '503') github.faults.tokenError = { status: 503 };
      try {
        await unavailableWithin(1, () => client.redeem({ params }, flow), flow, params);
      } finally {
        Object.assign(github.faults, { delayMs: 0, unreachable: false, tokenError: null });
      }
    }
  });
});

describe('provider faults', () => {
  let op: OidcTestProvider;
  let config: ProvidersConfig;
  const fresh = () => clientOf(config, 'acme', { timeoutSeconds: 1 });
  beforeAll(async () => {
    op = await startOidcProvider({ clients: [{ client_id: 'acme-rp', client_secret: 'acme-secret', redirect_uris: [callbackUrl(PUBLIC_URL, 'acme')] }] });
    config = providersFrom({ OIDC_PROVIDERS: 'acme', OIDC_ACME_ISSUER: op.issuer, OIDC_ACME_CLIENT_ID: 'acme-rp', OIDC_ACME_CLIENT_SECRET: 'acme-secret' });
  });
  afterAll(() => op.close());

  it('makes no network call at creation', () => {
    const gone = providersFrom({ OIDC_PROVIDERS: 'gone', OIDC_GONE_ISSUER: 'http://127.0.0.1:9', OIDC_GONE_CLIENT_ID: 'x' });
    expect([...createProviderClients(gone).keys()]).toEqual(['gone']);
  });

  it('discovers once, at first use, for concurrent and later callers', async () => {
    const requested: string[] = [];
    const counting: CustomFetch = (url, options) => {
      requested.push(new URL(url).pathname);
      return fetch(url, options as RequestInit);
    };
    const client = clientOf(config, 'acme', { customFetch: counting });
    expect(requested).toEqual([]);
    await Promise.all([client.authorizationUrl(newFlow()), client.authorizationUrl(newFlow())]);
    const { flow, params } = await signIn(client, () => op.signInNext(ADA));
    await client.redeem({ params }, flow);
    expect(requested.filter((path) => path.endsWith('/.well-known/openid-configuration'))).toHaveLength(1);
  });

  it('discovery that cannot be had: UNAVAILABLE at authorizationUrl, and tried again soon after', async () => {
    const client = fresh();
    op.faults.unreachable = true;
    try {
      expect((await unavailableWithin(1, () => client.authorizationUrl(newFlow()))).check).toMatch(/^discovery unreachable/);
    } finally {
      op.faults.unreachable = false;
    }
    // A failure is remembered for a second at most.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await client.authorizationUrl(newFlow())).origin).toBe(op.url);
  });

  it('a slow or failing discovery: UNAVAILABLE within the timeout', async () => {
    op.faults.delayMs = 2500;
    try {
      expect((await unavailableWithin(1, () => fresh().authorizationUrl(newFlow()))).check).toBe('discovery did not answer in time');
    } finally {
      op.faults.delayMs = 0;
    }
    const closed = await startOidcProvider();
    await closed.close();
    const refused = providersFrom({ OIDC_PROVIDERS: 'closed', OIDC_CLOSED_ISSUER: closed.issuer, OIDC_CLOSED_CLIENT_ID: 'x' });
    expect((await unavailableWithin(1, () => clientOf(refused, 'closed').authorizationUrl(newFlow()))).check).toBe('discovery unreachable (ECONNREFUSED)');
  });

  it.each<[string, (faults: OidcTestProvider['faults']) => void]>([
    ['unreachable', (faults) => void (faults.unreachable = true)],
    ['slower than the timeout', (faults) => void (faults.delayMs = 2500)],
    ['a 503 from the token endpoint', (faults) => void (faults.tokenError = { status: 503 })],
    ['a 502 HTML page from the token endpoint', (faults) => void (faults.tokenError = { status: 502, body: '<h1>Bad Gateway</h1>', contentType: 'text/html' })],
  ])('the provider %s at the callback: UNAVAILABLE within the timeout', async (_, fault) => {
    const client = fresh();
    const { flow, params } = await signIn(client, () => op.signInNext(ADA));
    fault(op.faults);
    try {
      await unavailableWithin(1, () => client.redeem({ params }, flow), flow, params);
    } finally {
      Object.assign(op.faults, { delayMs: 0, unreachable: false, tokenError: null });
    }
  });
});
