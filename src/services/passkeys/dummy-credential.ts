// A passkey nobody holds: an answer naming an unknown credential is verified against it, so it
// costs what a bad signature of a real passkey costs and answers in the same time (a decoy id from
// the email hint must not be told apart by its speed).
import { generateKeyPairSync } from 'node:crypto';

function coseP256(): Uint8Array<ArrayBuffer> {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  const coordinate = (value: string | undefined) => [0x58, 32, ...Buffer.from(value!, 'base64url')];
  // CBOR map {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}.
  return new Uint8Array([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, ...coordinate(jwk.x), 0x22, ...coordinate(jwk.y)]);
}

export const DUMMY_CREDENTIAL = { id: 'dummy', publicKey: coseP256() };
