// Two-factor as a user's authenticator app does it: the otpauth URL the server returned, parsed by
// the same library, computes the codes.
import { type HOTP, type TOTP, URI } from 'otpauth';
import { expect } from 'vitest';
import { ENABLE_TWO_FACTOR, GOOD_PASSWORD, START_TWO_FACTOR_SETUP } from './operations.ts';
import type { TestClient } from './test-client.ts';

export interface Authenticator {
  secret: string;
  otpauthUrl: string;
  totp: TOTP;
  /** The code shown `steps` 30-second steps from now (0 = now, 1 = the next one). */
  code(steps?: number): string;
}

export function authenticatorFor(otpauthUrl: string): Authenticator {
  const parsed: HOTP | TOTP = URI.parse(otpauthUrl);
  if (!('period' in parsed)) throw new Error(`not a TOTP URL: ${otpauthUrl}`);
  const totp = parsed;
  return {
    secret: totp.secret.base32,
    otpauthUrl,
    totp,
    code: (steps = 0) => totp.generate({ timestamp: Date.now() + steps * totp.period * 1000 }),
  };
}

/**
 * Turns two-factor on for the account signed in on `client`, as a user would: setup, then the
 * code the app shows now. Codes of the next step are accepted from then on (this one is spent).
 */
export async function turnOnTwoFactor(client: TestClient, password = GOOD_PASSWORD): Promise<{ authenticator: Authenticator; recoveryCodes: string[] }> {
  const setup = await client.graphql(START_TWO_FACTOR_SETUP, { input: { password } });
  expect(setup.errors).toBeUndefined();
  const authenticator = authenticatorFor(setup.data!.startTwoFactorSetup.otpauthUrl);
  const enabled = await client.graphql(ENABLE_TWO_FACTOR, { input: { code: authenticator.code() } });
  expect(enabled.errors).toBeUndefined();
  return { authenticator, recoveryCodes: enabled.data!.enableTwoFactor.recoveryCodes };
}
