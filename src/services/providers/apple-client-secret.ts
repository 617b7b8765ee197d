// Sign in with Apple's two oddities: the client secret is a JWT this server signs (ES256, with the
// team's .p8 key), and the user's name comes once, in the `user` form field of the first answer.
import { SignJWT } from 'jose';
import type { AppleProviderConfig } from './provider-config.ts';

/** Apple's audience for client secrets, whatever host the endpoints are on. */
const APPLE_AUDIENCE = 'https://appleid.apple.com';
// Signed for two hours and replaced after one: a secret in use always has an hour left, and a
// leaked one is worthless soon (Apple allows up to six months).
const LIFETIME_SECONDS = 2 * 3600;
const RENEW_AFTER_MS = 3600 * 1000;

/** The current client secret, signed again hourly. */
export function appleClientSecret(config: Pick<AppleProviderConfig, 'clientId' | 'teamId' | 'keyId' | 'privateKey'>): () => Promise<string> {
  let cached: { secret: Promise<string>; renewAt: number } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now >= cached.renewAt) {
      const iat = Math.floor(now / 1000);
      const secret = new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: config.keyId })
        .setIssuer(config.teamId)
        .setSubject(config.clientId)
        .setAudience(APPLE_AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(iat + LIFETIME_SECONDS)
        .sign(config.privateKey);
      cached = { secret, renewAt: now + RENEW_AFTER_MS };
      // A signing failure is not kept: the next call tries again.
      secret.catch(() => {
        if (cached?.secret === secret) cached = undefined;
      });
    }
    return cached.secret;
  };
}

/**
 * The name in Apple's `user` form field (`{"name":{"firstName":…,"lastName":…},"email":…}`), or
 * null. Unsigned, from the browser: good for a display name, never for anything else.
 */
export function appleUserName(field: string | null): string | null {
  if (field === null || field.length > 4096) return null;
  let user: unknown;
  try {
    user = JSON.parse(field);
  } catch {
    return null;
  }
  const name = isRecord(user) && isRecord(user.name) ? user.name : undefined;
  if (!name) return null;
  const parts = [name.firstName, name.lastName].filter((part): part is string => typeof part === 'string').map((part) => part.trim()).filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
