// The loopback identity providers (tests/support/identity-providers/) work as the product's sign-in
// will use them: openid-client 6, as the relying party, discovers them, sends the browser (the
// harness's user agent) through them, redeems the code and reads the account the test named. Also
// pins how openid-client reacts to each broken ID Token and provider fault, and how it takes
// Microsoft's tenant-templated issuer. No database and no product server are involved.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as client from 'openid-client';
import { CookieJar } from 'tough-cookie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  followRedirects,
  type GitHubTestServer,
  type IdTokenTampering,
  loopbackFetch,
  type OidcAccount,
  type OidcTestProvider,
  startGitHub,
  startOidcProvider,
  submitFormPost,
} from './support/identity-providers/index.ts';

// The product's callback: never requested here, the user agent stops before it.
const PRODUCT = 'http://localhost:3999';
const callback = (provider: string) => `${PRODUCT}/auth/callback/${provider}`;
const ADA: OidcAccount = { sub: 'ada-1', email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' };

type Rejection = Error & { code?: string; cause?: unknown; error?: string; status?: number };
async function rejection(promise: Promise<unknown>): Promise<Rejection> {
  try {
    await promise;
  } catch (error) {
    return error as Rejection;
  }
  throw new Error('expected a rejection');
}
const causeOf = (error: Rejection) => error.cause as Rejection;

const insecure = (...more: ((config: client.Configuration) => void)[]) => ({ execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks, ...more] });

interface Started {
  url: URL;
  checks: { pkceCodeVerifier: string; expectedState: string; expectedNonce: string; idTokenExpected: true };
}
/** What the product's "start sign-in" does: PKCE S256, state and nonce, and the authorization URL. */
async function startSignIn(config: client.Configuration, redirectUri: string, parameters: Record<string, string> = {}): Promise<Started> {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedState = client.randomState();
  const expectedNonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
    nonce: expectedNonce,
    ...parameters,
  });
  return { url, checks: { pkceCodeVerifier, expectedState, expectedNonce, idTokenExpected: true } };
}

/** A whole sign-in up to the callback URL the browser is sent to. */
async function authorize(config: client.Configuration, op: OidcTestProvider, account: OidcAccount, redirectUri: string, jar?: CookieJar) {
  const started = await startSignIn(config, redirectUri);
  op.signInNext(account);
  const navigation = await followRedirects(started.url, { stopAt: PRODUCT, ...(jar && { jar }) });
  if (navigation.kind !== 'redirect') throw new Error(`no redirect to the product: ${JSON.stringify(navigation)}`);
  return { ...started, location: navigation.location };
}

describe('Google-like OpenID Provider', () => {
  let op: OidcTestProvider;
  let config: client.Configuration;
  beforeAll(async () => {
    op = await startOidcProvider({
      profile: 'google',
      clients: [
        { client_id: 'rp', client_secret: 'rp-secret', redirect_uris: [callback('google')] },
        { client_id: 'spa', redirect_uris: [callback('spa')] },
      ],
    });
    config = await client.discovery(new URL(op.serverUrl), 'rp', 'rp-secret', undefined, insecure());
  });
  afterAll(() => op.close());

  it('is discovered at its issuer, with PKCE S256, RFC 9207 iss and RS256 ID Tokens', () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(op.issuer);
    expect(metadata.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(metadata.authorization_endpoint).toBe(`${op.url}/o/oauth2/v2/auth`);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.id_token_signing_alg_values_supported).toEqual(['RS256']);
    expect(metadata.response_types_supported).toEqual(['code']);
  });

  it('signs in the account the test names: code, state and iss at the redirect_uri; its claims in the ID Token and at userinfo', async () => {
    const { location, checks } = await authorize(config, op, { ...ADA, hd: 'example.com' }, callback('google'));
    expect([...location.searchParams.keys()].sort()).toEqual(['code', 'iss', 'state']);
    expect(location.searchParams.get('iss')).toBe(op.issuer);
    const sent = op.authorizationRequests.at(-1);
    expect(sent?.get('code_challenge_method')).toBe('S256');
    expect(sent?.get('nonce')).toBe(checks.expectedNonce);

    const tokens = await client.authorizationCodeGrant(config, location, checks);
    expect(tokens.claims()).toMatchObject({ iss: op.issuer, aud: 'rp', sub: 'ada-1', email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', hd: 'example.com' });
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, 'ada-1');
    expect(userinfo).toMatchObject({ sub: 'ada-1', email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' });
  });

  it('signs in the next named account even in a browser that is still signed in', async () => {
    const jar = new CookieJar();
    for (const sub of ['first', 'second']) {
      const { location, checks } = await authorize(config, op, { sub, email: `${sub}@example.com`, email_verified: false }, callback('google'), jar);
      const tokens = await client.authorizationCodeGrant(config, location, checks);
      expect(tokens.claims()).toMatchObject({ sub, email: `${sub}@example.com`, email_verified: false });
    }
  });

  it('serves public clients (token_endpoint_auth_method none, PKCE only)', async () => {
    const spa = await client.discovery(new URL(op.serverUrl), 'spa', undefined, client.None(), insecure());
    const { location, checks } = await authorize(spa, op, ADA, callback('spa'));
    const tokens = await client.authorizationCodeGrant(spa, location, checks);
    expect(tokens.claims()?.sub).toBe('ada-1');
  });

  it('requires PKCE', async () => {
    const url = client.buildAuthorizationUrl(config, { redirect_uri: callback('google'), scope: 'openid', state: 'st' });
    const navigation = await followRedirects(url, { stopAt: PRODUCT });
    if (navigation.kind !== 'redirect') throw new Error('expected a redirect');
    expect(navigation.location.searchParams.get('error')).toBe('invalid_request');
    expect(navigation.location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('answers an error instead of a code when told to, and login_required when no account was named', async () => {
    for (const [error, prepare] of [
      ['access_denied', () => op.failNextAuthorization('access_denied', 'the user said no')],
      ['login_required', () => {}],
    ] as const) {
      const started = await startSignIn(config, callback('google'));
      prepare();
      const navigation = await followRedirects(started.url, { stopAt: PRODUCT });
      if (navigation.kind !== 'redirect') throw new Error('expected a redirect');
      expect(navigation.location.searchParams.get('state')).toBe(started.checks.expectedState);
      const failure = await rejection(client.authorizationCodeGrant(config, navigation.location, started.checks));
      expect(failure).toBeInstanceOf(client.AuthorizationResponseError);
      expect(failure.error).toBe(error);
    }
  });

  // With enableNonRepudiationChecks, as the product should use it. What openid-client 6.9 throws:
  // always a ClientError; `code` and the cause's message say which check failed.
  it.each<[IdTokenTampering, string, string]>([
    ['wrong-iss', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'unexpected JWT "iss" (issuer) claim value'],
    ['wrong-aud', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'unexpected JWT "aud" (audience) claim value'],
    ['extra-aud', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'ID Token "aud" (audience) claim includes additional untrusted audiences'],
    ['no-nonce', 'OAUTH_INVALID_RESPONSE', 'JWT "nonce" (nonce) claim missing'],
    ['wrong-nonce', 'OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'unexpected ID Token "nonce" claim value'],
    ['expired', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', 'unexpected JWT "exp" (expiration time) claim value, expiration is past current timestamp'],
    ['no-sub', 'OAUTH_INVALID_RESPONSE', 'JWT "sub" (subject) claim missing'],
    ['alg-none', 'OAUTH_INVALID_RESPONSE', 'unexpected JWT "alg" header parameter'],
    ['hs256-client-secret', 'OAUTH_INVALID_RESPONSE', 'unexpected JWT "alg" header parameter'],
    ['foreign-key', 'OAUTH_KEY_SELECTION_FAILED', 'error when selecting a JWT verification key, no applicable keys found'],
    ['bad-signature', 'OAUTH_INVALID_RESPONSE', 'JWT signature verification failed'],
  ])('rejects an ID Token with %s (%s)', async (tampering, code, message) => {
    const { location, checks } = await authorize(config, op, ADA, callback('google'));
    op.tamperNextIdToken(tampering);
    const failure = await rejection(client.authorizationCodeGrant(config, location, checks));
    expect(failure).toBeInstanceOf(client.ClientError);
    expect(failure.code).toBe(code);
    expect(causeOf(failure).message).toBe(message);
  });

  it('without enableNonRepudiationChecks openid-client does not verify the ID Token signature from the token endpoint', async () => {
    const trusting = await client.discovery(new URL(op.serverUrl), 'rp', 'rp-secret', undefined, { execute: [client.allowInsecureRequests] });
    for (const tampering of ['foreign-key', 'bad-signature'] as const) {
      const { location, checks } = await authorize(trusting, op, ADA, callback('google'));
      op.tamperNextIdToken(tampering);
      const tokens = await client.authorizationCodeGrant(trusting, location, checks);
      expect(tokens.claims()?.sub).toBe('ada-1');
    }
  });

  it('can have an issuer with a path', async () => {
    const pathed = await startOidcProvider({ path: '/realms/test', clients: [{ client_id: 'rp', client_secret: 's', redirect_uris: [callback('oidc')] }] });
    try {
      expect(pathed.issuer).toBe(`${pathed.url}/realms/test`);
      const pathConfig = await client.discovery(new URL(pathed.issuer), 'rp', 's', undefined, insecure());
      expect(pathConfig.serverMetadata().token_endpoint).toBe(`${pathed.issuer}/token`);
      const { location, checks } = await authorize(pathConfig, pathed, ADA, callback('oidc'));
      const tokens = await client.authorizationCodeGrant(pathConfig, location, checks);
      expect(tokens.claims()).toMatchObject({ iss: pathed.issuer, sub: 'ada-1' });
    } finally {
      await pathed.close();
    }
  });
});

describe('provider faults', () => {
  const redirectUri = callback('oidc');
  let op: OidcTestProvider;
  beforeAll(async () => {
    op = await startOidcProvider({ clients: [{ client_id: 'rp', client_secret: 'rp-secret', redirect_uris: [redirectUri] }] });
  });
  afterAll(() => op.close());
  const discover = () => client.discovery(new URL(op.serverUrl), 'rp', 'rp-secret', undefined, insecure());

  it('unreachable: fetch fails (TypeError "fetch failed", passed through by openid-client)', async () => {
    op.faults.unreachable = true;
    try {
      const failure = await rejection(discover());
      expect(failure).toBeInstanceOf(TypeError);
      expect(failure.message).toBe('fetch failed');
    } finally {
      op.faults.unreachable = false;
    }
    await expect(discover()).resolves.toBeInstanceOf(client.Configuration);
  });

  it('closed: connection refused', async () => {
    const gone = await startOidcProvider();
    await gone.close();
    const failure = await rejection(client.discovery(new URL(gone.serverUrl), 'rp', 'x', undefined, insecure()));
    expect(failure).toBeInstanceOf(TypeError);
    expect(causeOf(failure)).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('slow: past the Configuration timeout openid-client gives up (ClientError OAUTH_TIMEOUT)', async () => {
    const config = await discover();
    const { location, checks } = await authorize(config, op, ADA, redirectUri);
    config.timeout = 0.3; // seconds
    op.faults.delayMs = 1500;
    try {
      const failure = await rejection(client.authorizationCodeGrant(config, location, checks));
      expect(failure).toBeInstanceOf(client.ClientError);
      expect(failure).toMatchObject({ code: 'OAUTH_TIMEOUT', message: 'operation timed out' });
    } finally {
      op.faults.delayMs = 0;
    }
  });

  it('token endpoint errors: 5xx is OAUTH_RESPONSE_IS_NOT_CONFORM whatever the body; a 4xx OAuth error body a ResponseBodyError', async () => {
    const config = await discover();
    const answer = async (tokenError: NonNullable<typeof op.faults.tokenError>) => {
      const { location, checks } = await authorize(config, op, ADA, redirectUri);
      op.faults.tokenError = tokenError;
      try {
        return await rejection(client.authorizationCodeGrant(config, location, checks));
      } finally {
        op.faults.tokenError = null;
      }
    };
    for (const tokenError of [{ status: 503 }, { status: 502, body: '<h1>Bad Gateway</h1>', contentType: 'text/html' }]) {
      const failure = await answer(tokenError);
      expect(failure).toBeInstanceOf(client.ClientError);
      expect(failure).toMatchObject({ code: 'OAUTH_RESPONSE_IS_NOT_CONFORM', message: 'unexpected HTTP response status code' });
      expect((failure.cause as Response).status).toBe(tokenError.status);
    }
    const oauthError = await answer({ status: 400, body: JSON.stringify({ error: 'invalid_grant', error_description: 'grant request is invalid' }) });
    expect(oauthError).toBeInstanceOf(client.ResponseBodyError);
    expect(oauthError).toMatchObject({ status: 400, error: 'invalid_grant', error_description: 'grant request is invalid' });
  });
});

describe('Microsoft-like OpenID Provider (tenant-templated issuer)', () => {
  const redirectUri = callback('microsoft');
  const TENANT_A = '11111111-1111-4111-8111-111111111111';
  const TENANT_B = '22222222-2222-4222-8222-222222222222';
  const clients = [{ client_id: 'rp', client_secret: 'rp-secret', redirect_uris: [redirectUri] }];

  it('on a loopback origin: …/common/v2.0 discovery is refused by openid-client; via the .well-known URL the ID Token iss is', async () => {
    const op = await startOidcProvider({ profile: 'microsoft', clients });
    try {
      expect(op.issuer).toBe(`${op.url}/{tenantid}/v2.0`);
      const refused = await rejection(client.discovery(new URL(op.serverUrl), 'rp', 'rp-secret', undefined, insecure()));
      expect(refused).toMatchObject({ name: 'ClientError', code: 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED', message: 'discovered metadata issuer does not match the expected issuer' });

      // A .well-known URL skips that comparison, but the ID Token is then checked against the template.
      const config = await client.discovery(new URL(`${op.serverUrl}/.well-known/openid-configuration`), 'rp', 'rp-secret', undefined, insecure());
      const { location, checks } = await authorize(config, op, { ...ADA, tid: TENANT_A }, redirectUri);
      expect(location.searchParams.has('iss')).toBe(false);
      const failure = await rejection(client.authorizationCodeGrant(config, location, checks));
      expect(failure).toMatchObject({ code: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' });
      expect(causeOf(failure).message).toBe('unexpected JWT "iss" (issuer) claim value');
    } finally {
      await op.close();
    }
  });

  it('with the real origin through loopbackFetch, openid-client expects each tenant its own issuer; tid, oid and xms_edov as given', async () => {
    const ENTRA = 'https://login.microsoftonline.com';
    const op = await startOidcProvider({ profile: 'microsoft', issuerOrigin: ENTRA, clients });
    try {
      const config = await client.discovery(new URL(`${ENTRA}/common/v2.0`), 'rp', 'rp-secret', undefined, {
        ...insecure(),
        [client.customFetch]: loopbackFetch({ [ENTRA]: op.url }),
      });
      expect(config.serverMetadata().issuer).toBe(`${ENTRA}/{tenantid}/v2.0`);
      expect(config.serverMetadata().authorization_endpoint).toBe(`${op.url}/common/oauth2/v2.0/authorize`);
      for (const [tid, xms_edov] of [[TENANT_A, true], [TENANT_B, 'true'], [TENANT_A, '1'], [TENANT_B, undefined]] as const) {
        const { location, checks } = await authorize(config, op, { sub: `user-of-${tid}`, email: 'ada@contoso.com', name: 'Ada', tid, oid: `oid-${tid}`, xms_edov }, redirectUri);
        const claims = (await client.authorizationCodeGrant(config, location, checks)).claims();
        expect(claims).toMatchObject({ iss: op.tenantIssuer(tid), tid, oid: `oid-${tid}`, email: 'ada@contoso.com', ver: '2.0' });
        expect(claims?.iss).toBe(`${ENTRA}/${tid}/v2.0`);
        expect(claims?.xms_edov).toBe(xms_edov);
        expect(claims).not.toHaveProperty('email_verified');
      }
    } finally {
      await op.close();
    }
  });

  it('a single-tenant issuer (…/<tid>/v2.0) is a plain issuer, also on loopback', async () => {
    const op = await startOidcProvider({ profile: 'microsoft', clients });
    try {
      const config = await client.discovery(new URL(`${op.url}/${TENANT_A}/v2.0`), 'rp', 'rp-secret', undefined, insecure());
      expect(config.serverMetadata().issuer).toBe(op.tenantIssuer(TENANT_A));
      const { location, checks } = await authorize(config, op, { ...ADA, tid: TENANT_A }, redirectUri);
      expect((await client.authorizationCodeGrant(config, location, checks)).claims()).toMatchObject({ iss: op.tenantIssuer(TENANT_A), tid: TENANT_A });
    } finally {
      await op.close();
    }
  });
});

describe('Apple-like OpenID Provider (form_post, client secret JWT)', () => {
  const TEAM = 'TEAM123456';
  const KEY_ID = 'KEY1234567';
  let op: OidcTestProvider;
  let product: { url: string; posts: { body: string; headers: IncomingHttpHeaders }[]; close(): void };
  let developerKey: CryptoKey;
  let callbackUrl: string;

  // The product's Apple client secret: an ES256 JWT signed with its developer key.
  const clientSecret = (key: CryptoKey = developerKey) =>
    new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: KEY_ID }).setIssuer(TEAM).setSubject('com.example.web').setAudience('https://appleid.apple.com').setIssuedAt().setExpirationTime('5m').sign(key);

  beforeAll(async () => {
    // A stand-in for the product's callback: records what the browser POSTs to it.
    const posts: { body: string; headers: IncomingHttpHeaders }[] = [];
    const server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      posts.push({ body, headers: req.headers });
      res.writeHead(303, { location: '/' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    product = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts, close: () => server.close() };
    callbackUrl = `${product.url}/auth/callback/apple`;
    const pair = await generateKeyPair('ES256');
    developerKey = pair.privateKey;
    op = await startOidcProvider({
      profile: 'apple',
      clients: [{ client_id: 'com.example.web', redirect_uris: [callbackUrl], appleDeveloperKey: { teamId: TEAM, keyId: KEY_ID, publicKey: await exportJWK(pair.publicKey) } }],
    });
  });
  afterAll(async () => {
    product.close();
    await op.close();
  });

  async function formPostSignIn(account: OidcAccount, jar?: CookieJar) {
    const config = await client.discovery(new URL(op.serverUrl), 'com.example.web', undefined, client.ClientSecretPost(await clientSecret()), insecure());
    const started = await startSignIn(config, callbackUrl, { scope: 'openid name email', response_mode: 'form_post' });
    op.signInNext(account);
    const navigation = await followRedirects(started.url, { stopAt: product.url });
    if (navigation.kind !== 'form_post') throw new Error(`expected a form_post page: ${JSON.stringify(navigation)}`);
    await submitFormPost(navigation.form, jar && { jar });
    const posted = product.posts.at(-1);
    if (!posted) throw new Error('nothing was posted to the product');
    // The product hands its incoming POST to openid-client as a Request.
    const request = new Request(callbackUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: posted.body });
    return { config, started, form: navigation.form, posted, grant: () => client.authorizationCodeGrant(config, request, started.checks) };
  }

  it('answers by an auto-submitting form: code, state and (first time only) the user JSON; email_verified "true", no name in the ID Token', async () => {
    const jar = new CookieJar();
    await jar.setCookie('flow_lax=1; Path=/; SameSite=Lax', product.url);
    await jar.setCookie('flow_none=1; Path=/; SameSite=None; Secure', product.url);
    const account: OidcAccount = { sub: '001234.abcd', email: 'x1y2@privaterelay.appleid.com', email_verified: true, is_private_email: true, given_name: 'Ada', family_name: 'Lovelace' };

    const first = await formPostSignIn(account, jar);
    expect(first.form.action.href).toBe(callbackUrl);
    expect([...first.form.fields.keys()].sort()).toEqual(['code', 'iss', 'state', 'user']);
    expect(JSON.parse(first.form.fields.get('user') ?? '')).toEqual({ name: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'x1y2@privaterelay.appleid.com' });
    // Posted as from another site: Origin is the provider's, SameSite=Lax cookies stay behind.
    expect(first.posted.headers.origin).toBe(op.url);
    expect(first.posted.headers.cookie).toBe('flow_none=1');
    const claims = (await first.grant()).claims();
    expect(claims).toMatchObject({ sub: '001234.abcd', email: 'x1y2@privaterelay.appleid.com', email_verified: 'true', is_private_email: 'true' });
    expect(claims).not.toHaveProperty('name');

    const second = await formPostSignIn(account);
    expect(second.form.fields.has('user')).toBe(false);
    expect((await second.grant()).claims()?.sub).toBe('001234.abcd');
  });

  it('verifies the client secret JWT: one signed with another key is invalid_client', async () => {
    const signIn = await formPostSignIn({ sub: '009.other', email: 'b@example.com', email_verified: 'true' });
    const otherKey = (await generateKeyPair('ES256')).privateKey;
    const wrong = await client.discovery(new URL(op.serverUrl), 'com.example.web', undefined, client.ClientSecretPost(await clientSecret(otherKey)), insecure());
    const request = new Request(callbackUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: signIn.posted.body });
    const failure = await rejection(client.authorizationCodeGrant(wrong, request, signIn.started.checks));
    expect(failure).toBeInstanceOf(client.ResponseBodyError);
    expect(failure).toMatchObject({ error: 'invalid_client', status: 400 });
  });

  it('posts an error the same way when the user cancels', async () => {
    const config = await client.discovery(new URL(op.serverUrl), 'com.example.web', undefined, client.ClientSecretPost(await clientSecret()), insecure());
    const started = await startSignIn(config, callbackUrl, { scope: 'openid name email', response_mode: 'form_post' });
    op.failNextAuthorization('user_cancelled_authorize');
    const navigation = await followRedirects(started.url, { stopAt: product.url });
    if (navigation.kind !== 'form_post') throw new Error('expected a form_post page');
    const { form } = navigation;
    expect(form.fields.get('error')).toBe('user_cancelled_authorize');
    expect(form.fields.get('state')).toBe(started.checks.expectedState);
  });
});

describe('GitHub-like OAuth 2.0 server', () => {
  const redirectUri = callback('github');
  const OCTO = { id: 583231, login: 'octocat', name: 'The Octocat', emails: [
    { email: 'octocat@github.com', primary: true, verified: true },
    { email: 'octo@example.com', primary: false, verified: false, visibility: 'public' as const },
  ] };
  let github: GitHubTestServer;
  let config: client.Configuration;
  beforeAll(async () => {
    github = await startGitHub({ apps: [{ client_id: 'Iv1.abc', client_secret: 'gh-secret', callback_url: redirectUri }] });
    // GitHub has no discovery: the endpoints are configured.
    config = new client.Configuration(
      { issuer: github.url, authorization_endpoint: `${github.url}/login/oauth/authorize`, token_endpoint: `${github.url}/login/oauth/access_token` },
      'Iv1.abc',
      'gh-secret',
    );
    client.allowInsecureRequests(config);
  });
  afterAll(() => github.close());

  async function authorizeGitHub(scope = 'read:user user:email') {
    const pkceCodeVerifier = client.randomPKCECodeVerifier();
    const expectedState = client.randomState();
    const url = client.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope, state: expectedState, code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier), code_challenge_method: 'S256' });
    github.signInNext(OCTO);
    const navigation = await followRedirects(url, { stopAt: PRODUCT });
    if (navigation.kind !== 'redirect') throw new Error('expected a redirect');
    return { location: navigation.location, checks: { pkceCodeVerifier, expectedState } };
  }

  it('signs in the named account: plain OAuth code grant, then /user and /user/emails', async () => {
    const { location, checks } = await authorizeGitHub();
    expect([...location.searchParams.keys()].sort()).toEqual(['code', 'state']);
    const tokens = await client.authorizationCodeGrant(config, location, checks);
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'read:user,user:email' });
    expect(tokens.claims()).toBeUndefined();

    const user = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${github.apiUrl}/user`), 'GET');
    expect(await user.json()).toMatchObject({ id: 583231, login: 'octocat', name: 'The Octocat', email: 'octo@example.com' });
    const emails = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${github.apiUrl}/user/emails`), 'GET');
    expect(await emails.json()).toEqual([
      { email: 'octocat@github.com', primary: true, verified: true, visibility: null },
      { email: 'octo@example.com', primary: false, verified: false, visibility: 'public' },
    ]);
  });

  it('answers token errors with HTTP 200, which openid-client reports as OAUTH_INVALID_RESPONSE with the body as the cause', async () => {
    const { location, checks } = await authorizeGitHub();
    await client.authorizationCodeGrant(config, location, checks);
    const reused = await rejection(client.authorizationCodeGrant(config, location, checks));
    expect(reused).toMatchObject({ name: 'ClientError', code: 'OAUTH_INVALID_RESPONSE' });
    expect(causeOf(reused)).toMatchObject({ message: '"response" body "access_token" property must be a string', cause: { body: { error: 'bad_verification_code' } } });

    const fresh = await authorizeGitHub();
    const wrongVerifier = await rejection(client.authorizationCodeGrant(config, fresh.location, { ...fresh.checks, pkceCodeVerifier: client.randomPKCECodeVerifier() }));
    expect(causeOf(wrongVerifier)).toMatchObject({ cause: { body: { error: 'bad_verification_code', error_description: 'The code_verifier does not match the code_challenge.' } } });

    const other = await authorizeGitHub();
    const wrongSecret = new client.Configuration(config.serverMetadata(), 'Iv1.abc', 'not-the-secret');
    client.allowInsecureRequests(wrongSecret);
    const badClient = await rejection(client.authorizationCodeGrant(wrongSecret, other.location, other.checks));
    expect(causeOf(badClient)).toMatchObject({ cause: { body: { error: 'incorrect_client_credentials' } } });
  });

  it('answers form-encoded unless JSON is asked for, and /user/emails only with the user:email scope', async () => {
    const { location, checks } = await authorizeGitHub('read:user');
    const response = await fetch(`${github.url}/login/oauth/access_token`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'Iv1.abc', client_secret: 'gh-secret', code: location.searchParams.get('code') ?? '', redirect_uri: redirectUri, code_verifier: checks.pkceCodeVerifier }),
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    const token = new URLSearchParams(await response.text());
    expect(token.get('token_type')).toBe('bearer');
    const emails = await fetch(`${github.apiUrl}/user/emails`, { headers: { authorization: `Bearer ${token.get('access_token')}` } });
    expect(emails.status).toBe(404);
    expect((await fetch(`${github.apiUrl}/user`)).status).toBe(401);
  });

  it('redirects back with error=access_denied when the user refuses', async () => {
    const url = client.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'user:email', state: 's1', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    github.failNextAuthorization('access_denied');
    const navigation = await followRedirects(url, { stopAt: PRODUCT });
    if (navigation.kind !== 'redirect') throw new Error('expected a redirect');
    const failure = await rejection(client.authorizationCodeGrant(config, navigation.location, { expectedState: 's1', pkceCodeVerifier: 'unused' }));
    expect(failure).toBeInstanceOf(client.AuthorizationResponseError);
    expect(failure.error).toBe('access_denied');
  });
});
