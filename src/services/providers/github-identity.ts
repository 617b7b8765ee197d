// GitHub: plain OAuth 2.0 (no ID Token, no discovery) through openid-client's generic calls, then
// the REST API for who the user is. The subject is the numeric id (logins are renamed and reused);
// the email is the primary one of /user/emails, verified only as GitHub says; /user's public
// `email` is ignored (anyone can type any address there).
import * as oidc from 'openid-client';
import type { GitHubProviderConfig } from './provider-config.ts';
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

export function createGitHubClient(provider: GitHubProviderConfig, redirectUri: string, options: ProviderClientOptions): ProviderClient {
  const metadata: oidc.ServerMetadata = {
    issuer: provider.url,
    authorization_endpoint: `${provider.url}/login/oauth/authorize`,
    token_endpoint: `${provider.url}/login/oauth/access_token`,
  };
  const config = new oidc.Configuration(metadata, provider.clientId, undefined, oidc.ClientSecretPost(provider.clientSecret));
  config.timeout = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (options.customFetch) config[oidc.customFetch] = options.customFetch;
  if (insecureAllowed([provider.url, provider.apiUrl], [], options)) oidc.allowInsecureRequests(config);

  return {
    id: provider.id,
    responseMode: 'query',
    async authorizationUrl(flow: ProviderFlow): Promise<URL> {
      return oidc.buildAuthorizationUrl(config, {
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: provider.scopes.join(' '),
        state: flow.state,
        code_challenge: await oidc.calculatePKCECodeChallenge(flow.codeVerifier),
        code_challenge_method: 'S256',
      });
    },
    async redeem(callback, flow): Promise<ProvedIdentity> {
      let accessToken: string | undefined;
      try {
        const tokens = await oidc.authorizationCodeGrant(config, callbackLocation(redirectUri, callback.params), {
          pkceCodeVerifier: flow.codeVerifier,
          expectedState: flow.state,
        });
        accessToken = tokens.access_token;
        const user = await apiGet(config, accessToken, `${provider.apiUrl}/user`);
        const emails = await apiGet(config, accessToken, `${provider.apiUrl}/user/emails`, { missingIsEmpty: true });
        return identityOf(provider, user, emails);
      } catch (error) {
        throw toProviderFailure(error, 'exchange', [flow.state, flow.codeVerifier, flow.nonce, ...callback.params.getAll('code'), accessToken]);
      }
    },
  };
}

/**
 * A GET of the REST API with the access token. `missingIsEmpty`: 403/404 (a token without the
 * user:email scope) reads as no data rather than a failed sign-in.
 */
async function apiGet(config: oidc.Configuration, accessToken: string, url: string, { missingIsEmpty = false } = {}): Promise<unknown> {
  const headers = new Headers({ accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' });
  const response = await oidc.fetchProtectedResource(config, accessToken, new URL(url), 'GET', undefined, headers);
  const path = new URL(url).pathname;
  if (missingIsEmpty && (response.status === 403 || response.status === 404)) {
    await response.body?.cancel();
    return [];
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ProviderFailure(response.status >= 500 ? 'UNAVAILABLE' : 'INVALID_RESPONSE', `GitHub API ${path} answered HTTP ${response.status}`);
  }
  try {
    return await response.json();
  } catch (error) {
    // Only a body that is not JSON is a wrong answer; a timeout or broken connection mid-body is an outage.
    if (error instanceof SyntaxError) throw new ProviderFailure('INVALID_RESPONSE', `GitHub API ${path} answered a body that is not JSON`);
    throw error;
  }
}

function identityOf(provider: GitHubProviderConfig, user: unknown, emails: unknown): ProvedIdentity {
  if (!isRecord(user) || typeof user.id !== 'number' || !Number.isSafeInteger(user.id) || user.id <= 0) {
    throw new ProviderFailure('INVALID_RESPONSE', 'GitHub API /user has no numeric id');
  }
  if (!Array.isArray(emails)) throw new ProviderFailure('INVALID_RESPONSE', 'GitHub API /user/emails is not a list');
  const primary = emails.find((entry): entry is Record<string, unknown> => isRecord(entry) && entry.primary === true);
  const email = plausibleEmail(primary?.email);
  return {
    provider: provider.id,
    subject: String(user.id),
    issuer: provider.url,
    email,
    emailVerified: email !== null && primary?.verified === true && provider.trustEmail,
    name: textClaim(user.name) ?? textClaim(user.login),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
