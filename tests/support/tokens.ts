// Session tokens taken apart and forged with jsonwebtoken directly, from the claims of a real
// sign-in, so that a forgery differs from a genuine token in exactly the property under test.
import jwt from 'jsonwebtoken';

/** The claims the server puts in a session token (see src/services/sessions/tokens.ts). */
export interface SessionTokenClaims {
  sub: string;
  sid: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}

/** Reads a token's claims without checking its signature. */
export function decodeToken(token: string): SessionTokenClaims {
  const payload = jwt.decode(token);
  if (!payload || typeof payload === 'string') throw new Error(`not a JWT: ${token}`);
  return payload as SessionTokenClaims;
}

/** Signs exactly these claims (iat and exp included, as given). */
export function signToken(claims: Partial<SessionTokenClaims>, secret: string, algorithm: jwt.Algorithm = 'HS256'): string {
  return jwt.sign(claims, secret, { algorithm });
}

/** An unsigned token, `alg: none`, as an attacker would hand-write it. */
export function unsignedToken(claims: Partial<SessionTokenClaims>): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
}

/** The token with its payload replaced and its header and signature kept. */
export function withPayload(token: string, claims: Partial<SessionTokenClaims>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${base64url(claims)}.${signature}`;
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
