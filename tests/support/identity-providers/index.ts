// Loopback identity providers for sign-in tests: an OpenID Provider (oidc-provider) with Google,
// Microsoft and Apple profiles, a GitHub-like OAuth server, and a browser-less user agent.
export { type GitHubAccount, type GitHubApp, type GitHubEmail, type GitHubTestServer, startGitHub } from './github.ts';
export { generateSigningKey, ID_TOKEN_TAMPERING, type IdTokenChange, type IdTokenTampering, resignIdToken, type SigningKey } from './id-token.ts';
export { loopbackFetch } from './loopback-fetch.ts';
export { type Faults, type OidcClient, type OidcTestProvider, type StartOidcProviderOptions, startOidcProvider } from './oidc-provider.ts';
export { type AppleUser, MICROSOFT_CONSUMER_TENANT, type OidcAccount, type ProfileName } from './profiles.ts';
export { type FollowOptions, type FormPost, type Navigation, followRedirects, parseFormPost, type SubmitOptions, submitFormPost } from './user-agent.ts';
