// Provider sign-ins through the product over real HTTP, as a browser or an app makes them: the
// start (GraphQL), the trip through the provider (the harness's user agent), and the product's
// callback (GET, or the form_post POST) with the browser's own cookie jar. Also the fetch the
// product's provider clients are given (providerClients.customFetch): real providers' origins sent
// to loopback servers, a loopback OpenID Provider made to speak as a fixed issuer (Apple's), and a
// record of every secret that crossed it, for the log checks.
import type { CustomFetch } from 'openid-client';
import { expect } from 'vitest';
import { type FormPost, followRedirects, loopbackFetch, type Navigation, type OidcTestProvider, resignIdToken, submitFormPost } from './identity-providers/index.ts';
import type { TestClient } from './test-client.ts';

export const START_PROVIDER_SIGN_IN = `mutation($input: StartProviderSignInInput!) { startProviderSignIn(input: $input) { authorizationUrl state expiresAt } }`;
export const FINISH_PROVIDER_SIGN_IN = `mutation($input: FinishProviderSignInInput!) { finishProviderSignIn(input: $input) { message user { id email username hasPassword emailVerified } } }`;
export const PROVIDER_ME = `query { me { id email username hasPassword emailVerified } }`;
export const PROVIDER_EVENTS = `query { securityEvents(limit: 50) { kind provider } }`;

export interface ProviderAuthorization {
  authorizationUrl: string;
  state: string;
  expiresAt: string;
}

export interface Me {
  id: string;
  email: string;
  username: string;
  hasPassword: boolean;
  emailVerified: boolean;
}

export interface ProviderEvent {
  kind: string;
  provider: string | null;
}

/** The product's answer to a callback request. */
export interface CallbackAnswer {
  status: number;
  headers: Headers;
  /** The redirect target (303), or null. */
  location: URL | null;
  /** The redirect's query, as an object (empty without a redirect). */
  params: Record<string, string>;
  /** Every Set-Cookie header of the answer. */
  setCookies: string[];
}

async function answerOf(response: Response): Promise<CallbackAnswer> {
  const location = response.headers.get('location');
  await response.body?.cancel();
  const url = location === null ? null : new URL(location);
  return { status: response.status, headers: response.headers, location: url, params: url ? Object.fromEntries(url.searchParams) : {}, setCookies: response.headers.getSetCookie() };
}

/** The product as a browser reaches it: `http://127.0.0.1:<port>`, the value of PUBLIC_URL. */
export class ProductBrowser {
  constructor(readonly product: string) {}

  callbackUrl(provider: string): string {
    return `${this.product}/auth/callback/${provider}`;
  }

  /** startProviderSignIn on `client` (its cookies; the flow cookie it sets lands in its jar). */
  async start(client: TestClient, input: { provider: string; returnTo?: string; codeChallenge?: string }, headers: Record<string, string> = {}): Promise<ProviderAuthorization & { setCookies: string[] }> {
    const res = await client.graphql(START_PROVIDER_SIGN_IN, { input }, headers);
    expect(res.errors).toBeUndefined();
    return { ...(res.data!.startProviderSignIn as ProviderAuthorization), setCookies: res.headers.getSetCookie() };
  }

  /** The browser's trip through the provider, stopped where it would reach the product's callback. */
  async through(authorizationUrl: string, prepare: () => void = () => {}): Promise<Navigation> {
    prepare();
    return followRedirects(authorizationUrl, { stopAt: `${this.product}/auth/callback/` });
  }

  /** As `through`, for a provider answering by redirect: the callback URL. */
  async toCallback(authorizationUrl: string, prepare?: () => void): Promise<URL> {
    const navigation = await this.through(authorizationUrl, prepare);
    if (navigation.kind !== 'redirect') throw new Error(`the provider did not send the browser back: ${navigation.kind} ${navigation.kind === 'page' ? navigation.body.slice(0, 200) : ''}`);
    return navigation.location;
  }

  /** As `through`, for a provider answering by form_post: the form. */
  async toFormPost(authorizationUrl: string, prepare?: () => void): Promise<FormPost> {
    const navigation = await this.through(authorizationUrl, prepare);
    if (navigation.kind !== 'form_post') throw new Error(`the provider did not answer with a form_post page: ${navigation.kind}`);
    return navigation.form;
  }

  /**
   * GET of the callback URL by `client`'s browser (its cookies, or `cookie` as given), keeping what
   * the answer sets in its jar.
   */
  async callback(client: TestClient | null, url: URL | string, options: { cookie?: string; method?: string } = {}): Promise<CallbackAnswer> {
    const cookie = options.cookie ?? (client ? await client.jar.getCookieString(String(url)) : '');
    const response = await fetch(url, { method: options.method ?? 'GET', redirect: 'manual', headers: cookie ? { cookie } : {} });
    if (client) for (const header of response.headers.getSetCookie()) await client.jar.setCookie(header, String(url));
    return answerOf(response);
  }

  /** The provider's auto-submitting form, posted from the provider's site by `client`'s browser (cross-site). */
  async post(client: TestClient, form: FormPost): Promise<CallbackAnswer> {
    return answerOf(await submitFormPost(form, { jar: client.jar }));
  }
}

/** The session cookie an answer set, if any. */
export function sessionCookieIn(setCookies: string[], cookieName: string): string | undefined {
  return setCookies.find((header) => header.startsWith(`${cookieName}=`));
}

export interface ProviderFetchOptions {
  /** A real provider's origin → the loopback server answering for it (as loopbackFetch). */
  routes?: Record<string, string>;
  /**
   * A real provider's origin → a loopback OpenID Provider made to speak as that origin: discovery
   * names the origin as issuer, and ID Tokens carry it as `iss`, re-signed with the provider's own
   * key (in its JWKS). For issuers the product fixes (Apple's https://appleid.apple.com). Start the
   * provider with `issParameter: false` (no `iss` in its authorization answers).
   */
  impersonate?: Record<string, OidcTestProvider>;
}

export interface ProviderFetch {
  fetch: CustomFetch;
  /**
   * Every secret the product's provider clients sent or received: client secrets, codes and PKCE
   * verifiers sent, access, refresh and ID tokens received (as received and as the product saw them).
   */
  readonly secrets: Set<string>;
}

const SENT_SECRETS = ['client_secret', 'code', 'code_verifier', 'refresh_token', 'token', 'client_assertion'];
const RECEIVED_SECRETS = ['access_token', 'refresh_token', 'id_token'];

export function providerFetch(options: ProviderFetchOptions = {}): ProviderFetch {
  const secrets = new Set<string>();
  const keep = (value: unknown) => typeof value === 'string' && value.length >= 8 && secrets.add(value);
  // Token endpoints of impersonated providers (loopback URLs) → the issuer their ID Tokens must name.
  const impersonatedTokenEndpoints = new Map<string, { issuer: string; op: OidcTestProvider }>();

  const origins: Record<string, string> = { ...options.routes };
  for (const [origin, op] of Object.entries(options.impersonate ?? {})) origins[origin] = op.url;
  const forward = loopbackFetch(origins);

  const fetcher: CustomFetch = async (url, init) => {
    const target = new URL(url);
    const impersonated = options.impersonate?.[target.origin];
    const loopback = origins[target.origin];
    const sent = loopback === undefined ? target : new URL(target.pathname + target.search, loopback);
    const body = init.body instanceof URLSearchParams || typeof init.body === 'string' ? new URLSearchParams(init.body) : undefined;
    for (const name of SENT_SECRETS) keep(body?.get(name));
    const authorization = new Headers(init.headers).get('authorization');
    if (authorization) keep(authorization.replace(/^\w+ /, ''));
    const response = await forward(url, init);
    const json = (response.headers.get('content-type') ?? '').includes('json');
    if (!json) return response;

    if (impersonated && target.pathname === '/.well-known/openid-configuration' && response.ok) {
      const metadata = (await response.json()) as Record<string, unknown>;
      if (typeof metadata.token_endpoint === 'string') impersonatedTokenEndpoints.set(metadata.token_endpoint, { issuer: target.origin, op: impersonated });
      return Response.json({ ...metadata, issuer: target.origin }, { status: response.status });
    }
    const text = await response.text();
    // The answer as it came (the body is read: a copy, with the headers that describe it).
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    const again = () => new Response(text, { status: response.status, headers });
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      return again();
    }
    if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return again();
    const fields = answer as Record<string, unknown>;
    for (const name of RECEIVED_SECRETS) keep(fields[name]);
    const forged = impersonatedTokenEndpoints.get(sent.href);
    if (forged && typeof fields.id_token === 'string') {
      const keys = { provider: forged.op.signingKey, foreign: forged.op.signingKey };
      const idToken = await resignIdToken(fields.id_token, { claims: (claims) => ({ ...claims, iss: forged.issuer }) }, keys);
      keep(idToken);
      return Response.json({ ...fields, id_token: idToken }, { status: response.status });
    }
    return again();
  };
  return { fetch: fetcher, secrets };
}
