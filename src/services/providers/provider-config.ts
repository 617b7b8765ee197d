// Sign-in through identity providers, read from the environment once at start. Like the rest of
// the configuration it collects every problem (naming variables, never their values) instead of
// stopping at the first, and makes no network call: discovery happens at first use.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { isLoopbackHost, parseReturnUrlEntry, type ReturnUrlEntry } from './return-urls.ts';

/** The built-in providers, in the order they are listed, with the names their buttons show. */
export const BUILT_IN_PROVIDERS = { google: 'Google', github: 'GitHub', microsoft: 'Microsoft', apple: 'Apple' } as const;
export type BuiltInProviderId = keyof typeof BUILT_IN_PROVIDERS;

export function isBuiltInProvider(id: string): id is BuiltInProviderId {
  // Own keys only: `constructor` is a fine OIDC id.
  return Object.hasOwn(BUILT_IN_PROVIDERS, id);
}

export type ProviderKind = 'oidc' | 'github' | 'apple' | 'microsoft';
/** How the provider sends the browser back: a GET with a query, or a cross-site form POST. */
export type ResponseMode = 'query' | 'form_post';

interface ProviderBase {
  /** `google`, `github`, `microsoft`, `apple` or an OIDC_PROVIDERS id; also the callback's last path segment. */
  id: string;
  /** For the button. */
  name: string;
  /** False while PROVIDERS_DISABLED names it: configured, but no way in. */
  enabled: boolean;
  clientId: string;
  scopes: string[];
  responseMode: ResponseMode;
  /** False: every email this provider asserts counts as unverified. */
  trustEmail: boolean;
}

/** Google (kind `oidc`, id `google`) and each OIDC_PROVIDERS entry. */
export interface OidcProviderConfig extends ProviderBase {
  kind: 'oidc';
  /** Exactly as configured: it must equal the id_token's `iss`, trailing slash and all. */
  issuer: string;
  /** Undefined: a public client, authenticated by PKCE alone (never for Google). */
  clientSecret: string | undefined;
}

/** An OAuth app on github.com or a GitHub Enterprise Server; not OpenID Connect. */
export interface GitHubProviderConfig extends ProviderBase {
  kind: 'github';
  /** Where users authorize, and the `issuer` stored with GitHub identities; no trailing slash. */
  url: string;
  /** REST API base; no trailing slash. */
  apiUrl: string;
  clientSecret: string;
}

export interface MicrosoftProviderConfig extends ProviderBase {
  kind: 'microsoft';
  /** `common`, `organizations`, `consumers`, a tenant id (GUID) or one of the tenant's domain names; lower-case. */
  tenant: string;
  /** The cloud's login host; no trailing slash. */
  authority: string;
  /**
   * `<authority>/<tenant>/v2.0`: where discovery starts. For `common` and `organizations` the id_token's
   * `iss` names the user's own tenant, and for `consumers` or a domain name discovery names a GUID,
   * so compare `iss` with what discovery says, not with this string.
   */
  issuer: string;
  clientSecret: string;
}

/** Sign in with Apple: the client secret is a JWT this server signs with `privateKey`. */
export interface AppleProviderConfig extends ProviderBase {
  kind: 'apple';
  issuer: string;
  /** The Services ID. */
  clientId: string;
  teamId: string;
  keyId: string;
  /** The `.p8` key: P-256, for ES256. */
  privateKey: KeyObject;
}

export type ProviderConfig = OidcProviderConfig | GitHubProviderConfig | MicrosoftProviderConfig | AppleProviderConfig;

/** The cookie binding a browser-mode flow to the browser that started it. */
export interface FlowCookieConfig {
  name: 'provider_flow' | '__Host-provider_flow';
  secure: boolean;
  sameSite: 'lax' | 'none';
}

export interface ProvidersConfig {
  /** This server as browsers and providers reach it; no trailing slash. */
  publicUrl: string;
  returnUrls: ReturnUrlEntry[];
  /** Every configured provider, enabled or not, built-ins first, then OIDC_PROVIDERS in its order. */
  providers: ProviderConfig[];
  signUp: boolean;
  linkByEmail: boolean;
  flowTtlSeconds: number;
  flowCookie: FlowCookieConfig;
}

/** What the rest of the configuration already knows. */
export interface ProviderConfigContext {
  production: boolean;
  /** HOST, the address the server listens on. */
  host: string | undefined;
  port: number;
  /** Whether the session cookie is Secure. */
  cookieSecure: boolean;
}

/** The one redirect URI registered at each provider. */
export function callbackUrl(publicUrl: string, providerId: string): string {
  return `${publicUrl}/auth/callback/${providerId}`;
}

const OIDC_SUFFIXES = ['ISSUER', 'CLIENT_ID', 'CLIENT_SECRET', 'NAME', 'SCOPES', 'TRUST_EMAIL', 'RESPONSE_MODE'] as const;
export type OidcVariableSuffix = (typeof OIDC_SUFFIXES)[number];

/** `OIDC_MY_OKTA_ISSUER` for the id `my-okta`. */
export function oidcVariable(id: string, suffix: OidcVariableSuffix): string {
  return `OIDC_${id.toUpperCase().replaceAll('-', '_')}_${suffix}`;
}

// The id is a path segment of the callback and part of variable names.
const OIDC_ID = /^[a-z][a-z0-9-]{0,31}$/;
const DEFAULT_OIDC_SCOPES = 'openid email profile';
const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

/** Reads the provider variables; pushes `VARIABLE: reason` onto `problems` for each one that is wrong. */
export function parseProviderConfig(raw: Record<string, string | undefined>, context: ProviderConfigContext, problems: string[]): ProvidersConfig {
  // Empty means unset, as in the rest of the configuration.
  const env = (name: string): string | undefined => (raw[name] === '' ? undefined : raw[name]);
  const oidcIds = oidcProviderIds(env('OIDC_PROVIDERS'), problems);
  const disabled = disabledIds(env('PROVIDERS_DISABLED'), oidcIds, problems);
  unknownOidcVariables(raw, list(env('OIDC_PROVIDERS')), problems);
  const reader: Reader = { env, production: context.production, problems, disabled };

  const providers = [google(reader), gitHub(reader), microsoft(reader), apple(reader), ...oidcIds.map((id) => oidc(reader, id))].filter(
    (provider): provider is ProviderConfig => provider !== undefined,
  );

  // Decided from the variables alone, so a provider with a broken variable still asks for these.
  const wanted = (id: string, clientIdVariable: string) => env(clientIdVariable) !== undefined && !disabled.has(id);
  const anyOn = (Object.keys(BUILT_IN_PROVIDERS) as BuiltInProviderId[]).some((id) => wanted(id, `${id.toUpperCase()}_CLIENT_ID`)) || oidcIds.some((id) => wanted(id, oidcVariable(id, 'CLIENT_ID')));
  // The variables that make the flow cookie cross-site: each provider that answers by form POST.
  const formPostCauses = [
    ...(wanted('apple', 'APPLE_CLIENT_ID') ? ['APPLE_CLIENT_ID'] : []),
    ...oidcIds.filter((id) => wanted(id, oidcVariable(id, 'CLIENT_ID')) && env(oidcVariable(id, 'RESPONSE_MODE')) === 'form_post').map((id) => oidcVariable(id, 'RESPONSE_MODE')),
  ];

  const publicUrl = parsePublicUrl(env('PUBLIC_URL'), context, anyOn, problems);
  return {
    publicUrl: publicUrl.value,
    returnUrls: returnUrls(env('PROVIDER_RETURN_URLS'), context.production, anyOn, problems),
    providers,
    signUp: bool(reader, 'PROVIDER_SIGN_UP', true),
    linkByEmail: bool(reader, 'PROVIDER_LINK_BY_EMAIL', true),
    // Up to an hour: a flow waiting for a second factor lives this long, and so do its state and code.
    flowTtlSeconds: int(reader, 'PROVIDER_FLOW_TTL_SECONDS', 600, 1, 3_600),
    flowCookie: flowCookie(formPostCauses, publicUrl, context.cookieSecure, problems),
  };
}

interface Reader {
  env(name: string): string | undefined;
  production: boolean;
  problems: string[];
  disabled: ReadonlySet<string>;
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// Which providers: OIDC_PROVIDERS, PROVIDERS_DISABLED, stray OIDC_<ID>_* variables.

function oidcProviderIds(value: string | undefined, problems: string[]): string[] {
  const ids: string[] = [];
  list(value).forEach((id, index) => {
    const entry = `OIDC_PROVIDERS: entry ${index + 1}`;
    if (!OIDC_ID.test(id)) problems.push(`${entry} is not an id: a lower-case letter, then up to 31 lower-case letters, digits or hyphens`);
    else if (isBuiltInProvider(id)) problems.push(`${entry} is a built-in provider's id (google, github, microsoft, apple); those have variables of their own`);
    else if (ids.includes(id)) problems.push(`${entry} repeats an earlier id`);
    else ids.push(id);
  });
  return ids;
}

function disabledIds(value: string | undefined, oidcIds: string[], problems: string[]): Set<string> {
  const ids = list(value);
  ids.forEach((id, index) => {
    // A typo here would leave on a provider the operator meant to turn off.
    if (!isBuiltInProvider(id) && !oidcIds.includes(id)) {
      problems.push(`PROVIDERS_DISABLED: entry ${index + 1} is not a provider id (google, github, microsoft, apple, or one listed in OIDC_PROVIDERS)`);
    }
  });
  return new Set(ids);
}

/** A variable for an unlisted id is configuration that silently does nothing: a typo, or a forgotten listing. */
function unknownOidcVariables(raw: Record<string, string | undefined>, listed: string[], problems: string[]): void {
  // Every listed entry, valid or not: a bad entry is reported once, as itself.
  const known = new Set(listed.flatMap((id) => OIDC_SUFFIXES.map((suffix) => oidcVariable(id, suffix))));
  const pattern = new RegExp(`^OIDC_(.+)_(${OIDC_SUFFIXES.join('|')})$`);
  for (const [name, value] of Object.entries(raw)) {
    if (!name.startsWith('OIDC_') || name === 'OIDC_PROVIDERS' || known.has(name) || value === undefined || value === '') continue;
    const id = pattern.exec(name)?.[1]?.toLowerCase().replaceAll('_', '-');
    problems.push(
      id
        ? `${name}: set, but OIDC_PROVIDERS does not list ${id}`
        : `${name}: not a variable this server reads; those of an OIDC_PROVIDERS id are OIDC_<ID>_ followed by ${OIDC_SUFFIXES.join(', ')}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The providers.

function google(r: Reader): OidcProviderConfig | undefined {
  const credentials = together(r, 'Google', ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET']);
  if (!credentials) return undefined;
  const [clientId, clientSecret] = credentials;
  return {
    kind: 'oidc',
    id: 'google',
    name: BUILT_IN_PROVIDERS.google,
    enabled: !r.disabled.has('google'),
    issuer: 'https://accounts.google.com',
    clientId,
    clientSecret,
    scopes: ['openid', 'email', 'profile'],
    responseMode: 'query',
    trustEmail: true,
  };
}

function gitHub(r: Reader): GitHubProviderConfig | undefined {
  // Checked even without a client id: a wrong URL is worth hearing about before it is used.
  const url = baseUrl(r, 'GITHUB_URL', 'https://github.com');
  const apiUrl = baseUrl(r, 'GITHUB_API_URL', 'https://api.github.com');
  const credentials = together(r, 'GitHub', ['GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET']);
  if (!credentials || url === undefined || apiUrl === undefined) return undefined;
  const [clientId, clientSecret] = credentials;
  return {
    kind: 'github',
    id: 'github',
    name: BUILT_IN_PROVIDERS.github,
    enabled: !r.disabled.has('github'),
    url,
    apiUrl,
    clientId,
    clientSecret,
    scopes: ['read:user', 'user:email'],
    responseMode: 'query',
    trustEmail: true,
  };
}

// Entra accepts these three audiences, a tenant id, or any domain name verified in the tenant.
const TENANT_AUDIENCE = /^(common|organizations|consumers)$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function microsoft(r: Reader): MicrosoftProviderConfig | undefined {
  const tenant = (r.env('MICROSOFT_TENANT') ?? 'common').toLowerCase();
  const tenantValid = TENANT_AUDIENCE.test(tenant) || GUID.test(tenant) || DOMAIN.test(tenant);
  if (!tenantValid) {
    r.problems.push('MICROSOFT_TENANT: must be common, organizations, consumers, a tenant id (GUID) or a domain name of the tenant such as contoso.onmicrosoft.com');
  }
  const authority = baseUrl(r, 'MICROSOFT_AUTHORITY', 'https://login.microsoftonline.com');
  const credentials = together(r, 'Microsoft', ['MICROSOFT_CLIENT_ID', 'MICROSOFT_CLIENT_SECRET']);
  if (!credentials || !tenantValid || authority === undefined) return undefined;
  const [clientId, clientSecret] = credentials;
  return {
    kind: 'microsoft',
    id: 'microsoft',
    name: BUILT_IN_PROVIDERS.microsoft,
    enabled: !r.disabled.has('microsoft'),
    tenant,
    authority,
    issuer: `${authority}/${tenant}/v2.0`,
    clientId,
    clientSecret,
    scopes: ['openid', 'email', 'profile'],
    responseMode: 'query',
    trustEmail: true,
  };
}

// Apple's team and key ids: ten upper-case letters or digits.
const APPLE_ID = /^[A-Z0-9]{10}$/;

function apple(r: Reader): AppleProviderConfig | undefined {
  const teamId = r.env('APPLE_TEAM_ID');
  const keyId = r.env('APPLE_KEY_ID');
  const pem = r.env('APPLE_PRIVATE_KEY');
  if (teamId !== undefined && !APPLE_ID.test(teamId)) r.problems.push('APPLE_TEAM_ID: must be 10 upper-case letters or digits, as Apple shows it');
  if (keyId !== undefined && !APPLE_ID.test(keyId)) r.problems.push('APPLE_KEY_ID: must be 10 upper-case letters or digits, as Apple shows it');
  const privateKey = pem === undefined ? undefined : applePrivateKey(pem);
  if (pem !== undefined && !privateKey) {
    r.problems.push('APPLE_PRIVATE_KEY: must be the PEM of the .p8 key Apple issued (an unencrypted PKCS#8 P-256 key, "-----BEGIN PRIVATE KEY-----"; \\n escapes are accepted)');
  }
  const credentials = together(r, 'Apple', ['APPLE_CLIENT_ID', 'APPLE_TEAM_ID', 'APPLE_KEY_ID', 'APPLE_PRIVATE_KEY']);
  if (!credentials || !privateKey || !APPLE_ID.test(credentials[1]) || !APPLE_ID.test(credentials[2])) return undefined;
  return {
    kind: 'apple',
    id: 'apple',
    name: BUILT_IN_PROVIDERS.apple,
    enabled: !r.disabled.has('apple'),
    issuer: 'https://appleid.apple.com',
    clientId: credentials[0],
    teamId: credentials[1],
    keyId: credentials[2],
    privateKey,
    scopes: ['openid', 'name', 'email'],
    // Apple answers by form POST whenever it is asked for name or email.
    responseMode: 'form_post',
    trustEmail: true,
  };
}

/** The key, or undefined unless it is an unencrypted PKCS#8 P-256 private key. */
function applePrivateKey(pem: string): KeyObject | undefined {
  // One-line environments write the PEM's line breaks as `\n`.
  const text = pem.replaceAll('\\r', '').replaceAll('\\n', '\n').replaceAll('\r\n', '\n').trim();
  // The label tells PKCS#8 from SEC1 ("EC PRIVATE KEY"), which Node would read as well.
  if (!/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PRIVATE KEY-----$/.test(text)) return undefined;
  try {
    const key = createPrivateKey({ key: text, format: 'pem' });
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? key : undefined;
  } catch {
    return undefined;
  }
}

function oidc(r: Reader, id: string): OidcProviderConfig | undefined {
  const variable = (suffix: OidcVariableSuffix) => oidcVariable(id, suffix);
  const issuerValue = r.env(variable('ISSUER'));
  const clientId = r.env(variable('CLIENT_ID'));
  if (issuerValue === undefined) r.problems.push(`${variable('ISSUER')}: required, as OIDC_PROVIDERS lists ${id}`);
  if (clientId === undefined) r.problems.push(`${variable('CLIENT_ID')}: required, as OIDC_PROVIDERS lists ${id}`);
  const issuerProblem = issuerValue === undefined ? undefined : urlProblem(issuerValue, r.production);
  if (issuerProblem) r.problems.push(`${variable('ISSUER')}: ${issuerProblem}`);
  const scopes = oidcScopes(r, variable('SCOPES'));
  const trustEmail = bool(r, variable('TRUST_EMAIL'), true);
  const responseMode = r.env(variable('RESPONSE_MODE')) ?? 'query';
  if (responseMode !== 'query' && responseMode !== 'form_post') r.problems.push(`${variable('RESPONSE_MODE')}: must be query or form_post`);
  if (issuerValue === undefined || issuerProblem || clientId === undefined || !scopes || (responseMode !== 'query' && responseMode !== 'form_post')) return undefined;
  return {
    kind: 'oidc',
    id,
    name: r.env(variable('NAME'))?.trim() || id,
    enabled: !r.disabled.has(id),
    issuer: issuerValue,
    clientId,
    clientSecret: r.env(variable('CLIENT_SECRET')),
    scopes,
    responseMode,
    trustEmail,
  };
}

// RFC 6749 §3.3: a scope token is printable ASCII other than space, `"` and `\`.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function oidcScopes(r: Reader, name: string): string[] | undefined {
  const scopes = [...new Set((r.env(name) ?? DEFAULT_OIDC_SCOPES).split(' ').filter(Boolean))];
  if (!scopes.every((scope) => SCOPE_TOKEN.test(scope))) {
    r.problems.push(`${name}: scopes are separated by spaces and are printable ASCII without quotes or backslashes`);
    return undefined;
  }
  // Without openid there is no id_token, and nothing to verify the user by.
  if (!scopes.includes('openid')) {
    r.problems.push(`${name}: must include openid`);
    return undefined;
  }
  return scopes;
}

/**
 * All of `names` or none: undefined when none is set (the provider is not configured) or some are
 * missing (each reported); otherwise their values, in order.
 */
function together<const N extends readonly string[]>(r: Reader, provider: string, names: N): { [K in keyof N]: string } | undefined {
  const values = names.map((name) => r.env(name));
  if (values.every((value) => value === undefined)) return undefined;
  const all = names.length === 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  names.forEach((name, index) => {
    if (values[index] === undefined) r.problems.push(`${name}: missing; ${provider} sign-in needs ${all} together`);
  });
  return values.every((value) => value !== undefined) ? (values as { [K in keyof N]: string }) : undefined;
}

// ---------------------------------------------------------------------------------------------
// URLs.

/**
 * Why `value` cannot be a provider's issuer or endpoint base, or undefined when it can: https
 * (http only on loopback, outside production: the tests' stand-ins), with no query, fragment or
 * user-info.
 */
function urlProblem(value: string, production: boolean): string | undefined {
  const url = parseHttpUrl(value);
  if (typeof url === 'string') return url;
  if (url.protocol === 'http:' && (production || !isLoopbackHost(url.hostname))) {
    return production ? 'must be https:// in production' : 'must be https:// (http:// only for localhost, 127.0.0.1 or [::1] outside production)';
  }
  return undefined;
}

/** An absolute http(s) URL with a host and nothing that has no place in a server's address; or why not. */
function parseHttpUrl(value: string): URL | string {
  const url = /[\u0000-\u0020\u007f\\]/.test(value) ? null : URL.parse(value);
  const authority = /^https?:\/\/([^/?#]+)/i.exec(value)?.[1];
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || authority === undefined) return 'must be an https:// URL';
  if (url.href.includes('?')) return 'must not have a query';
  if (url.href.includes('#')) return 'must not have a fragment';
  if (url.username !== '' || url.password !== '' || authority.includes('@')) return 'must not have user-info';
  return url;
}

/** A URL that paths are appended to: checked as above, without trailing slashes. */
function baseUrl(r: Reader, name: string, fallback: string): string | undefined {
  const value = r.env(name);
  if (value === undefined) return fallback;
  const problem = urlProblem(value, r.production);
  if (problem) {
    r.problems.push(`${name}: ${problem}`);
    return undefined;
  }
  return new URL(value).href.replace(/\/+$/, '');
}

interface PublicUrl {
  value: string;
  /** Undefined when PUBLIC_URL is wrong (already reported). */
  url: URL | undefined;
  /** True when it came from HOST and the port. */
  defaulted: boolean;
}

function parsePublicUrl(value: string | undefined, context: ProviderConfigContext, anyOn: boolean, problems: string[]): PublicUrl {
  if (value === undefined) {
    if (context.production && anyOn) {
      problems.push('PUBLIC_URL: required in production while a provider is on: this server\'s https:// address as browsers reach it, e.g. https://auth.example.com');
    }
    const url = defaultPublicUrl(context);
    return { value: url.origin, url, defaulted: true };
  }
  const problem = publicUrlProblem(value, context.production && anyOn);
  if (problem) problems.push(`PUBLIC_URL: ${problem}`);
  return { value, url: problem ? undefined : new URL(value), defaulted: false };
}

function publicUrlProblem(value: string, httpsRequired: boolean): string | undefined {
  const url = parseHttpUrl(value);
  if (typeof url === 'string') return url;
  if (httpsRequired && url.protocol !== 'https:') return 'must be https:// in production';
  if (value.endsWith('/')) return 'must not end with a slash (the callback path is appended to it)';
  // Providers compare the redirect URI as a string: the form sent is the form written, so it must
  // be the one browsers show.
  if (`${url.origin}${url.pathname === '/' ? '' : url.pathname}` !== value) {
    return 'must be written as browsers write it: lower-case scheme and host, no default port, no dot segments or needless escapes';
  }
  return undefined;
}

/** `http://<HOST>:<port>`, with localhost for a wildcard or missing HOST. */
function defaultPublicUrl({ host, port }: ProviderConfigContext): URL {
  const fallback = new URL(`http://localhost:${port}`);
  if (host === undefined) return fallback;
  const bare = host.replace(/^\[|\]$/g, '');
  const literal = isIP(bare) === 6 ? `[${bare}]` : bare;
  const url = URL.parse(`http://${literal}:${port}`);
  // 0.0.0.0 and :: listen on every interface: no browser can be sent there.
  if (!url || url.hostname === '0.0.0.0' || url.hostname === '[::]') return fallback;
  return url;
}

function returnUrls(value: string | undefined, production: boolean, anyOn: boolean, problems: string[]): ReturnUrlEntry[] {
  const entries: ReturnUrlEntry[] = [];
  const given = list(value);
  given.forEach((text, index) => {
    const parsed = parseReturnUrlEntry(text, production);
    if ('problem' in parsed) problems.push(`PROVIDER_RETURN_URLS: entry ${index + 1} ${parsed.problem}`);
    else entries.push(parsed.entry);
  });
  if (anyOn && given.length === 0) {
    problems.push('PROVIDER_RETURN_URLS: required while a provider is on: the URLs of your app that sign-ins may return to, comma-separated');
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// The flow cookie.

/**
 * A form POST from the provider is a cross-site request: only a SameSite=None cookie goes with it,
 * and browsers keep those only when Secure, over plain http only on loopback.
 */
function flowCookie(formPostCauses: string[], publicUrl: PublicUrl, cookieSecure: boolean, problems: string[]): FlowCookieConfig {
  const crossSite = formPostCauses.length > 0;
  const secure = crossSite || cookieSecure;
  const url = publicUrl.url;
  if (crossSite && url?.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    problems.push(
      `PUBLIC_URL: must be https://${publicUrl.defaulted ? ' (unset, it defaults to HOST)' : ''} while a provider answers by form POST (${formPostCauses.join(', ')}): ` +
        'its flow cookie must then be SameSite=None; Secure, and browsers keep Secure cookies over http:// only on localhost, 127.0.0.1 or [::1]',
    );
  }
  return { name: secure ? '__Host-provider_flow' : 'provider_flow', secure, sameSite: crossSite ? 'none' : 'lax' };
}

// ---------------------------------------------------------------------------------------------
// Scalars.

function bool(r: Reader, name: string, fallback: boolean): boolean {
  const value = r.env(name);
  if (value === undefined) return fallback;
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  r.problems.push(`${name}: must be true or false (or 1/0, yes/no, on/off)`);
  return fallback;
}

function int(r: Reader, name: string, fallback: number, min: number, max: number): number {
  const value = r.env(name);
  if (value === undefined) return fallback;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (number >= min && number <= max) return number;
  r.problems.push(`${name}: must be a whole number from ${min} to ${max}`);
  return fallback;
}
