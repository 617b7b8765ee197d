// One-time numeric codes. Stored only as HMAC-SHA256 keyed with a server secret: a plain hash of
// a 6-digit code falls to a million guesses offline.
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

export interface ResetCodes {
  generate(): string;
  hash(userId: string, code: string): string;
  matches(userId: string, code: string, storedHash: string): boolean;
  /** Cheap shape check, so malformed input costs no attempt and no query. */
  isWellFormed(code: string): boolean;
}

export function createResetCodes(options: { digits: number; secret: string }): ResetCodes {
  // A key of its own, derived from the server secret, so a leaked code hash says nothing about JWTs.
  const key = createHmac('sha256', options.secret).update('password-reset-code/v1').digest();
  const shape = new RegExp(`^\\d{${options.digits}}$`);
  const hash = (userId: string, code: string) => createHmac('sha256', key).update(`${userId}:${code}`).digest('hex');

  return {
    generate: () => randomInt(0, 10 ** options.digits).toString().padStart(options.digits, '0'),
    hash,
    matches(userId, code, storedHash) {
      const expected = Buffer.from(storedHash, 'hex');
      const actual = Buffer.from(hash(userId, code), 'hex');
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
    isWellFormed: (code) => shape.test(code),
  };
}
