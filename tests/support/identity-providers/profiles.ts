// What makes the loopback OpenID Provider look like Google, Microsoft (Entra ID, v2.0 endpoints)
// or Apple rather than a plain oidc-provider: endpoint paths, which claims exist and their JSON
// types, Microsoft's tenant-templated issuer, Apple's `user` form field.
import { randomUUID } from 'node:crypto';
import type { AccountClaims, ClaimValue } from 'oidc-provider';

export type ProfileName = 'generic' | 'google' | 'microsoft' | 'apple';

/** The account a test signs in. Any other claim goes through as is (declare its name in `extraClaims`). */
export interface OidcAccount {
  sub: string;
  email?: string;
  /** Boolean for Google; Apple sends the string "true" (a boolean given here becomes a string). */
  email_verified?: boolean | string;
  name?: string;
  given_name?: string;
  family_name?: string;
  /** Microsoft: the tenant (directory) id; default the consumer (personal account) tenant. */
  tid?: string;
  /** Microsoft: the object id of the user in that tenant; default a UUID fixed per sub. */
  oid?: string;
  /** Microsoft: "email domain owner verified"; absent unless given, in the type given. */
  xms_edov?: boolean | string;
  /**
   * Apple: the `user` form field sent on the first authorization of this sub for a client
   * (Apple sends it once, ever). Default: from given_name/family_name and email; null: none.
   */
  appleUser?: AppleUser | null;
  [claim: string]: ClaimValue | AppleUser | undefined;
}

export interface AppleUser {
  name?: { firstName?: string; lastName?: string };
  email?: string;
}

/** Microsoft's tenant for personal (MSA) accounts, the `tid` in their ID Tokens. */
export const MICROSOFT_CONSUMER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

export interface Profile {
  routes: Record<string, string>;
  /** oidc-provider `claims`: scope → claim names. `openid` claims are in every ID Token. */
  claims: Record<string, string[]>;
  scopes: string[];
  userinfo: boolean;
  /** Whether authorization responses carry RFC 9207 `iss` (oidc-provider always adds it). */
  issParameter: boolean;
  /** The account as this provider would state it in claims. */
  claimsFor(account: OidcAccount): AccountClaims;
}

const standardClaims = {
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'picture', 'locale', 'preferred_username'],
};
const stableOids = new Map<string, string>();

export function profile(name: ProfileName, extraClaims: string[]): Profile {
  const plain: Profile = {
    routes: {},
    claims: { openid: ['sub', ...extraClaims], ...standardClaims },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    userinfo: true,
    issParameter: true,
    claimsFor: (account) => withoutUndefined({ ...account, appleUser: undefined }),
  };
  switch (name) {
    case 'generic':
      return plain;
    case 'google':
      return {
        ...plain,
        routes: { authorization: '/o/oauth2/v2/auth', token: '/token', jwks: '/oauth2/v3/certs', userinfo: '/v1/userinfo' },
        claims: { ...plain.claims, openid: ['sub', 'hd', ...extraClaims] },
      };
    case 'microsoft':
      return {
        ...plain,
        // The real paths under login.microsoftonline.com/common (userinfo lives on Graph there).
        routes: { authorization: '/common/oauth2/v2.0/authorize', token: '/common/oauth2/v2.0/token', jwks: '/common/discovery/v2.0/keys', userinfo: '/oidc/userinfo' },
        // No email_verified at Microsoft: xms_edov is what tells a verified domain owner.
        claims: { openid: ['sub', 'tid', 'oid', 'ver', 'xms_edov', ...extraClaims], email: ['email'], profile: standardClaims.profile },
        // The issuer is per tenant, so no single `iss` value could be sent (and Entra sends none).
        issParameter: false,
        claimsFor: (account) => {
          const oid = account.oid ?? stableOids.get(account.sub) ?? randomUUID();
          stableOids.set(account.sub, oid);
          return withoutUndefined({ ...account, appleUser: undefined, email_verified: undefined, tid: account.tid ?? MICROSOFT_CONSUMER_TENANT, oid, ver: '2.0' });
        },
      };
    case 'apple':
      return {
        ...plain,
        routes: { authorization: '/auth/authorize', token: '/auth/token', jwks: '/auth/keys', revocation: '/auth/revoke' },
        // Apple's scopes are `name` and `email`; its ID Token never has the name (the `user` form
        // field brings it, once) and it has no userinfo endpoint.
        claims: { openid: ['sub', 'is_private_email', 'real_user_status', ...extraClaims], email: ['email', 'email_verified', 'is_private_email'] },
        scopes: ['openid', 'name', 'email'],
        userinfo: false,
        claimsFor: (account) =>
          withoutUndefined({
            ...account,
            appleUser: undefined,
            name: undefined,
            given_name: undefined,
            family_name: undefined,
            email_verified: typeof account.email_verified === 'boolean' ? String(account.email_verified) : account.email_verified,
            is_private_email: typeof account.is_private_email === 'boolean' ? String(account.is_private_email) : account.is_private_email,
          }),
      };
  }
}

/** Apple's `user` form field for `account`, or undefined when none is to be sent. */
export function appleUserField(account: OidcAccount): string | undefined {
  if (account.appleUser === null) return undefined;
  const user: AppleUser = account.appleUser ?? {
    name: { firstName: account.given_name ?? account.name?.split(' ')[0], lastName: account.family_name ?? account.name?.split(' ').slice(1).join(' ') },
    email: account.email,
  };
  return JSON.stringify(user);
}

/** Microsoft's discovery paths: /{tenant}/v2.0/.well-known/openid-configuration. */
export const MICROSOFT_DISCOVERY = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/;
/** Microsoft's other per-tenant paths, all served by the single provider under /common. */
export const MICROSOFT_TENANT_PATH = /^\/(?!common\/)[^/]+\/(oauth2\/v2\.0\/(?:authorize|token)|discovery\/v2\.0\/keys)(.*)$/;

/** The issuer Microsoft's discovery states for a tenant path segment. */
export function microsoftIssuer(issuerOrigin: string, tenant: string): string {
  if (tenant === 'consumers') return `${issuerOrigin}/${MICROSOFT_CONSUMER_TENANT}/v2.0`;
  const templated = tenant === 'common' || tenant === 'organizations';
  return `${issuerOrigin}/${templated ? '{tenantid}' : tenant}/v2.0`;
}

function withoutUndefined(claims: Record<string, ClaimValue | AppleUser | undefined>): AccountClaims {
  const out: AccountClaims = { sub: String(claims.sub) };
  for (const [key, value] of Object.entries(claims)) {
    if (value !== undefined && key !== 'appleUser') out[key] = value as ClaimValue;
  }
  return out;
}
