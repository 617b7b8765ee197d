// OpenID Connect providers (Google, Microsoft, Apple, any configured issuer): discovery at first
// use, the code flow with PKCE, and every ID Token check openid-client makes, plus the signature
// against the issuer's JWKS (enableNonRepudiationChecks: without it openid-client trusts an ID
// Token that came straight from the token endpoint). Only the per-provider claim rules are ours.
import * as oidc from 'openid-client';
import { appleClientSecret, appleUserName } from './apple-client-secret.ts';
import type { AppleProviderConfig, MicrosoftProviderConfig, OidcProviderConfig } from './provider-config.ts';
import { ProviderFailure, toProviderFailure } from './provider-failure.ts';
import {
  callbackLocation,
  DEFAULT_TIMEOUT_SECONDS,
  insecureAllowed,
  plausibleEmail,
  type ProvedIdentity,
  type ProviderClient,
  type ProviderClientOptions,
  type ProviderFlow,
  textClaim,
} from './provider-identity.ts';

export type OidcKindConfig = OidcProviderConfig | MicrosoftProviderConfig | AppleProviderConfig;

/** Microsoft's tenant for personal accounts: the `tid` of every consumer ID Token. */
export const MICROSOFT_CONSUMER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const DISCOVERY_TTL_MS = 24 * 3600 * 1000;
// A failed discovery also answers the callers of the next second (a burst of starts during an
// outage costs the provider one request), and no longer: after that it is tried again.
const DISCOVERY_RETRY_MS = 1000;

type Claims = Record<string, unknown>;

export function createOidcClient(provider: OidcKindConfig, redirectUri: string, options: ProviderClientOptions): ProviderClient {
  const secret = provider.kind === 'apple' ? appleClientSecret(provider) : undefined;
  const discovery = new DiscoveryCache(() => discover(provider, clientAuthentication(provider, secret), options));

  const client: ProviderClient = {
    id: provider.id,
    responseMode: provider.responseMode,
    async authorizationUrl(flow: ProviderFlow): Promise<URL> {
      try {
        const config = await discovery.get();
        return oidc.buildAuthorizationUrl(config, {
          response_type: 'code',
          redirect_uri: redirectUri,
          scope: provider.scopes.join(' '),
          state: flow.state,
          nonce: flow.nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(flow.codeVerifier),
          code_challenge_method: 'S256',
          ...(provider.responseMode === 'form_post' && { response_mode: 'form_post' }),
        });
      } catch (error) {
        // Past discovery only a document without a usable authorization endpoint can fail here.
        throw toProviderFailure(error, 'discovery', [flow.state, flow.nonce, flow.codeVerifier]);
      }
    },
    async redeem(callback, flow): Promise<ProvedIdentity> {
      const secrets: (string | undefined)[] = [flow.state, flow.nonce, flow.codeVerifier, ...callback.params.getAll('code')];
      try {
        const config = await discovery.get();
        const tokens = await oidc.authorizationCodeGrant(config, callbackLocation(redirectUri, callback.params), {
          pkceCodeVerifier: flow.codeVerifier,
          expectedNonce: flow.nonce,
          expectedState: flow.state,
          idTokenExpected: true,
        });
        secrets.push(tokens.access_token, tokens.refresh_token, tokens.id_token);
        const idToken: Claims | undefined = tokens.claims();
        if (!idToken) throw new ProviderFailure('INVALID_RESPONSE', 'token response without an ID Token');
        // Before userinfo: a refused Microsoft tenant's token is not used at all.
        const subject = subjectOf(provider, idToken);
        // The ID Token's email, or (without one) userinfo's, whose `sub` openid-client matches.
        let emailSource = idToken;
        let userinfo: Claims | undefined;
        if (idToken.email === undefined && config.serverMetadata().userinfo_endpoint !== undefined) {
          userinfo = await oidc.fetchUserInfo(config, tokens.access_token, String(idToken.sub));
          emailSource = userinfo;
        }
        const email = plausibleEmail(emailSource.email);
        return {
          provider: provider.id,
          subject,
          issuer: String(idToken.iss),
          email,
          emailVerified: email !== null && provider.trustEmail && emailVerified(provider, emailSource),
          name: provider.kind === 'apple' ? appleUserName(callback.params.get('user')) : (textClaim(idToken.name) ?? textClaim(userinfo?.name)),
          ...(provider.kind === 'apple' && tokens.refresh_token !== undefined && { appleRefreshToken: tokens.refresh_token }),
        };
      } catch (error) {
        throw toProviderFailure(error, 'exchange', secrets);
      }
    },
  };
  if (provider.kind === 'apple') {
    client.revoke = async (refreshToken: string): Promise<void> => {
      try {
        const config = await discovery.get();
        await oidc.tokenRevocation(config, refreshToken, { token_type_hint: 'refresh_token' });
      } catch (error) {
        // Best effort for the caller: whatever went wrong, the token may still be live.
        throw new ProviderFailure('UNAVAILABLE', toProviderFailure(error, 'revocation', [refreshToken]).check);
      }
    };
  }
  return client;
}

async function discover(provider: OidcKindConfig, auth: oidc.ClientAuth, options: ProviderClientOptions): Promise<oidc.Configuration> {
  const insecureDiscovery = insecureAllowed([provider.issuer], [], options);
  const config = await oidc.discovery(new URL(provider.issuer), provider.clientId, undefined, auth, {
    timeout: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    execute: [...(insecureDiscovery ? [oidc.allowInsecureRequests] : []), oidc.enableNonRepudiationChecks],
    ...(options.customFetch && { [oidc.customFetch]: options.customFetch }),
  });
  const metadata = config.serverMetadata();
  const endpoints = [metadata.authorization_endpoint, metadata.token_endpoint, metadata.jwks_uri, metadata.userinfo_endpoint, metadata.revocation_endpoint];
  if (!insecureDiscovery && insecureAllowed([provider.issuer], endpoints, options)) oidc.allowInsecureRequests(config);
  return config;
}

function clientAuthentication(provider: OidcKindConfig, appleSecret: (() => Promise<string>) | undefined): oidc.ClientAuth {
  if (appleSecret) {
    // oauth4webapi awaits the client authentication it is given (its ClientAuth returns void |
    // Promise<void>), so the hourly secret is signed on demand.
    const post = async (_as: oidc.ServerMetadata, client: oidc.ClientMetadata, body: URLSearchParams): Promise<void> => {
      body.set('client_id', client.client_id);
      body.set('client_secret', await appleSecret());
    };
    return post;
  }
  if (provider.kind === 'apple' || provider.clientSecret === undefined) return oidc.None();
  const post = oidc.ClientSecretPost(provider.clientSecret);
  const basic = oidc.ClientSecretBasic(provider.clientSecret);
  // Post when the provider lists it (as Google, Entra ID and Apple do); otherwise basic, which
  // RFC 8414 §2 makes the default when the list is absent.
  return (as, client, body, headers) => (as.token_endpoint_auth_methods_supported?.includes('client_secret_post') ? post : basic)(as, client, body, headers);
}

function subjectOf(provider: OidcKindConfig, idToken: Claims): string {
  if (provider.kind !== 'microsoft') return String(idToken.sub);
  // Entra's `sub` is per application; tid:oid names the user in their directory.
  const { tid, oid } = idToken;
  if (typeof tid !== 'string' || typeof oid !== 'string' || tid === '' || oid === '') throw new ProviderFailure('INVALID_RESPONSE', 'ID Token without "tid" and "oid" claims');
  const tenant = provider.tenant;
  if (tenant === 'organizations' && tid === MICROSOFT_CONSUMER_TENANT) throw new ProviderFailure('INVALID_RESPONSE', 'personal Microsoft account for an organizations-only tenant');
  if (tenant === 'consumers' && tid !== MICROSOFT_CONSUMER_TENANT) throw new ProviderFailure('INVALID_RESPONSE', 'work or school account for a consumers-only tenant');
  if (GUID.test(tenant) && tid !== tenant) throw new ProviderFailure('INVALID_RESPONSE', 'ID Token "tid" is not the configured tenant');
  // A tenant named by domain: discovery named its GUID issuer, which openid-client compared with `iss`.
  return `${tid}:${oid}`;
}

function emailVerified(provider: OidcKindConfig, claims: Claims): boolean {
  switch (provider.kind) {
    case 'oidc':
      return claims.email_verified === true;
    case 'microsoft':
      // Entra writes xms_edov as a boolean or a string; absent means the domain owner did not vouch.
      return claims.email_verified === true || claims.xms_edov === true || claims.xms_edov === 'true' || claims.xms_edov === '1';
    case 'apple':
      return claims.email_verified === true || claims.email_verified === 'true';
  }
}

/** One Configuration per provider: discovered at first use, kept a day, shared by concurrent callers. */
class DiscoveryCache {
  #config: { value: oidc.Configuration; expiresAt: number } | undefined;
  #failure: { error: ProviderFailure; until: number } | undefined;
  #pending: Promise<oidc.Configuration> | undefined;

  constructor(private readonly load: () => Promise<oidc.Configuration>) {}

  get(): Promise<oidc.Configuration> {
    const now = Date.now();
    if (this.#config && now < this.#config.expiresAt) return Promise.resolve(this.#config.value);
    if (this.#failure && now < this.#failure.until) return Promise.reject(this.#failure.error);
    this.#pending ??= this.load()
      .then(
        (value) => {
          this.#config = { value, expiresAt: Date.now() + DISCOVERY_TTL_MS };
          this.#failure = undefined;
          return value;
        },
        (error: unknown) => {
          const failure = toProviderFailure(error, 'discovery');
          this.#failure = { error: failure, until: Date.now() + DISCOVERY_RETRY_MS };
          throw failure;
        },
      )
      .finally(() => {
        this.#pending = undefined;
      });
    return this.#pending;
  }
}
