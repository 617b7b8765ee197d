// A WebAuthn authenticator and client in software (ES256 over node:crypto, "none" attestation), for
// tests in Node. Every part of an answer can be set: the flags (UP, UV, BE, BS), the counter, the
// origin, the RP ID, the user handle, the algorithm claimed, and a wrong signature.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

type Json = Record<string, any>;

export interface Flags {
  up: boolean;
  uv: boolean;
  be: boolean;
  bs: boolean;
}

export interface Tweaks {
  origin?: string;
  rpId?: string;
  type?: string;
  /** The challenge the client data claims (base64url); the options' one otherwise. */
  challenge?: string;
  crossOrigin?: boolean;
  flags?: Partial<Flags>;
  /** The counter to present, instead of the next one. */
  counter?: number;
  /** The user handle to return (base64url); null returns none. */
  userHandle?: string | null;
  /** The COSE algorithm the registered key claims (the key stays P-256). */
  alg?: number;
  /** Signs other bytes than the ones sent. */
  badSignature?: boolean;
  /** create: registers under this id; get: answers with this credential. */
  credentialId?: string;
}

export interface SoftCredential {
  id: string;
  rpId: string;
  userHandle: string;
  privateKey: KeyObject;
  counter: number;
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/** The CBOR this needs (RFC 8949): integers, byte and text strings, maps. */
export function cbor(value: unknown): Buffer {
  const head = (major: number, n: number) => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 256) return Buffer.from([(major << 5) | 24, n]);
    if (n < 65536) return Buffer.from([(major << 5) | 25, n >> 8, n & 255]);
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (typeof value === 'string') return Buffer.concat([head(3, Buffer.byteLength(value)), Buffer.from(value)]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

/** PublicKeyCredential.toJSON() around an authenticator's response. */
const credentialJson = (id: string, response: Json): Json => ({
  id,
  rawId: id,
  type: 'public-key',
  authenticatorAttachment: 'platform',
  clientExtensionResults: {},
  response,
});

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  /** `counting: false` is a passkey whose counter stays 0, as synced passkeys' does. */
  constructor(
    readonly origin: string,
    readonly defaults: { rpId?: string; flags?: Partial<Flags>; counting?: boolean } = {},
  ) {}

  private flags(tweaks: Tweaks, extra = 0): number {
    const f = { up: true, uv: true, be: false, bs: false, ...this.defaults.flags, ...tweaks.flags };
    return (f.up ? 0x01 : 0) | (f.uv ? 0x04 : 0) | (f.be ? 0x08 : 0) | (f.bs ? 0x10 : 0) | extra;
  }

  private clientData(type: string, options: Json, tweaks: Tweaks): Buffer {
    const data: Json = { type: tweaks.type ?? type, challenge: tweaks.challenge ?? options.challenge, origin: tweaks.origin ?? this.origin };
    if (tweaks.crossOrigin !== undefined) data.crossOrigin = tweaks.crossOrigin;
    return Buffer.from(JSON.stringify(data));
  }

  private authData(rpId: string, flags: number, counter: number, attested = Buffer.alloc(0)): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, attested]);
  }

  /** navigator.credentials.create(options).toJSON(). */
  create(options: Json, tweaks: Tweaks = {}): Json {
    const rpId = tweaks.rpId ?? this.defaults.rpId ?? options.rp.id;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const id = tweaks.credentialId ? Buffer.from(tweaks.credentialId, 'base64url') : randomBytes(16);
    const cose = new Map<number, unknown>([[1, 2], [3, tweaks.alg ?? -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]);
    const idLength = Buffer.from([id.length >> 8, id.length & 255]);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, id, cbor(cose)]);
    const authData = this.authData(rpId, this.flags(tweaks, 0x40), tweaks.counter ?? 0, attested);
    const credential: SoftCredential = { id: b64url(id), rpId, userHandle: options.user.id, privateKey, counter: tweaks.counter ?? 0 };
    this.credentials.push(credential);
    return credentialJson(credential.id, {
      clientDataJSON: b64url(this.clientData('webauthn.create', options, tweaks)),
      attestationObject: b64url(cbor({ fmt: 'none', attStmt: {}, authData })),
      transports: ['hybrid', 'internal'],
    });
  }

  /** navigator.credentials.get(options).toJSON(), with the newest passkey the options allow. */
  get(options: Json, tweaks: Tweaks = {}): Json {
    const allowed: string[] = (options.allowCredentials ?? []).map((c: Json) => c.id);
    const credential = tweaks.credentialId
      ? this.credentials.find((c) => c.id === tweaks.credentialId)
      : this.credentials.findLast((c) => c.rpId === options.rpId && (allowed.length === 0 || allowed.includes(c.id)));
    if (!credential) throw new Error('the authenticator holds no passkey the options allow');
    if (tweaks.counter === undefined && this.defaults.counting !== false) credential.counter += 1;
    const counter = tweaks.counter ?? (this.defaults.counting === false ? 0 : credential.counter);
    const authData = this.authData(tweaks.rpId ?? credential.rpId, this.flags(tweaks), counter);
    const clientData = this.clientData('webauthn.get', options, tweaks);
    const signed = Buffer.concat([authData, sha256(clientData)]);
    const signature = sign('sha256', tweaks.badSignature ? Buffer.concat([signed, Buffer.from('x')]) : signed, credential.privateKey);
    const userHandle = tweaks.userHandle === undefined ? credential.userHandle : tweaks.userHandle;
    return credentialJson(credential.id, {
      clientDataJSON: b64url(clientData),
      authenticatorData: b64url(authData),
      signature: b64url(signature),
      ...(userHandle === null ? {} : { userHandle }),
    });
  }
}
