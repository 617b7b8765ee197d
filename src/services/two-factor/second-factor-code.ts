// What a user typed where a second factor is asked for: an authenticator code or a recovery code.
// Spaces and dashes are ignored and case does not matter ("123 456", "ABCDE-FGHJK", "abcdefghjk").
import { badInput } from '../errors.ts';
import { RECOVERY_CODE_ALPHABET, RECOVERY_CODE_LENGTH } from './recovery-codes.ts';
import { TOTP_DIGITS } from './totp.ts';

export type SecondFactorCode =
  | { kind: 'authenticator'; code: string }
  | { kind: 'recovery'; code: string }
  /** Neither shape (letters in a 6-digit code, emoji, …): can never be right. */
  | { kind: 'malformed' };

export const CODE_MAX_LENGTH = 64;

const AUTHENTICATOR = new RegExp(`^[0-9]{${TOTP_DIGITS}}$`);
const RECOVERY = new RegExp(`^[${RECOVERY_CODE_ALPHABET}]{${RECOVERY_CODE_LENGTH}}$`);

/** Throws BAD_USER_INPUT naming `code` for input no form would send (too long); never throws otherwise. */
export function parseSecondFactorCode(raw: string): SecondFactorCode {
  if (raw.length > CODE_MAX_LENGTH) throw badInput('code', `must be at most ${CODE_MAX_LENGTH} characters`);
  const compact = raw.replace(/[\s-]/g, '').toUpperCase();
  if (AUTHENTICATOR.test(compact)) return { kind: 'authenticator', code: compact };
  if (RECOVERY.test(compact)) return { kind: 'recovery', code: compact };
  return { kind: 'malformed' };
}
