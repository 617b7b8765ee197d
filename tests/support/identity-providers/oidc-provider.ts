// A real OpenID Provider on 127.0.0.1 for tests: oidc-provider (the certified reference OP) behind
// a small node:http handler. The handler adds what a test needs and no real provider has: the test
// names the account of the next sign-in (no login form), can make the next ID Token wrong in one
// precise way, and can make the provider slow, unreachable or failing. Profiles (profiles.ts) make
// it look like Google, Microsoft or Apple. Plain http: the relying party needs openid-client's
// `allowInsecureRequests` for it.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CryptoKey, decodeJwt, importJWK, type JWK, jwtVerify } from 'jose';
import Provider, { type ClientMetadata, type InteractionResults, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { generateSigningKey, ID_TOKEN_TAMPERING, type IdTokenChange, type IdTokenTampering, resignIdToken, type SigningKey } from './id-token.ts';
import { memoryAdapter } from './memory-adapter.ts';
import { appleUserField, MICROSOFT_DISCOVERY, MICROSOFT_TENANT_PATH, microsoftIssuer, type OidcAccount, profile as profileOf, type ProfileName } from './profiles.ts';

export type { OidcAccount, ProfileName } from './profiles.ts';
export type { IdTokenChange, IdTokenTampering } from './id-token.ts';

export interface OidcClient {
  client_id: string;
  /** Absent: a public client (token_endpoint_auth_method "none"). PKCE S256 is required of all. */
  client_secret?: string;
  redirect_uris: string[];
  /** Default: client_secret_post with a secret (what openid-client sends when given a secret string), else none. */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'none';
  /**
   * Apple: the relying party's client_secret is an ES256 JWT it signs with its developer key
   * (iss: team id, sub: client_id, aud: the issuer or https://appleid.apple.com, kid: key id).
   * With this set, the token endpoint verifies that JWT instead of comparing a fixed secret.
   */
  appleDeveloperKey?: { teamId: string; keyId: string; publicKey: CryptoKey | JWK };
  /** The token endpoint answers a code with a refresh token too, as Apple always does. Default: none. */
  refreshTokens?: boolean;
}

export interface StartOidcProviderOptions {
  /** Default 'generic' (plain oidc-provider). */
  profile?: ProfileName;
  /** An issuer path (generic and google only), e.g. '/realms/test': issuer http://127.0.0.1:port/realms/test. */
  path?: string;
  clients?: OidcClient[];
  /** Further claim names the ID Token and userinfo carry when an account has them (e.g. 'hd'). */
  extraClaims?: string[];
  /**
   * Microsoft: the origin its issuers name, default this server's. 'https://login.microsoftonline.com'
   * lets openid-client apply its own Entra ID multi-tenant handling (see loopback-fetch.ts).
   */
  issuerOrigin?: string;
  /** RFC 9207 `iss` in authorization responses. Default: true, but false for microsoft. */
  issParameter?: boolean;
}

/** Faults, read on every request: set them at any time. */
export interface Faults {
  /** Every answer comes this much later. */
  delayMs: number;
  /** Connections are dropped as they arrive (the caller sees a reset, not an answer). */
  unreachable: boolean;
  /** The token endpoint answers this instead of tokens. */
  tokenError: { status: number; body?: string; contentType?: string } | null;
}

export interface OidcTestProvider {
  /** The issuer its discovery states (Microsoft: http://127.0.0.1:port/{tenantid}/v2.0). */
  readonly issuer: string;
  /** http://127.0.0.1:port */
  readonly url: string;
  /** What a relying party gives openid-client's discovery(): the issuer, or Microsoft's …/common/v2.0. */
  readonly serverUrl: string;
  readonly signingKey: SigningKey;
  readonly faults: Faults;
  /** The query of every authorization request received, oldest first (to check what the product sent). */
  readonly authorizationRequests: URLSearchParams[];
  /** Every refresh token the token endpoint issued, oldest first, with the account and client it went to. */
  readonly refreshTokensIssued: { sub: string; clientId: string; token: string }[];
  /** Every request to the revocation endpoint once answered, oldest first: its form as sent, and the status. */
  readonly revocations: { params: URLSearchParams; status: number }[];
  registerClient(client: OidcClient): void;
  /** The next authorization request signs in this account, consent granted for what it asks. */
  signInNext(account: OidcAccount): void;
  /** The next authorization request ends with this error at the redirect_uri instead. */
  failNextAuthorization(error: string, description?: string): void;
  /** The next ID Token from the token endpoint is changed this way. */
  tamperNextIdToken(change: IdTokenTampering | IdTokenChange): void;
  /** Microsoft: the issuer of ID Tokens for tenant `tid`. */
  tenantIssuer(tid: string): string;
  close(): Promise<void>;
}

export async function startOidcProvider(options: StartOidcProviderOptions = {}): Promise<OidcTestProvider> {
  const name = options.profile ?? 'generic';
  const profile = profileOf(name, options.extraClaims ?? []);
  const mount = name === 'generic' || name === 'google' ? (options.path ?? '').replace(/\/$/, '') : '';
  const issParameter = options.issParameter ?? profile.issParameter;
  const keys = { provider: await generateSigningKey('loopback-op'), foreign: await generateSigningKey('not-in-the-jwks') };
  const faults: Faults = { delayMs: 0, unreachable: false, tokenError: null };
  const clients = new Map<string, ClientMetadata>();
  const appleKeys = new Map<string, NonNullable<OidcClient['appleDeveloperKey']>>();
  const accounts = new Map<string, OidcAccount>();
  const nextAuthorizations: (OidcAccount | InteractionResults)[] = [];
  const nextTamperings: IdTokenChange[] = [];
  const appleUsersSent = new Set<string>();
  const microsoftTenant = new WeakMap<IncomingMessage, string>();
  const authorizationRequests: URLSearchParams[] = [];
  const refreshTokensIssued: OidcTestProvider['refreshTokensIssued'] = [];
  const revocations: OidcTestProvider['revocations'] = [];

  const server = createServer((req, res) => void handle(req, res));
  server.on('connection', (socket) => faults.unreachable && socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuerOrigin = options.issuerOrigin ?? url;
  // oidc-provider's default paths, unless the profile has its provider's own.
  const routes = { authorization: '/auth', token: '/token', revocation: '/token/revocation', ...profile.routes };

  // Every authorization asks for login, so that each one signs in the account the test named
  // (an earlier session cookie in the same jar or browser would otherwise be reused).
  const policy = interactionPolicy.base();
  policy.get('login')?.checks.push(new interactionPolicy.Check('harness_account', 'the test names every sign-in', (ctx) => !ctx.oidc.result?.login));

  const provider = new Provider(url + mount, {
    adapter: memoryAdapter(clients),
    findAccount: async (_ctx, sub) => {
      const account = accounts.get(sub);
      return account && { accountId: sub, claims: () => profile.claimsFor(account) };
    },
    claims: profile.claims,
    scopes: profile.scopes,
    // Scope-requested claims (email, name) in the ID Token too, as Google, Microsoft and Apple do.
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(16).toString('hex')] },
    enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
    // The code flow only, as a "Sign in with …" relying party uses it.
    responseTypes: ['code'],
    // To clients registered with `refreshTokens`, whatever the scope (Apple asks for no offline_access).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: profile.userinfo },
      // A client revokes only its own tokens, as at Apple.
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
    },
    interactions: { url: (_ctx, interaction) => `${mount}/interaction/${interaction.uid}`, policy },
    jwks: { keys: [keys.provider.privateJwk as Record<string, unknown>] },
    pkce: { required: () => true },
    renderError: (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
    routes,
    // Fixed lifetimes (oidc-provider prints a notice for each default it computes).
    ttl: { AccessToken: 3600, AuthorizationCode: 600, Grant: 3600, IdToken: 3600, Interaction: 600, RefreshToken: 86_400, Session: 3600 },
  });
  provider.on('server_error', (_ctx, error) => console.error('loopback OpenID Provider server_error', error));
  provider.use(afterProvider);
  const callback = provider.callback();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (faults.unreachable) return void req.socket.destroy();
    if (faults.delayMs > 0) await sleep(faults.delayMs);
    const target = new URL(req.url ?? '/', url);
    let path = target.pathname;
    if (mount) {
      // Mounted as express would mount it: oidc-provider reads the prefix from originalUrl.
      if (path !== mount && !path.startsWith(`${mount}/`)) return send(res, 404, 'text/plain', 'not found');
      Object.assign(req, { originalUrl: req.url });
      path = path.slice(mount.length) || '/';
      req.url = path + target.search;
    }
    if (name === 'microsoft') {
      const discovery = MICROSOFT_DISCOVERY.exec(path);
      const perTenant = MICROSOFT_TENANT_PATH.exec(path);
      if (discovery?.[1]) {
        microsoftTenant.set(req, discovery[1]);
        path = req.url = '/.well-known/openid-configuration';
      } else if (perTenant) {
        path = `/common/${perTenant[1]}${perTenant[2]}`;
        req.url = path + target.search;
      }
    }
    if (path === routes.authorization && req.method === 'GET') authorizationRequests.push(new URLSearchParams(target.search));
    if (path.startsWith('/interaction/')) return interact(req, res);
    if (path === routes.token && req.method === 'POST') {
      if (faults.tokenError) {
        const { status, body = JSON.stringify({ error: 'temporarily_unavailable' }), contentType = 'application/json' } = faults.tokenError;
        return send(res, status, contentType, body);
      }
      if (name === 'apple' && !(await checkAppleClientSecret(req, await readForm(req)))) return send(res, 400, 'application/json', JSON.stringify({ error: 'invalid_client' }));
    }
    if (path === routes.revocation && req.method === 'POST') {
      const form = await readForm(req);
      const sent = new URLSearchParams(form);
      res.on('finish', () => revocations.push({ params: sent, status: res.statusCode }));
      if (name === 'apple' && !(await checkAppleClientSecret(req, form))) return send(res, 400, 'application/json', JSON.stringify({ error: 'invalid_client' }));
    }
    await callback(req, res);
  }

  // The interaction page of a real provider, minus the page: it signs in the queued account (or
  // answers the queued error) and sends the browser straight back to the authorization endpoint.
  async function interact(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const details = await provider.interactionDetails(req, res);
      const next = nextAuthorizations.shift() ?? { error: 'login_required', error_description: 'no account to sign in: the test did not call signInNext()' };
      if (!('sub' in next)) return await provider.interactionFinished(req, res, next, { mergeWithLastSubmission: false });
      accounts.set(next.sub, next);
      const grant = new provider.Grant({ accountId: next.sub, clientId: String(details.params.client_id) });
      grant.addOIDCScope(details.params.scope ?? 'openid');
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: next.sub }, consent: { grantId } }, { mergeWithLastSubmission: false });
    } catch (error) {
      send(res, 400, 'text/plain', `interaction failed: ${(error as Error).message}`);
    }
  }

  // Runs around oidc-provider's own handling; changes its answers the way the profile and the test ask.
  async function afterProvider(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
    await next();
    const route = ctx.oidc?.route;
    if (route === 'discovery' && isRecord(ctx.body)) {
      const metadata: Record<string, unknown> = { ...ctx.body };
      if (name === 'microsoft') metadata.issuer = microsoftIssuer(issuerOrigin, microsoftTenant.get(ctx.req) ?? 'common');
      if (!issParameter) delete metadata.authorization_response_iss_parameter_supported;
      ctx.body = metadata;
    }
    if (route === 'authorization' || route === 'resume') {
      const location = ctx.response.get('Location');
      if (location && !issParameter) {
        const redirect = new URL(location, url);
        redirect.searchParams.delete('iss');
        ctx.set('Location', redirect.href);
      }
      if (typeof ctx.body === 'string' && ctx.body.includes('<form method="post"')) ctx.body = editFormPost(ctx, ctx.body);
    }
    if (route === 'token' && ctx.status === 200 && isRecord(ctx.body) && typeof ctx.body.id_token === 'string') {
      let idToken = ctx.body.id_token;
      if (typeof ctx.body.refresh_token === 'string') {
        refreshTokensIssued.push({ sub: String(decodeJwt(idToken).sub), clientId: ctx.oidc?.client?.clientId ?? '', token: ctx.body.refresh_token });
      }
      // Entra ID signs each ID Token with its tenant's issuer; oidc-provider knows one issuer only.
      if (name === 'microsoft') idToken = await resignIdToken(idToken, { claims: (p) => ({ ...p, iss: microsoftIssuer(issuerOrigin, String(p.tid)) }) }, keys);
      const change = nextTamperings.shift();
      if (change) idToken = await resignIdToken(idToken, change, { ...keys, clientSecret: clients.get(ctx.oidc?.client?.clientId ?? '')?.client_secret });
      ctx.body = { ...ctx.body, id_token: idToken };
    }
  }

  // form_post answers (Apple's way): no `iss` where the profile sends none, and Apple's `user`
  // field (name and email as JSON) on the first authorization of an account for a client.
  function editFormPost(ctx: KoaContextWithOIDC, html: string): string {
    if (!issParameter) html = html.replace(/<input type="hidden" name="iss" value="[^"]*"\/>\n?/, '');
    const sub = ctx.oidc?.session?.accountId;
    const clientId = ctx.oidc?.client?.clientId;
    const account = sub === undefined ? undefined : accounts.get(sub);
    const scopes = String(ctx.oidc?.params?.scope ?? '').split(' ');
    if (name !== 'apple' || !account || html.includes('name="error"') || !(scopes.includes('name') || scopes.includes('email'))) return html;
    const user = appleUserField(account);
    const key = `${sub} ${clientId}`;
    if (user === undefined || appleUsersSent.has(key)) return html;
    appleUsersSent.add(key);
    return html.replace('<noscript>', `<input type="hidden" name="user" value="${escapeHtml(user)}"/>\n    <noscript>`);
  }

  // A form request's body, read here (to check or record it) and left in req.body, where
  // oidc-provider takes an already-read body from (it prints a one-time notice about it).
  async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    Object.assign(req, { body });
    return new URLSearchParams(body);
  }

  // Apple's client_secret is a JWT the relying party signs; verified here, then replaced by the
  // registered secret in req.body so that oidc-provider's own client authentication passes.
  async function checkAppleClientSecret(req: IncomingMessage, params: URLSearchParams): Promise<boolean> {
    const clientId = params.get('client_id') ?? '';
    const developerKey = appleKeys.get(clientId);
    if (developerKey) {
      try {
        const key = 'kty' in developerKey.publicKey ? await importJWK(developerKey.publicKey, 'ES256') : developerKey.publicKey;
        const { protectedHeader } = await jwtVerify(params.get('client_secret') ?? '', key, {
          algorithms: ['ES256'],
          issuer: developerKey.teamId,
          subject: clientId,
          audience: [url, 'https://appleid.apple.com'],
          requiredClaims: ['iat', 'exp'],
        });
        if (protectedHeader.kid !== developerKey.keyId) return false;
      } catch {
        return false;
      }
      params.set('client_secret', String(clients.get(clientId)?.client_secret));
    }
    Object.assign(req, { body: params.toString() });
    return true;
  }

  function registerClient(client: OidcClient): void {
    const method = client.token_endpoint_auth_method ?? (client.client_secret || client.appleDeveloperKey ? 'client_secret_post' : 'none');
    const secret = client.appleDeveloperKey ? randomBytes(24).toString('hex') : client.client_secret;
    if (method !== 'none' && !secret) throw new Error(`client ${client.client_id}: ${method} needs a client_secret`);
    if (client.appleDeveloperKey) appleKeys.set(client.client_id, client.appleDeveloperKey);
    clients.set(client.client_id, {
      client_id: client.client_id,
      ...(method !== 'none' && { client_secret: secret }),
      redirect_uris: client.redirect_uris,
      response_types: ['code'],
      grant_types: ['authorization_code', ...(client.refreshTokens ? ['refresh_token'] : [])],
      token_endpoint_auth_method: method,
      id_token_signed_response_alg: 'RS256',
    });
  }
  for (const client of options.clients ?? []) registerClient(client);

  let closed: Promise<void> | undefined;
  const tenantIssuer = (tid: string) => microsoftIssuer(issuerOrigin, tid);
  return {
    issuer: name === 'microsoft' ? microsoftIssuer(issuerOrigin, 'common') : url + mount,
    url,
    serverUrl: name === 'microsoft' ? `${url}/common/v2.0` : url + mount,
    signingKey: keys.provider,
    faults,
    authorizationRequests,
    refreshTokensIssued,
    revocations,
    registerClient,
    signInNext: (account) => void nextAuthorizations.push(account),
    failNextAuthorization: (error, description) => void nextAuthorizations.push({ error, ...(description !== undefined && { error_description: description }) }),
    tamperNextIdToken: (change) => void nextTamperings.push(typeof change === 'string' ? ID_TOKEN_TAMPERING[change] : change),
    tenantIssuer,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) }).end(body);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;');
}
