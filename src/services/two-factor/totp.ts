// Authenticator codes (RFC 6238 TOTP: HMAC-SHA1, 6 digits, 30-second steps) through the otpauth
// library, with the clock handed in so the window and replays can be tested at chosen instants.
import { Secret, TOTP } from 'otpauth';

export const TOTP_ALGORITHM = 'SHA1';
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** The step before and the step after the current one are accepted too (clock drift, slow typing). */
export const TOTP_WINDOW = 1;

export type Clock = () => number;

export interface Totp {
  /** 160 random bits as RFC 4648 base32 without padding (32 characters). */
  newSecret(): string;
  otpauthUrl(secret: string, issuer: string, account: string): string;
  /**
   * The time step `code` belongs to, if it is within the window around now and later than
   * `lastUsedStep` (a code of that step or an earlier one was already accepted: a replay); else null.
   * `code` must be 6 ASCII digits (see second-factor-code.ts).
   */
  verify(secret: string, code: string, lastUsedStep: number | null): number | null;
}

export function createTotp(clock: Clock): Totp {
  const parameters = { algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS };
  return {
    newSecret: () => new Secret({ size: 20 }).base32,
    otpauthUrl(secret, issuer, account) {
      // The contract's exact shape (Google's Key Uri Format), issuer both in the label and as a parameter.
      const e = encodeURIComponent;
      return (
        `otpauth://totp/${e(issuer)}:${e(account)}?secret=${secret}&issuer=${e(issuer)}` +
        `&algorithm=${TOTP_ALGORITHM}&digits=${TOTP_DIGITS}&period=${TOTP_PERIOD_SECONDS}`
      );
    },
    verify(secret, code, lastUsedStep) {
      const timestamp = clock();
      const delta = TOTP.validate({ ...parameters, token: code, secret: Secret.fromBase32(secret), timestamp, window: TOTP_WINDOW });
      if (delta === null) return null;
      const step = TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp }) + delta;
      return lastUsedStep !== null && step <= lastUsedStep ? null : step;
    },
  };
}
