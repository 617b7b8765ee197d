// The identity-provider variables (parseProviderConfig): defaults, every check made at start, all
// problems at once and never a value in them. Pure: no server, no database, no network.
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  callbackUrl,
  oidcVariable,
  parseProviderConfig,
  type ProviderConfig,
  type ProviderConfigContext,
  type ProvidersConfig,
} from '../src/services/providers/provider-config.ts';

const DEV: ProviderConfigContext = { production: false, host: undefined, port: 4000, cookieSecure: false };
const PROD: ProviderConfigContext = { production: true, host: undefined, port: 4000, cookieSecure: true };

const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const APPLE_KEY = p256.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const APPLE = { APPLE_CLIENT_ID: 'com.example.web', APPLE_TEAM_ID: 'TEAM123456', APPLE_KEY_ID: 'KEY1234567', APPLE_PRIVATE_KEY: APPLE_KEY };
const GOOGLE = { GOOGLE_CLIENT_ID: 'google-id.apps.googleusercontent.com', GOOGLE_CLIENT_SECRET: 'google-secret' };
const GITHUB = { GITHUB_CLIENT_ID: 'github-id', GITHUB_CLIENT_SECRET: 'github-secret' };
const MICROSOFT = { MICROSOFT_CLIENT_ID: 'microsoft-id', MICROSOFT_CLIENT_SECRET: 'microsoft-secret' };
const OKTA = { OIDC_PROVIDERS: 'okta', OIDC_OKTA_ISSUER: 'https://example.okta.com', OIDC_OKTA_CLIENT_ID: 'okta-id' };
/** What any enabled provider needs besides its own variables. */
const APP = { PROVIDER_RETURN_URLS: 'https://app.example.com/signed-in' };
const PUBLIC = { PUBLIC_URL: 'https://auth.example.com' };

function parse(env: Record<string, string | undefined>, context: ProviderConfigContext = DEV): { config: ProvidersConfig; problems: string[] } {
  const problems: string[] = [];
  const config = parseProviderConfig(env, context, problems);
  return { config, problems };
}

/** The configuration, failing the test on any problem. */
function valid(env: Record<string, string | undefined>, context: ProviderConfigContext = DEV): ProvidersConfig {
  const { config, problems } = parse(env, context);
  expect(problems).toEqual([]);
  return config;
}

function problemsOf(env: Record<string, string | undefined>, context: ProviderConfigContext = DEV): string[] {
  return parse(env, context).problems;
}

function provider(config: ProvidersConfig, id: string): ProviderConfig {
  const found = config.providers.find((p) => p.id === id);
  if (!found) throw new Error(`no provider ${id}`);
  return found;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('parseProviderConfig(): defaults', () => {
  it('has no provider and nothing to ask for when no variable is set', () => {
    expect(valid({})).toEqual({
      publicUrl: 'http://localhost:4000',
      returnUrls: [],
      providers: [],
      signUp: true,
      linkByEmail: true,
      flowTtlSeconds: 600,
      flowCookie: { name: 'provider_flow', secure: false, sameSite: 'lax' },
    });
    // Production asks for PUBLIC_URL and return URLs only once a provider is on.
    expect(valid({}, PROD).flowCookie).toEqual({ name: '__Host-provider_flow', secure: true, sameSite: 'lax' });
  });

  it('defaults PUBLIC_URL to http://<HOST, or localhost>:<port>, with localhost for an all-interfaces HOST', () => {
    const publicUrl = (host: string | undefined, port = 4000) => valid({}, { ...DEV, host, port }).publicUrl;
    expect(publicUrl(undefined)).toBe('http://localhost:4000');
    expect(publicUrl('0.0.0.0')).toBe('http://localhost:4000');
    expect(publicUrl('::')).toBe('http://localhost:4000');
    expect(publicUrl('[::]')).toBe('http://localhost:4000');
    expect(publicUrl('0:0:0:0:0:0:0:0')).toBe('http://localhost:4000');
    expect(publicUrl('127.0.0.1', 8080)).toBe('http://127.0.0.1:8080');
    expect(publicUrl('::1')).toBe('http://[::1]:4000');
    expect(publicUrl('[::1]')).toBe('http://[::1]:4000');
    expect(publicUrl('Dev-Box.local')).toBe('http://dev-box.local:4000');
    expect(publicUrl('localhost', 80)).toBe('http://localhost');
    expect(publicUrl('fe80::1%eth0')).toBe('http://localhost:4000');
  });

  it('treats empty variables as unset', () => {
    expect(valid({ GOOGLE_CLIENT_ID: '', GOOGLE_CLIENT_SECRET: '', PUBLIC_URL: '', OIDC_PROVIDERS: '', OIDC_OKTA_ISSUER: '', PROVIDER_SIGN_UP: '' }, PROD)).toMatchObject({
      providers: [],
      signUp: true,
    });
  });

  it('builds the callback from PUBLIC_URL and the provider id', () => {
    expect(callbackUrl('https://auth.example.com', 'google')).toBe('https://auth.example.com/auth/callback/google');
    expect(callbackUrl('https://example.com/auth-api', 'my-okta')).toBe('https://example.com/auth-api/auth/callback/my-okta');
  });

  it('makes no network call', () => {
    const fetch = vi.spyOn(globalThis, 'fetch');
    const result: unknown = parseProviderConfig({ ...GOOGLE, ...GITHUB, ...MICROSOFT, ...APPLE, ...OKTA, ...APP }, DEV, []);
    expect(result).not.toBeInstanceOf(Promise);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('parseProviderConfig(): the built-in providers', () => {
  it('Google: OIDC at accounts.google.com with openid email profile', () => {
    expect(valid({ ...GOOGLE, ...APP }).providers).toEqual([
      {
        kind: 'oidc',
        id: 'google',
        name: 'Google',
        enabled: true,
        issuer: 'https://accounts.google.com',
        clientId: GOOGLE.GOOGLE_CLIENT_ID,
        clientSecret: 'google-secret',
        scopes: ['openid', 'email', 'profile'],
        responseMode: 'query',
        trustEmail: true,
      },
    ]);
  });

  it('GitHub: github.com and its API unless GITHUB_URL and GITHUB_API_URL say otherwise', () => {
    expect(valid({ ...GITHUB, ...APP }).providers).toEqual([
      {
        kind: 'github',
        id: 'github',
        name: 'GitHub',
        enabled: true,
        url: 'https://github.com',
        apiUrl: 'https://api.github.com',
        clientId: 'github-id',
        clientSecret: 'github-secret',
        scopes: ['read:user', 'user:email'],
        responseMode: 'query',
        trustEmail: true,
      },
    ]);
    // GitHub Enterprise Server; trailing slashes dropped since paths are appended.
    const enterprise = valid({ ...GITHUB, ...APP, GITHUB_URL: 'https://GHE.example.com/', GITHUB_API_URL: 'https://ghe.example.com/api/v3/' });
    expect(provider(enterprise, 'github')).toMatchObject({ url: 'https://ghe.example.com', apiUrl: 'https://ghe.example.com/api/v3' });
    // The tests' stand-in on loopback, outside production only.
    const local = { ...GITHUB, ...APP, GITHUB_URL: 'http://127.0.0.1:9999', GITHUB_API_URL: 'http://localhost:9999/api' };
    expect(provider(valid(local), 'github')).toMatchObject({ url: 'http://127.0.0.1:9999', apiUrl: 'http://localhost:9999/api' });
    expect(problemsOf({ ...local, ...PUBLIC }, PROD)).toEqual(['GITHUB_URL: must be https:// in production', 'GITHUB_API_URL: must be https:// in production']);
  });

  it('Microsoft: tenant common at login.microsoftonline.com, issuer <authority>/<tenant>/v2.0', () => {
    expect(valid({ ...MICROSOFT, ...APP }).providers).toEqual([
      {
        kind: 'microsoft',
        id: 'microsoft',
        name: 'Microsoft',
        enabled: true,
        tenant: 'common',
        authority: 'https://login.microsoftonline.com',
        issuer: 'https://login.microsoftonline.com/common/v2.0',
        clientId: 'microsoft-id',
        clientSecret: 'microsoft-secret',
        scopes: ['openid', 'email', 'profile'],
        responseMode: 'query',
        trustEmail: true,
      },
    ]);
    // A national cloud and a single tenant.
    const usGov = valid({ ...MICROSOFT, ...APP, MICROSOFT_AUTHORITY: 'https://login.microsoftonline.us/', MICROSOFT_TENANT: 'contoso.onmicrosoft.us' });
    expect(provider(usGov, 'microsoft')).toMatchObject({
      tenant: 'contoso.onmicrosoft.us',
      authority: 'https://login.microsoftonline.us',
      issuer: 'https://login.microsoftonline.us/contoso.onmicrosoft.us/v2.0',
    });
  });

  it.each(['common', 'organizations', 'consumers', 'Organizations', '9188040d-6c67-4c5b-b112-36a304b66dad', '72F988BF-86F1-41AF-91AB-2D7CD011DB47', 'contoso.onmicrosoft.com', 'contoso.com', 'login.contoso.co.uk', 'xn--bcher-kva.example'])(
    'takes MICROSOFT_TENANT %j',
    (tenant) => {
      expect(provider(valid({ ...MICROSOFT, ...APP, MICROSOFT_TENANT: tenant }), 'microsoft')).toMatchObject({ tenant: tenant.toLowerCase() });
    },
  );

  it.each(['contoso', 'my tenant', 'common/v2.0', '../common', 'https://login.microsoftonline.com/common', 'contoso.com.', '-contoso.com', 'contoso-.com', '9188040d-6c67-4c5b-b112-36a304b66da', '9188040d6c674c5bb11236a304b66dad', '127.0.0.1', 'contoso.com/x', 'contoso.com?x', 'contoso.com#x'])(
    'refuses MICROSOFT_TENANT %j',
    (tenant) => {
      expect(problemsOf({ ...MICROSOFT, ...APP, MICROSOFT_TENANT: tenant })).toEqual([
        'MICROSOFT_TENANT: must be common, organizations, consumers, a tenant id (GUID) or a domain name of the tenant such as contoso.onmicrosoft.com',
      ]);
    },
  );

  it('Apple: a Services ID, team, key id and a P-256 key; form_post, openid name email', () => {
    const apple = provider(valid({ ...APPLE, ...APP }), 'apple');
    expect(apple).toMatchObject({
      kind: 'apple',
      id: 'apple',
      name: 'Apple',
      enabled: true,
      issuer: 'https://appleid.apple.com',
      clientId: 'com.example.web',
      teamId: 'TEAM123456',
      keyId: 'KEY1234567',
      scopes: ['openid', 'name', 'email'],
      responseMode: 'form_post',
      trustEmail: true,
    });
    if (apple.kind !== 'apple') throw new Error('not apple');
    expect(apple.privateKey.type).toBe('private');
    expect(apple.privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(apple.privateKey.export({ format: 'pem', type: 'pkcs8' })).toBe(APPLE_KEY);
  });

  it('Apple: takes the key with \\n escapes, as one-line environments write it', () => {
    const escaped = APPLE_KEY.trim().replaceAll('\n', '\\n');
    expect(escaped).not.toContain('\n');
    expect(provider(valid({ ...APPLE, ...APP, APPLE_PRIVATE_KEY: escaped }), 'apple')).toMatchObject({ kind: 'apple' });
    expect(provider(valid({ ...APPLE, ...APP, APPLE_PRIVATE_KEY: APPLE_KEY.replaceAll('\n', '\r\n') }), 'apple')).toMatchObject({ kind: 'apple' });
    expect(provider(valid({ ...APPLE, ...APP, APPLE_PRIVATE_KEY: `\n  ${APPLE_KEY}\n` }), 'apple')).toMatchObject({ kind: 'apple' });
  });

  it('Apple: refuses any key but an unencrypted PKCS#8 P-256 private key', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const secp256k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const ed25519 = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const sec1 = p256.privateKey.export({ format: 'pem', type: 'sec1' }).toString();
    const encrypted = p256.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pass' }).toString();
    const publicKey = p256.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const truncated = APPLE_KEY.replace(/[A-Za-z0-9+/]{20}\n/, '\n');
    const body = APPLE_KEY.replace(/-----[A-Z ]+-----/g, '').trim();
    for (const key of [p384, secp256k1, rsa, ed25519, sec1, encrypted, publicKey, truncated, body, 'not a key', `${APPLE_KEY}\n${APPLE_KEY}`]) {
      expect(problemsOf({ ...APPLE, ...APP, APPLE_PRIVATE_KEY: key })).toEqual([
        'APPLE_PRIVATE_KEY: must be the PEM of the .p8 key Apple issued (an unencrypted PKCS#8 P-256 key, "-----BEGIN PRIVATE KEY-----"; \\n escapes are accepted)',
      ]);
    }
  });

  it.each(['TEAM12345', 'TEAM1234567', 'team123456', 'TEAM-12345', 'TEAM 12345', 'ÄEAM123456'])('Apple: refuses the team or key id %j', (id) => {
    expect(problemsOf({ ...APPLE, ...APP, APPLE_TEAM_ID: id, APPLE_KEY_ID: id })).toEqual([
      'APPLE_TEAM_ID: must be 10 upper-case letters or digits, as Apple shows it',
      'APPLE_KEY_ID: must be 10 upper-case letters or digits, as Apple shows it',
    ]);
  });

  it('asks for a client id with its secret, and the reverse', () => {
    expect(problemsOf({ GOOGLE_CLIENT_ID: 'x', GITHUB_CLIENT_SECRET: 'x', MICROSOFT_CLIENT_ID: 'x', ...APP })).toEqual([
      'GOOGLE_CLIENT_SECRET: missing; Google sign-in needs GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET together',
      'GITHUB_CLIENT_ID: missing; GitHub sign-in needs GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET together',
      'MICROSOFT_CLIENT_SECRET: missing; Microsoft sign-in needs MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET together',
    ]);
    expect(problemsOf({ GOOGLE_CLIENT_SECRET: 'x', MICROSOFT_CLIENT_SECRET: 'x' })).toEqual([
      'GOOGLE_CLIENT_ID: missing; Google sign-in needs GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET together',
      'MICROSOFT_CLIENT_ID: missing; Microsoft sign-in needs MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET together',
    ]);
  });

  it('asks for all four Apple variables once one is set', () => {
    const needs = 'Apple sign-in needs APPLE_CLIENT_ID, APPLE_TEAM_ID, APPLE_KEY_ID and APPLE_PRIVATE_KEY together';
    expect(problemsOf({ APPLE_CLIENT_ID: 'com.example.web', ...APP })).toEqual([
      `APPLE_TEAM_ID: missing; ${needs}`,
      `APPLE_KEY_ID: missing; ${needs}`,
      `APPLE_PRIVATE_KEY: missing; ${needs}`,
    ]);
    for (const name of ['APPLE_CLIENT_ID', 'APPLE_TEAM_ID', 'APPLE_KEY_ID', 'APPLE_PRIVATE_KEY'] as const) {
      expect(problemsOf({ ...APPLE, ...APP, [name]: undefined }), name).toEqual([`${name}: missing; ${needs}`]);
    }
  });

  it('checks GITHUB_URL, GITHUB_API_URL and MICROSOFT_AUTHORITY like issuers, even before a client id is set', () => {
    expect(problemsOf({ GITHUB_URL: 'http://ghe.example.com', GITHUB_API_URL: 'https://ghe.example.com/api?v=3', MICROSOFT_AUTHORITY: 'https://login.example.com/#x' })).toEqual([
      'GITHUB_URL: must be https:// (http:// only for localhost, 127.0.0.1 or [::1] outside production)',
      'GITHUB_API_URL: must not have a query',
      'MICROSOFT_AUTHORITY: must not have a fragment',
    ]);
  });
});

describe('parseProviderConfig(): OIDC_PROVIDERS', () => {
  it('reads OIDC_<ID>_* with the id upper-cased and - as _, with defaults', () => {
    expect(oidcVariable('my-okta', 'ISSUER')).toBe('OIDC_MY_OKTA_ISSUER');
    const config = valid({ OIDC_PROVIDERS: 'my-okta', OIDC_MY_OKTA_ISSUER: 'https://example.okta.com/oauth2/default', OIDC_MY_OKTA_CLIENT_ID: 'okta-id', ...APP });
    expect(config.providers).toEqual([
      {
        kind: 'oidc',
        id: 'my-okta',
        name: 'my-okta',
        enabled: true,
        issuer: 'https://example.okta.com/oauth2/default',
        clientId: 'okta-id',
        clientSecret: undefined,
        scopes: ['openid', 'email', 'profile'],
        responseMode: 'query',
        trustEmail: true,
      },
    ]);
  });

  it('takes the name, secret, scopes, trust and response mode, and keeps the issuer exactly as written', () => {
    const config = valid({
      OIDC_PROVIDERS: 'auth0',
      OIDC_AUTH0_ISSUER: 'https://tenant.eu.auth0.com/',
      OIDC_AUTH0_CLIENT_ID: 'auth0-id',
      OIDC_AUTH0_CLIENT_SECRET: 'auth0-secret',
      OIDC_AUTH0_NAME: 'Company login',
      OIDC_AUTH0_SCOPES: 'openid  email offline_access email',
      OIDC_AUTH0_TRUST_EMAIL: 'false',
      OIDC_AUTH0_RESPONSE_MODE: 'form_post',
      ...APP,
      PUBLIC_URL: 'https://auth.example.com',
    });
    expect(provider(config, 'auth0')).toEqual({
      kind: 'oidc',
      id: 'auth0',
      name: 'Company login',
      enabled: true,
      issuer: 'https://tenant.eu.auth0.com/',
      clientId: 'auth0-id',
      clientSecret: 'auth0-secret',
      scopes: ['openid', 'email', 'offline_access'],
      responseMode: 'form_post',
      trustEmail: false,
    });
  });

  it('lists built-ins first, in their order, then OIDC_PROVIDERS in its order', () => {
    const config = valid({
      ...APPLE,
      ...MICROSOFT,
      ...GITHUB,
      ...GOOGLE,
      OIDC_PROVIDERS: 'zeta, alpha',
      OIDC_ZETA_ISSUER: 'https://zeta.example.com',
      OIDC_ZETA_CLIENT_ID: 'z',
      OIDC_ALPHA_ISSUER: 'https://alpha.example.com',
      OIDC_ALPHA_CLIENT_ID: 'a',
      OIDC_ALPHA_NAME: 'Alpha',
      ...APP,
    });
    expect(config.providers.map((p) => [p.id, p.name, p.kind])).toEqual([
      ['google', 'Google', 'oidc'],
      ['github', 'GitHub', 'github'],
      ['microsoft', 'Microsoft', 'microsoft'],
      ['apple', 'Apple', 'apple'],
      ['zeta', 'zeta', 'oidc'],
      ['alpha', 'Alpha', 'oidc'],
    ]);
  });

  it('refuses ids that are malformed, repeated or a built-in name', () => {
    const okta = { OIDC_OKTA_ISSUER: 'https://example.okta.com', OIDC_OKTA_CLIENT_ID: 'x' };
    expect(problemsOf({ OIDC_PROVIDERS: `okta,Okta,1okta,ok_ta,okta,google,${'a'.repeat(33)},apple`, ...okta, ...APP })).toEqual([
      'OIDC_PROVIDERS: entry 2 is not an id: a lower-case letter, then up to 31 lower-case letters, digits or hyphens',
      'OIDC_PROVIDERS: entry 3 is not an id: a lower-case letter, then up to 31 lower-case letters, digits or hyphens',
      'OIDC_PROVIDERS: entry 4 is not an id: a lower-case letter, then up to 31 lower-case letters, digits or hyphens',
      'OIDC_PROVIDERS: entry 5 repeats an earlier id',
      "OIDC_PROVIDERS: entry 6 is a built-in provider's id (google, github, microsoft, apple); those have variables of their own",
      'OIDC_PROVIDERS: entry 7 is not an id: a lower-case letter, then up to 31 lower-case letters, digits or hyphens',
      "OIDC_PROVIDERS: entry 8 is a built-in provider's id (google, github, microsoft, apple); those have variables of their own",
    ]);
    // Names of Object.prototype's members are ids like any other.
    const constructor = { OIDC_PROVIDERS: 'constructor', OIDC_CONSTRUCTOR_ISSUER: 'https://x.example.com', OIDC_CONSTRUCTOR_CLIENT_ID: 'x', ...APP };
    expect(provider(valid({ ...constructor, PROVIDERS_DISABLED: 'constructor' }), 'constructor').enabled).toBe(false);
    expect(problemsOf({ PROVIDERS_DISABLED: 'constructor' })).toHaveLength(1);
    // 32 characters is the longest id.
    const long = 'a'.repeat(32);
    expect(provider(valid({ OIDC_PROVIDERS: long, [oidcVariable(long, 'ISSUER')]: 'https://x.example.com', [oidcVariable(long, 'CLIENT_ID')]: 'x', ...APP }), long).id).toBe(long);
  });

  it('asks for the issuer and client id of each listed id; the secret may stay unset (a public client)', () => {
    expect(problemsOf({ OIDC_PROVIDERS: 'okta,keycloak', OIDC_OKTA_CLIENT_SECRET: 'secret', ...APP })).toEqual([
      'OIDC_OKTA_ISSUER: required, as OIDC_PROVIDERS lists okta',
      'OIDC_OKTA_CLIENT_ID: required, as OIDC_PROVIDERS lists okta',
      'OIDC_KEYCLOAK_ISSUER: required, as OIDC_PROVIDERS lists keycloak',
      'OIDC_KEYCLOAK_CLIENT_ID: required, as OIDC_PROVIDERS lists keycloak',
    ]);
  });

  it.each([
    ['http://example.okta.com', 'must be https:// (http:// only for localhost, 127.0.0.1 or [::1] outside production)'],
    ['https://example.okta.com?tenant=1', 'must not have a query'],
    ['https://example.okta.com?', 'must not have a query'],
    ['https://example.okta.com#x', 'must not have a fragment'],
    ['https://user:pass@example.okta.com', 'must not have user-info'],
    ['example.okta.com', 'must be an https:// URL'],
    ['ftp://example.okta.com', 'must be an https:// URL'],
    ['https:example.okta.com', 'must be an https:// URL'],
    ['https://example.okta.com /x', 'must be an https:// URL'],
    ['http://127.0.0.1.evil.com:8080', 'must be https:// (http:// only for localhost, 127.0.0.1 or [::1] outside production)'],
  ])('refuses the issuer %j', (issuer, reason) => {
    expect(problemsOf({ ...OKTA, OIDC_OKTA_ISSUER: issuer, ...APP })).toEqual([`OIDC_OKTA_ISSUER: ${reason}`]);
  });

  it('takes a loopback http issuer outside production only', () => {
    for (const issuer of ['http://localhost:8080/realms/test', 'http://127.0.0.1:8080', 'http://[::1]:8080']) {
      expect(provider(valid({ ...OKTA, OIDC_OKTA_ISSUER: issuer, ...APP }), 'okta')).toMatchObject({ issuer });
      expect(problemsOf({ ...OKTA, OIDC_OKTA_ISSUER: issuer, ...APP, ...PUBLIC }, PROD)).toEqual(['OIDC_OKTA_ISSUER: must be https:// in production']);
    }
  });

  it('refuses scopes without openid, odd scope characters, and unknown response modes or trust values', () => {
    expect(problemsOf({ ...OKTA, OIDC_OKTA_SCOPES: 'email profile', ...APP })).toEqual(['OIDC_OKTA_SCOPES: must include openid']);
    expect(problemsOf({ ...OKTA, OIDC_OKTA_SCOPES: 'openid,email', ...APP })).toEqual(['OIDC_OKTA_SCOPES: must include openid']);
    expect(problemsOf({ ...OKTA, OIDC_OKTA_SCOPES: 'openid "email"', ...APP })).toEqual([
      'OIDC_OKTA_SCOPES: scopes are separated by spaces and are printable ASCII without quotes or backslashes',
    ]);
    expect(problemsOf({ ...OKTA, OIDC_OKTA_SCOPES: 'openid\temail', ...APP })).toHaveLength(1);
    expect(problemsOf({ ...OKTA, OIDC_OKTA_RESPONSE_MODE: 'fragment', ...APP })).toEqual(['OIDC_OKTA_RESPONSE_MODE: must be query or form_post']);
    expect(problemsOf({ ...OKTA, OIDC_OKTA_RESPONSE_MODE: 'FORM_POST', ...APP })).toEqual(['OIDC_OKTA_RESPONSE_MODE: must be query or form_post']);
    expect(problemsOf({ ...OKTA, OIDC_OKTA_TRUST_EMAIL: 'maybe', ...APP })).toEqual(['OIDC_OKTA_TRUST_EMAIL: must be true or false (or 1/0, yes/no, on/off)']);
    for (const [value, trust] of [['true', true], ['1', true], ['yes', true], ['on', true], ['false', false], ['0', false], ['no', false], ['off', false]] as const) {
      expect(provider(valid({ ...OKTA, OIDC_OKTA_TRUST_EMAIL: value, ...APP }), 'okta').trustEmail).toBe(trust);
    }
  });

  it('refuses OIDC_<ID>_* variables of an id OIDC_PROVIDERS does not list, and unknown OIDC_ variables', () => {
    expect(
      problemsOf({ ...OKTA, OIDC_KEYCLOAK_ISSUER: 'https://kc.example.com', OIDC_MY_IDP_CLIENT_SECRET: 'x', OIDC_OKTA_CLIENTID: 'x', OIDC_OKTA_RESPONSE_MODE: 'query', OIDC_UNUSED_NAME: '', ...APP }),
    ).toEqual([
      'OIDC_KEYCLOAK_ISSUER: set, but OIDC_PROVIDERS does not list keycloak',
      'OIDC_MY_IDP_CLIENT_SECRET: set, but OIDC_PROVIDERS does not list my-idp',
      'OIDC_OKTA_CLIENTID: not a variable this server reads; those of an OIDC_PROVIDERS id are OIDC_<ID>_ followed by ISSUER, CLIENT_ID, CLIENT_SECRET, NAME, SCOPES, TRUST_EMAIL, RESPONSE_MODE',
    ]);
    // Without OIDC_PROVIDERS at all.
    expect(problemsOf({ OIDC_OKTA_ISSUER: 'https://example.okta.com', OIDC_OKTA_CLIENT_ID: 'x' })).toEqual([
      'OIDC_OKTA_ISSUER: set, but OIDC_PROVIDERS does not list okta',
      'OIDC_OKTA_CLIENT_ID: set, but OIDC_PROVIDERS does not list okta',
    ]);
  });
});

describe('parseProviderConfig(): on and off', () => {
  it('keeps a provider named in PROVIDERS_DISABLED, turned off', () => {
    const config = valid({ ...GOOGLE, ...OKTA, ...APP, PROVIDERS_DISABLED: 'google, okta' });
    expect(config.providers.map((p) => [p.id, p.enabled])).toEqual([
      ['google', false],
      ['okta', false],
    ]);
    // Disabling one that is not configured is fine: its variables may come later.
    expect(valid({ PROVIDERS_DISABLED: 'apple' }).providers).toEqual([]);
  });

  it('refuses an unknown id in PROVIDERS_DISABLED: a typo would leave the provider on', () => {
    expect(problemsOf({ ...GOOGLE, ...APP, PROVIDERS_DISABLED: 'gogle,google,keycloak' })).toEqual([
      'PROVIDERS_DISABLED: entry 1 is not a provider id (google, github, microsoft, apple, or one listed in OIDC_PROVIDERS)',
      'PROVIDERS_DISABLED: entry 3 is not a provider id (google, github, microsoft, apple, or one listed in OIDC_PROVIDERS)',
    ]);
  });

  it('asks for PUBLIC_URL (production) and PROVIDER_RETURN_URLS only while a provider is on', () => {
    expect(problemsOf({ ...GOOGLE }, PROD)).toEqual([
      "PUBLIC_URL: required in production while a provider is on: this server's https:// address as browsers reach it, e.g. https://auth.example.com",
      'PROVIDER_RETURN_URLS: required while a provider is on: the URLs of your app that sign-ins may return to, comma-separated',
    ]);
    expect(problemsOf({ ...OKTA })).toEqual(['PROVIDER_RETURN_URLS: required while a provider is on: the URLs of your app that sign-ins may return to, comma-separated']);
    expect(problemsOf({ ...GOOGLE, PROVIDER_RETURN_URLS: ' , ' })).toHaveLength(1);
    // All of them off: nothing is needed.
    expect(problemsOf({ ...GOOGLE, ...APPLE, ...OKTA, PROVIDERS_DISABLED: 'google,apple,okta' }, PROD)).toEqual([]);
    // Asked for even when the provider's own variables are broken, so one start reports everything.
    expect(problemsOf({ GOOGLE_CLIENT_ID: 'x' }, PROD)).toHaveLength(3);
  });
});

describe('parseProviderConfig(): PUBLIC_URL', () => {
  it('takes a scheme, host, port and optional path prefix', () => {
    expect(valid({ ...GOOGLE, ...APP, ...PUBLIC }, PROD).publicUrl).toBe('https://auth.example.com');
    expect(valid({ ...GOOGLE, ...APP, PUBLIC_URL: 'https://example.com:8443/auth-api' }, PROD).publicUrl).toBe('https://example.com:8443/auth-api');
    expect(valid({ ...GOOGLE, ...APP, PUBLIC_URL: 'http://192.168.1.20:4000' }).publicUrl).toBe('http://192.168.1.20:4000');
    // Plain http in production is only refused once a provider depends on it.
    expect(valid({ PUBLIC_URL: 'http://auth.example.com' }, PROD).publicUrl).toBe('http://auth.example.com');
  });

  it.each([
    ['https://auth.example.com/', 'must not end with a slash (the callback path is appended to it)'],
    ['https://example.com/auth/', 'must not end with a slash (the callback path is appended to it)'],
    ['https://auth.example.com?x=1', 'must not have a query'],
    ['https://auth.example.com/#x', 'must not have a fragment'],
    ['https://user@auth.example.com', 'must not have user-info'],
    ['auth.example.com', 'must be an https:// URL'],
    ['wss://auth.example.com', 'must be an https:// URL'],
    ['https://Auth.Example.com', 'must be written as browsers write it: lower-case scheme and host, no default port, no dot segments or needless escapes'],
    ['HTTPS://auth.example.com', 'must be written as browsers write it: lower-case scheme and host, no default port, no dot segments or needless escapes'],
    ['https://auth.example.com:443', 'must be written as browsers write it: lower-case scheme and host, no default port, no dot segments or needless escapes'],
    ['https://example.com/a/../auth', 'must be written as browsers write it: lower-case scheme and host, no default port, no dot segments or needless escapes'],
  ])('refuses %j, in and outside production', (publicUrl, reason) => {
    expect(problemsOf({ ...GOOGLE, ...APP, PUBLIC_URL: publicUrl })).toEqual([`PUBLIC_URL: ${reason}`]);
    expect(problemsOf({ ...GOOGLE, ...APP, PUBLIC_URL: publicUrl }, PROD)).toEqual([`PUBLIC_URL: ${reason}`]);
  });

  it('must be https in production while a provider is on', () => {
    expect(problemsOf({ ...GOOGLE, ...APP, PUBLIC_URL: 'http://auth.example.com' }, PROD)).toEqual(['PUBLIC_URL: must be https:// in production']);
    expect(problemsOf({ ...GOOGLE, ...APP, PUBLIC_URL: 'http://localhost:4000' }, PROD)).toEqual(['PUBLIC_URL: must be https:// in production']);
  });
});

describe('parseProviderConfig(): PROVIDER_RETURN_URLS', () => {
  it('parses each entry, in order', () => {
    const config = valid({ ...GOOGLE, PROVIDER_RETURN_URLS: 'https://app.example.com/signed-in, http://127.0.0.1/oauth,com.example.app:/oauth, http://localhost:5173/' });
    expect(config.returnUrls.map((e) => [e.kind, e.href])).toEqual([
      ['https', 'https://app.example.com/signed-in'],
      ['loopback', 'http://127.0.0.1/oauth'],
      ['private-use', 'com.example.app:/oauth'],
      ['localhost', 'http://localhost:5173/'],
    ]);
  });

  it('names each bad entry by its position, without its value', () => {
    const problems = problemsOf(
      {
        ...GOOGLE,
        ...PUBLIC,
        PROVIDER_RETURN_URLS: 'https://app.example.com/ok,https://*.example.com/cb,https://app.example.com/cb#f,https://u:hunter2@app.example.com/cb,myapp:/cb,http://app.example.com/cb,http://localhost:5173/',
      },
      PROD,
    );
    expect(problems).toEqual([
      'PROVIDER_RETURN_URLS: entry 2 has a wildcard; list each URL exactly (no wildcards or prefixes)',
      'PROVIDER_RETURN_URLS: entry 3 has a fragment, which is never allowed',
      'PROVIDER_RETURN_URLS: entry 4 has user-info (user@), which is never allowed',
      'PROVIDER_RETURN_URLS: entry 5 has a private-use scheme without a dot; use a reverse domain name such as com.example.app:/oauth',
      'PROVIDER_RETURN_URLS: entry 6 is plain http://; use https:// (http:// only for 127.0.0.1 or [::1], for apps)',
      'PROVIDER_RETURN_URLS: entry 7 is plain http://; use https:// (http:// only for 127.0.0.1 or [::1], for apps)',
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('is checked even while no provider is on', () => {
    expect(problemsOf({ PROVIDER_RETURN_URLS: 'https://app.example.com/cb#x' })).toEqual(['PROVIDER_RETURN_URLS: entry 1 has a fragment, which is never allowed']);
  });
});

describe('parseProviderConfig(): the flow cookie', () => {
  it('is Lax, and Secure (with the __Host- prefix) when the session cookie is, without a form_post provider', () => {
    expect(valid({ ...GOOGLE, ...OKTA, ...APP }).flowCookie).toEqual({ name: 'provider_flow', secure: false, sameSite: 'lax' });
    expect(valid({ ...GOOGLE, ...APP }, { ...DEV, cookieSecure: true }).flowCookie).toEqual({ name: '__Host-provider_flow', secure: true, sameSite: 'lax' });
  });

  it('is SameSite=None; Secure while Apple or an OIDC provider with form_post is on', () => {
    const crossSite = { name: '__Host-provider_flow', secure: true, sameSite: 'none' };
    expect(valid({ ...APPLE, ...APP }).flowCookie).toEqual(crossSite);
    expect(valid({ ...OKTA, OIDC_OKTA_RESPONSE_MODE: 'form_post', ...APP }).flowCookie).toEqual(crossSite);
    expect(valid({ ...APPLE, ...APP, ...PUBLIC }, PROD).flowCookie).toEqual(crossSite);
    // Off, they leave it Lax.
    expect(valid({ ...APPLE, ...GOOGLE, ...APP, PROVIDERS_DISABLED: 'apple' }).flowCookie.sameSite).toBe('lax');
    expect(valid({ ...OKTA, OIDC_OKTA_RESPONSE_MODE: 'form_post', ...GOOGLE, ...APP, PROVIDERS_DISABLED: 'okta' }).flowCookie.sameSite).toBe('lax');
  });

  it('then needs an https PUBLIC_URL, or plain http on localhost, 127.0.0.1 or [::1] where browsers still keep Secure cookies', () => {
    for (const publicUrl of ['http://localhost:4000', 'http://127.0.0.1:4000', 'http://[::1]:4000', 'https://auth.example.com', undefined]) {
      expect(problemsOf({ ...APPLE, ...APP, PUBLIC_URL: publicUrl }), publicUrl).toEqual([]);
    }
    expect(problemsOf({ ...APPLE, ...OKTA, OIDC_OKTA_RESPONSE_MODE: 'form_post', ...APP, PUBLIC_URL: 'http://192.168.1.20:4000' })).toEqual([
      'PUBLIC_URL: must be https:// while a provider answers by form POST (APPLE_CLIENT_ID, OIDC_OKTA_RESPONSE_MODE): its flow cookie must then be SameSite=None; Secure, and browsers keep Secure cookies over http:// only on localhost, 127.0.0.1 or [::1]',
    ]);
    // Left unset, PUBLIC_URL follows HOST: listening on a LAN address is not enough.
    expect(problemsOf({ ...APPLE, ...APP }, { ...DEV, host: '192.168.1.20' })).toEqual([
      'PUBLIC_URL: must be https:// (unset, it defaults to HOST) while a provider answers by form POST (APPLE_CLIENT_ID): its flow cookie must then be SameSite=None; Secure, and browsers keep Secure cookies over http:// only on localhost, 127.0.0.1 or [::1]',
    ]);
    expect(problemsOf({ ...APPLE, ...APP }, { ...DEV, host: '0.0.0.0' })).toEqual([]);
    // Without a form_post provider, a LAN address is fine.
    expect(problemsOf({ ...GOOGLE, ...APP, PUBLIC_URL: 'http://192.168.1.20:4000' })).toEqual([]);
  });
});

describe('parseProviderConfig(): sign-up, link by email, flow lifetime', () => {
  it('reads PROVIDER_SIGN_UP, PROVIDER_LINK_BY_EMAIL and PROVIDER_FLOW_TTL_SECONDS', () => {
    expect(valid({ PROVIDER_SIGN_UP: 'off', PROVIDER_LINK_BY_EMAIL: 'false', PROVIDER_FLOW_TTL_SECONDS: '900' })).toMatchObject({
      signUp: false,
      linkByEmail: false,
      flowTtlSeconds: 900,
    });
    expect(valid({ PROVIDER_SIGN_UP: 'on', PROVIDER_LINK_BY_EMAIL: '1', PROVIDER_FLOW_TTL_SECONDS: '1' })).toMatchObject({ signUp: true, linkByEmail: true, flowTtlSeconds: 1 });
    expect(valid({ PROVIDER_FLOW_TTL_SECONDS: '3600' }).flowTtlSeconds).toBe(3600);
  });

  it('refuses other values', () => {
    expect(problemsOf({ PROVIDER_SIGN_UP: 'sometimes', PROVIDER_LINK_BY_EMAIL: 'TRUE' })).toEqual([
      'PROVIDER_SIGN_UP: must be true or false (or 1/0, yes/no, on/off)',
      'PROVIDER_LINK_BY_EMAIL: must be true or false (or 1/0, yes/no, on/off)',
    ]);
    for (const ttl of ['0', '3601', '-5', '1.5', '10m', ' 60', '1e3']) {
      expect(problemsOf({ PROVIDER_FLOW_TTL_SECONDS: ttl }), ttl).toEqual(['PROVIDER_FLOW_TTL_SECONDS: must be a whole number from 1 to 3600']);
    }
  });
});

describe('parseProviderConfig(): every problem at once, no value printed', () => {
  it('reports each broken variable in one pass, naming variables and never their values', () => {
    const secrets = ['hunter2-google', 'hunter2-github', 'hunter2-apple', 'hunter2-issuer', 'hunter2-public', 'hunter2-return', 'hunter2-okta'];
    const { problems } = parse(
      {
        GOOGLE_CLIENT_SECRET: secrets[0],
        GITHUB_CLIENT_ID: secrets[1],
        GITHUB_URL: 'http://hunter2-github.example.com',
        MICROSOFT_CLIENT_ID: 'hunter2-ms',
        MICROSOFT_CLIENT_SECRET: 'hunter2-ms-secret',
        MICROSOFT_TENANT: 'hunter2 tenant',
        APPLE_CLIENT_ID: 'com.example.web',
        APPLE_TEAM_ID: 'hunter2',
        APPLE_KEY_ID: 'KEY1234567',
        APPLE_PRIVATE_KEY: secrets[2],
        OIDC_PROVIDERS: 'okta,Hunter2-okta',
        OIDC_OKTA_ISSUER: `https://${secrets[3]}.example.com?x`,
        OIDC_OKTA_CLIENT_ID: 'x',
        OIDC_OKTA_CLIENT_SECRET: secrets[6],
        OIDC_OKTA_SCOPES: 'hunter2',
        PUBLIC_URL: `https://${secrets[4]}.example.com/`,
        PROVIDER_RETURN_URLS: `https://u:${secrets[5]}@app.example.com/`,
        PROVIDERS_DISABLED: 'hunter2',
        PROVIDER_FLOW_TTL_SECONDS: 'hunter2',
      },
      PROD,
    );
    expect(problems.map((p) => p.slice(0, p.indexOf(':')))).toEqual([
      'OIDC_PROVIDERS',
      'PROVIDERS_DISABLED',
      'GOOGLE_CLIENT_ID',
      'GITHUB_URL',
      'GITHUB_CLIENT_SECRET',
      'MICROSOFT_TENANT',
      'APPLE_TEAM_ID',
      'APPLE_PRIVATE_KEY',
      'OIDC_OKTA_ISSUER',
      'OIDC_OKTA_SCOPES',
      'PUBLIC_URL',
      'PROVIDER_RETURN_URLS',
      'PROVIDER_FLOW_TTL_SECONDS',
    ]);
    expect(problems.join('\n').toLowerCase()).not.toContain('hunter2');
  });
});
