// Re-signing of the ID Tokens the loopback OpenID Providers issue. The provider is given a JWKS
// generated here, so a changed copy of a real ID Token can be signed with the provider's own key
// (only the changed claim is wrong: the test proves the relying party checks that claim) or with a
// wrong key, HS256 over the client secret, or no signature at all (alg "none").
import { base64url, CompactSign, type CryptoKey, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, type JWTPayload } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** The private JWK (with kid, alg, use), as oidc-provider's `jwks` option takes it. */
  privateJwk: JWK;
  publicJwk: JWK;
}

/** An RS256 key pair (RS256: what Google, Microsoft and Apple sign ID Tokens with). */
export async function generateSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const meta = { kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, privateJwk: { ...(await exportJWK(privateKey)), ...meta }, publicJwk: { ...(await exportJWK(publicKey)), ...meta } };
}

/** How a changed ID Token is signed. */
export type Signature =
  | 'provider' // the provider's real key: a valid signature over the changed claims
  | 'foreign-key' // a key that is not in the provider's JWKS (its own kid)
  | 'bad-signature' // the provider's kid, but the signature does not verify
  | 'none' // alg "none", empty signature
  | 'hs256-client-secret'; // HS256 keyed with the client's secret (an old alg-confusion trick)

export interface IdTokenChange {
  claims?: (payload: JWTPayload) => JWTPayload;
  signature?: Signature;
}

/** Named changes, one for each check a relying party must make on an ID Token. */
export const ID_TOKEN_TAMPERING = {
  'wrong-iss': { claims: (p) => ({ ...p, iss: 'http://127.0.0.1:9/not-the-issuer' }) },
  'wrong-aud': { claims: (p) => ({ ...p, aud: 'another-client' }) },
  // Another audience beside the client and no azp: OIDC Core 3.1.3.7 (3) says reject.
  'extra-aud': { claims: ({ azp: _azp, ...p }) => ({ ...p, aud: [String(p.aud), 'another-client'] }) },
  'no-nonce': { claims: ({ nonce: _nonce, ...p }) => p },
  'wrong-nonce': { claims: (p) => ({ ...p, nonce: 'not-the-nonce' }) },
  expired: { claims: (p) => ({ ...p, iat: now() - 7200, exp: now() - 3600 }) },
  'no-sub': { claims: ({ sub: _sub, ...p }) => p },
  'alg-none': { signature: 'none' },
  'hs256-client-secret': { signature: 'hs256-client-secret' },
  'foreign-key': { signature: 'foreign-key' },
  'bad-signature': { signature: 'bad-signature' },
} satisfies Record<string, IdTokenChange>;
export type IdTokenTampering = keyof typeof ID_TOKEN_TAMPERING;

const now = () => Math.floor(Date.now() / 1000);

export interface ResignKeys {
  provider: SigningKey;
  foreign: SigningKey;
  /** Needed for 'hs256-client-secret' only. */
  clientSecret?: string;
}

/** A copy of `idToken` with `change` applied, signed as `change.signature` says (default: provider). */
export async function resignIdToken(idToken: string, change: IdTokenChange, keys: ResignKeys): Promise<string> {
  const payload = change.claims ? change.claims(decodeJwt(idToken)) : decodeJwt(idToken);
  const header = decodeProtectedHeader(idToken);
  const bytes = new TextEncoder().encode(JSON.stringify(payload));
  switch (change.signature ?? 'provider') {
    case 'provider':
      return new CompactSign(bytes).setProtectedHeader({ ...header, alg: 'RS256', kid: keys.provider.kid }).sign(keys.provider.privateKey);
    case 'foreign-key':
      return new CompactSign(bytes).setProtectedHeader({ ...header, alg: 'RS256', kid: keys.foreign.kid }).sign(keys.foreign.privateKey);
    case 'bad-signature': {
      // Signed by the foreign key but naming the provider's kid: the JWKS has that kid, the
      // signature just does not verify with it.
      const jws = await new CompactSign(bytes).setProtectedHeader({ ...header, alg: 'RS256', kid: keys.provider.kid }).sign(keys.foreign.privateKey);
      return jws;
    }
    case 'none':
      return `${base64url.encode(JSON.stringify({ alg: 'none', typ: header.typ ?? 'JWT' }))}.${base64url.encode(bytes)}.`;
    case 'hs256-client-secret': {
      if (!keys.clientSecret) throw new Error('hs256-client-secret needs a confidential client (one with a client_secret)');
      const { kid: _kid, ...rest } = header;
      return new CompactSign(bytes).setProtectedHeader({ ...rest, alg: 'HS256' }).sign(new TextEncoder().encode(keys.clientSecret));
    }
  }
}
