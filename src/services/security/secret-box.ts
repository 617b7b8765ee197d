// Secrets kept at rest (authenticator secrets, queued mail): AES-256-GCM under ENCRYPTION_KEY, bound to what
// they belong to (associated data, e.g. the user id), so a row copied onto another user does not
// decrypt. During a key rotation the previous key still opens old boxes, which are then re-sealed.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface SecretBox {
  seal(plain: string, boundTo: string): string;
  /** The plain text, and whether it was sealed under the previous key (so re-seal it); null if it does not open. */
  open(sealed: string, boundTo: string): { plain: string; stale: boolean } | null;
}

const VERSION = 'v1';

export function createSecretBox(keys: { key: Buffer; previousKey: Buffer | undefined }): SecretBox {
  const current = { id: keyId(keys.key), key: keys.key };
  const byId = new Map([[current.id, current.key]]);
  if (keys.previousKey) byId.set(keyId(keys.previousKey), keys.previousKey);

  return {
    seal(plain, boundTo) {
      // A random 96-bit IV per box: GCM's one rule is never to repeat an IV under a key.
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv).setAAD(Buffer.from(boundTo, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, current.id, iv, cipher.getAuthTag(), body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed, boundTo) {
      const [version, id, iv, tag, body] = sealed.split('.');
      const key = id ? byId.get(id) : undefined;
      if (version !== VERSION || !key || !iv || !tag || body === undefined) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 })
          .setAAD(Buffer.from(boundTo, 'utf8'))
          .setAuthTag(Buffer.from(tag, 'base64url'));
        const plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
        return { plain, stale: id !== current.id };
      } catch {
        // Tampered, or bound to something else: the tag does not verify.
        return null;
      }
    },
  };
}

/** Names the key a box was sealed with, without revealing it: 8 hex characters of its SHA-256. */
function keyId(key: Buffer): string {
  return createHash('sha256').update('secret-box-key-id').update(key).digest('hex').slice(0, 8);
}
