// Recovery codes: 10 per set, 10 characters each from an alphabet without look-alikes (no 0/O,
// 1/I/L), shown as xxxxx-xxxxx. About 49 bits each, so a keyed HMAC is enough to store them: the key
// is derived from the account's authenticator secret, which the database holds only encrypted, so
// a stolen table cannot be tried offline, and rotating ENCRYPTION_KEY leaves the hashes valid.
import { createHmac, randomInt } from 'node:crypto';

export const RECOVERY_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const RECOVERY_CODE_LENGTH = 10;
export const RECOVERY_CODES_PER_SET = 10;

/** A new set, formatted for people: lower case, a dash in the middle. */
export function generateRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODES_PER_SET }, () => {
    const chars = Array.from({ length: RECOVERY_CODE_LENGTH }, () => RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)]!);
    const code = chars.join('').toLowerCase();
    return `${code.slice(0, 5)}-${code.slice(5)}`;
  });
}

/** HMAC-SHA256 (hex) of a code in its compact upper-case form (see second-factor-code.ts). */
export function hashRecoveryCode(authenticatorSecret: string, compactCode: string): string {
  const key = createHmac('sha256', authenticatorSecret).update('recovery-codes/v1').digest();
  return createHmac('sha256', key).update(compactCode).digest('hex');
}

/** The stored form of a freshly generated (formatted) code. */
export function hashNewRecoveryCode(authenticatorSecret: string, formattedCode: string): string {
  return hashRecoveryCode(authenticatorSecret, formattedCode.replace(/-/g, '').toUpperCase());
}
