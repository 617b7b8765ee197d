// What a provider client proves, and the small rules every provider shares.
import type { CustomFetch } from 'openid-client';
import { isLoopbackHost } from './return-urls.ts';

export interface ProvedIdentity {
  provider: string;
  /** OIDC `sub`; Microsoft `${tid}:${oid}`; GitHub the numeric user id as a string (never the login). */
  subject: string;
  /** The ID Token's `iss`; GitHub: the configured GITHUB_URL. */
  issuer: string;
  /** As asserted (the product normalises it); null when missing or not a plausible address. */
  email: string | null;
  /** Per provider rules; a missing claim never counts. */
  emailVerified: boolean;
  name: string | null;
  /** Apple only, when the token response has one (kept to revoke it later). */
  appleRefreshToken?: string;
}

/** What the product keeps between the start and the callback. */
export interface ProviderFlow {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface ProviderClient {
  readonly id: string;
  readonly responseMode: 'query' | 'form_post';
  /** The URL to send the browser to. Rejects with ProviderFailure (UNAVAILABLE when discovery cannot be had). */
  authorizationUrl(flow: ProviderFlow): Promise<URL>;
  /** The callback's query (GET) or form (POST) fields, redeemed and verified. Rejects with ProviderFailure. */
  redeem(callback: { params: URLSearchParams }, flow: ProviderFlow): Promise<ProvedIdentity>;
  /** Apple only: revokes a refresh token (best effort; ProviderFailure UNAVAILABLE on failure). */
  revoke?(refreshToken: string): Promise<void>;
}

export interface ProviderClientOptions {
  /** Per request to the provider; default 10. */
  timeoutSeconds?: number;
  /** Tests: sends requests for real providers' origins to loopback servers. */
  customFetch?: CustomFetch;
}

export const DEFAULT_TIMEOUT_SECONDS = 10;

/**
 * The address as asserted, or null when it is not plausibly one: exactly one @ with something on
 * each side, no whitespace, at most 254 characters. The product applies its own rules after this.
 */
export function plausibleEmail(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 254 || /\s/.test(value)) return null;
  const parts = value.split('@');
  return parts.length === 2 && parts[0] !== '' && parts[1] !== '' ? value : null;
}

/** A non-empty trimmed string claim, or null. */
export function textClaim(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/**
 * The callback as openid-client wants it: the redirect_uri with the provider's parameters. For a
 * form_post answer the body's fields go in the query too: openid-client does the same with a POST
 * Request, and the redirect_uri it sends to the token endpoint is this URL without them.
 */
export function callbackLocation(redirectUri: string, params: URLSearchParams): URL {
  const url = new URL(redirectUri);
  url.search = '';
  for (const [key, value] of params) url.searchParams.append(key, value);
  return url;
}

/**
 * Whether openid-client may use plain http with this provider: only when it was configured on
 * http:// (the parser allows that on loopback, outside production), or when tests route a real
 * provider's https origin to loopback (customFetch) and every http endpoint is on loopback.
 */
export function insecureAllowed(configured: string[], endpoints: (string | undefined)[], options: ProviderClientOptions): boolean {
  if (configured.some((url) => new URL(url).protocol === 'http:')) return true;
  if (!options.customFetch) return false;
  const http = endpoints.filter((url): url is string => url !== undefined).map((url) => URL.parse(url)).filter((url) => url?.protocol === 'http:');
  return http.length > 0 && http.every((url) => url !== null && isLoopbackHost(url.hostname));
}
