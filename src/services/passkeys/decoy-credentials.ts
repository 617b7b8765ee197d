// startPasskeySignIn with an email lists the account's passkeys, so a browser offers the right
// one. For an email without an account, or an account without passkeys, it lists made-up ids
// instead: derived from the email under a server key, so they are the same on every ask and look
// like the ids of real passkeys. The answer then says nothing about whether the address has an
// account; finishing with a decoy fails like an unknown passkey.
import { createHmac } from 'node:crypto';
import type { AuthenticatorTransportFuture } from '@simplewebauthn/server';

export interface ListedCredential {
  id: string;
  transports?: AuthenticatorTransportFuture[];
}

// Credential id lengths of common authenticators (platform passkeys, password managers, keys).
const ID_LENGTHS = [16, 20, 32, 64];

export function createDecoyCredentials(serverSecret: string): (email: string) => ListedCredential[] {
  const key = createHmac('sha256', serverSecret).update('passkey decoy credentials').digest();
  const stream = (email: string, index: number, length: number): Buffer => {
    let out = Buffer.alloc(0);
    for (let block = 0; out.length < length; block++) {
      out = Buffer.concat([out, createHmac('sha256', key).update(`${email}\0${index}\0${block}`).digest()]);
    }
    return out.subarray(0, length);
  };
  return (email) => {
    const [countByte = 0, lengthByte = 0] = stream(email, -1, 2);
    // Most accounts have one or two passkeys.
    const count = 1 + (countByte % 2);
    const length = ID_LENGTHS[lengthByte % ID_LENGTHS.length]!;
    return Array.from({ length: count }, (_, i) => ({
      id: stream(email, i, length).toString('base64url'),
      transports: ['hybrid', 'internal'],
    }));
  };
}
