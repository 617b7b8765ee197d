// The first look at a WebAuthn answer (WebAuthn L3 §7.1 and §7.2), before any passkey is looked
// up: its shape, type, origin, challenge, RP ID and flags. A refusal caused by the client's setup
// names it in `extensions.reason`, so a developer sees what to fix; whether a passkey exists is
// never part of it. The signature (and at registration the attestation) is then verified by
// @simplewebauthn/server, which is handed only what passed here.
import { createHash } from 'node:crypto';
import type { AuthenticationResponseJSON, AuthenticatorTransportFuture, RegistrationResponseJSON, Uint8Array_ } from '@simplewebauthn/server';
import { decodeAttestationObject, decodeCredentialPublicKey, isoBase64URL, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { sha256Hex } from '../security/sha256.ts';

export type RefusalReason = 'ORIGIN' | 'RP_ID' | 'USER_VERIFICATION' | 'MALFORMED' | 'ALGORITHM';

/** INVALID_CREDENTIALS, with the setup mistake when there is one; nothing else tells refusals apart. */
export function passkeyRefused(reason?: RefusalReason): AppError {
  return new AppError('INVALID_CREDENTIALS', undefined, reason ? { reason } : {});
}

/** COSE algorithms a new passkey may use: EdDSA, ES256, RS256. */
export const PASSKEY_ALGORITHMS = [-8, -7, -257];

/** WebAuthn caps credential ids at 1023 bytes. */
const MAX_CREDENTIAL_ID_BYTES = 1023;

const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const satisfies AuthenticatorTransportFuture[];

const base64url = z.string().regex(/^[A-Za-z0-9_-]*={0,2}$/);
const credential = {
  id: base64url.min(1),
  rawId: base64url.min(1),
  type: z.literal('public-key'),
  authenticatorAttachment: z.string().nullish(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
};
const assertionShape = z.object({
  ...credential,
  response: z.object({
    clientDataJSON: base64url,
    authenticatorData: base64url,
    signature: base64url,
    userHandle: base64url.nullish(),
  }),
});
const attestationShape = z.object({
  ...credential,
  response: z.object({
    clientDataJSON: base64url,
    attestationObject: base64url,
    // Unknown transports are dropped, not refused: browsers add new ones.
    transports: z.array(z.string()).optional().transform((list) => list?.filter((t): t is AuthenticatorTransportFuture => (TRANSPORTS as readonly string[]).includes(t))),
  }),
});
const clientDataShape = z.object({
  type: z.string(),
  challenge: z.string(),
  origin: z.string(),
  crossOrigin: z.boolean().optional(),
  topOrigin: z.string().optional(),
});

export interface Expected {
  /** SHA-256 (hex) of the challenge the options carried. */
  challengeHash: string;
  origins: readonly string[];
  rpId: string;
  userVerification: boolean;
}

export interface Flags {
  up: boolean;
  uv: boolean;
  be: boolean;
  bs: boolean;
}

/** What passed; `challenge` and `origin` as the client data carried them, for the library's own checks. */
export interface CheckedCeremony {
  challenge: string;
  origin: string;
  flags: Flags;
}

export interface CheckedAssertion extends CheckedCeremony {
  response: AuthenticationResponseJSON;
  credentialId: string;
  /** base64url, as the authenticator returned it; null when it returned none. */
  userHandle: string | null;
}

export interface CheckedAttestation extends CheckedCeremony {
  response: RegistrationResponseJSON;
  credentialId: string;
  transports: AuthenticatorTransportFuture[];
}

/** An answer to navigator.credentials.get(): INVALID_CHALLENGE, or INVALID_CREDENTIALS with its reason, or what passed. */
export function checkAssertion(json: unknown, expected: Expected): CheckedAssertion {
  const parsed = assertionShape.safeParse(json);
  if (!parsed.success || parsed.data.id !== parsed.data.rawId) throw passkeyRefused('MALFORMED');
  const response = parsed.data as AuthenticationResponseJSON;
  const checked = checkCeremony('webauthn.get', response.response.clientDataJSON, decode(response.response.authenticatorData), expected);
  return { ...checked, response, credentialId: response.rawId, userHandle: parsed.data.response.userHandle || null };
}

/** An answer to navigator.credentials.create(), the same way, plus the credential id's size and the key's algorithm. */
export function checkAttestation(json: unknown, expected: Expected): CheckedAttestation {
  const parsed = attestationShape.safeParse(json);
  if (!parsed.success || parsed.data.id !== parsed.data.rawId) throw passkeyRefused('MALFORMED');
  const authData = attempt(() => decodeAttestationObject(decode(parsed.data.response.attestationObject)).get('authData'));
  if (!(authData instanceof Uint8Array)) throw passkeyRefused('MALFORMED');
  const checked = checkCeremony('webauthn.create', parsed.data.response.clientDataJSON, authData, expected);
  const { credentialID, credentialPublicKey } = attempt(() => parseAuthenticatorData(authData));
  if (!credentialID || !credentialPublicKey || credentialID.length > MAX_CREDENTIAL_ID_BYTES) throw passkeyRefused('MALFORMED');
  if (isoBase64URL.fromBuffer(credentialID) !== isoBase64URL.trimPadding(parsed.data.rawId)) throw passkeyRefused('MALFORMED');
  const alg = attempt(() => decodeCredentialPublicKey(credentialPublicKey).get(3));
  if (typeof alg !== 'number' || !PASSKEY_ALGORITHMS.includes(alg)) throw passkeyRefused('ALGORITHM');
  const response = parsed.data as RegistrationResponseJSON;
  return { ...checked, response, credentialId: response.rawId, transports: parsed.data.response.transports ?? [] };
}

function checkCeremony(type: string, clientDataJSON: string, authData: Uint8Array_, expected: Expected): CheckedCeremony {
  const clientData = clientDataShape.safeParse(attempt(() => JSON.parse(Buffer.from(decode(clientDataJSON)).toString('utf8'))));
  if (!clientData.success || clientData.data.type !== type) throw passkeyRefused('MALFORMED');
  const { origin, challenge, crossOrigin, topOrigin } = clientData.data;
  // An answer made inside a cross-origin iframe is refused like one from a foreign origin.
  if (!expected.origins.includes(origin) || crossOrigin === true || topOrigin !== undefined) throw passkeyRefused('ORIGIN');
  if (sha256Hex(challenge) !== expected.challengeHash) throw new AppError('INVALID_CHALLENGE');
  const { rpIdHash, flags } = attempt(() => parseAuthenticatorData(authData));
  if (!Buffer.from(rpIdHash).equals(createHash('sha256').update(expected.rpId).digest())) throw passkeyRefused('RP_ID');
  // Backed up but not backup eligible is a state no authenticator can be in (WebAuthn L3 §6.1.3).
  if (flags.bs && !flags.be) throw passkeyRefused('MALFORMED');
  if (!flags.up) throw passkeyRefused();
  if (expected.userVerification && !flags.uv) throw passkeyRefused('USER_VERIFICATION');
  return { challenge, origin, flags: { up: flags.up, uv: flags.uv, be: flags.be, bs: flags.bs } };
}

function decode(value: string): Uint8Array_ {
  return attempt(() => isoBase64URL.toBuffer(value));
}

/** Any throw of a decoder is a malformed answer. */
function attempt<T>(decode: () => T): T {
  try {
    return decode();
  } catch {
    throw passkeyRefused('MALFORMED');
  }
}
