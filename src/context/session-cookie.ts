// Reading the session token off a request, and writing the Set-Cookie that carries it.
import { parseCookie, stringifySetCookie } from 'cookie';

export interface CookieOptions {
  name: string;
  secure: boolean;
}

/** `Authorization: Bearer` for clients without cookies, else the session cookie. */
export function readSessionToken(headers: Headers, cookie: CookieOptions): string | null {
  const authorization = headers.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (match?.[1]) return match[1];
  }
  const header = headers.get('cookie');
  if (!header) return null;
  return parseCookie(header)[cookie.name] || null;
}

export function sessionCookie(cookie: CookieOptions, token: string, maxAgeSeconds: number): string {
  return stringifySetCookie({
    name: cookie.name,
    value: token,
    httpOnly: true,
    path: '/',
    sameSite: 'lax',
    secure: cookie.secure,
    maxAge: Math.max(0, maxAgeSeconds),
  });
}

export function clearedSessionCookie(cookie: CookieOptions): string {
  return sessionCookie(cookie, '', 0);
}
