// The relying-party side of "Sign in with …": one client per enabled provider. Creating them
// makes no network call; OpenID Providers are discovered at first use (see oidc-identity.ts),
// GitHub is plain OAuth 2.0 with fixed endpoints (github-identity.ts). Every failure is a
// ProviderFailure with one of four reasons and a `check` that is safe to log.
import { createGitHubClient } from './github-identity.ts';
import { createOidcClient } from './oidc-identity.ts';
import { callbackUrl, type ProvidersConfig } from './provider-config.ts';
import type { ProviderClient, ProviderClientOptions } from './provider-identity.ts';

export { ProviderFailure, type ProviderFailureReason } from './provider-failure.ts';
export type { ProvedIdentity, ProviderClient, ProviderClientOptions, ProviderFlow } from './provider-identity.ts';

/** The enabled providers' clients, by provider id, in configuration order. */
export function createProviderClients(config: ProvidersConfig, options: ProviderClientOptions = {}): Map<string, ProviderClient> {
  const clients = new Map<string, ProviderClient>();
  for (const provider of config.providers) {
    if (!provider.enabled) continue;
    // The one redirect URI registered at the provider, sent in the authorization and token requests.
    const redirectUri = callbackUrl(config.publicUrl, provider.id);
    clients.set(provider.id, provider.kind === 'github' ? createGitHubClient(provider, redirectUri, options) : createOidcClient(provider, redirectUri, options));
  }
  return clients;
}
