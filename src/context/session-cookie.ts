// Reading the session token off a request, and writing the Set-Cookie that carries it.
import { parseCookie, stringifySetCookie } from 'cookie';
import type { CookieSameSite } from '../config.ts';

export interface CookieOptions {
  name: string;
  secure: boolean;
  sameSite: CookieSameSite;
}

/** Where the request's token came from: the Authorization header, or the session cookie. */
export interface RequestToken {
  token: string;
  via: 'bearer' | 'cookie';
}

/**
 * `Authorization: Bearer` for clients without cookies (unless Bearer tokens are turned off),
 * else the session cookie.
 */
export function readSessionToken(headers: Headers, cookie: CookieOptions, bearerTokens: boolean): RequestToken | null {
  const authorization = headers.get('authorization');
  if (authorization && bearerTokens) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (match?.[1]) return { token: match[1], via: 'bearer' };
  }
  const header = headers.get('cookie');
  if (!header) return null;
  const token = parseCookie(header)[cookie.name];
  return token ? { token, via: 'cookie' } : null;
}

export function sessionCookie(cookie: CookieOptions, token: string, maxAgeSeconds: number): string {
  return stringifySetCookie({
    name: cookie.name,
    value: token,
    httpOnly: true,
    path: '/',
    sameSite: cookie.sameSite,
    secure: cookie.secure,
    maxAge: Math.max(0, maxAgeSeconds),
  });
}

export function clearedSessionCookie(cookie: CookieOptions): string {
  return sessionCookie(cookie, '', 0);
}
