// What the services report to monitoring, as a narrow interface the server implements (with
// Prometheus, src/observability/metrics.ts) and hands in. The counting wraps the services from
// outside, so their rules stay free of it. Every label value comes from a closed set.
import type { AccountService } from './accounts.ts';
import type { PasskeyService } from './passkeys/passkeys.ts';
import { AppError } from './errors.ts';
import type { MailResult } from './mail/mail-sender.ts';
import type { MailKind } from './mail/mailer.ts';
import type { PasswordHasher } from './passwords/passwords.ts';
import type { RateLimitRuleName, RateLimits } from './security/rate-limits.ts';

export const SIGN_IN_OUTCOMES = [
  'success',
  'invalid_credentials',
  'rate_limited',
  'second_factor_required',
  'invalid_code',
  'invalid_challenge',
  'bad_input',
  'error',
] as const;
export type SignInOutcome = (typeof SIGN_IN_OUTCOMES)[number];

/** What proved the user: signIn's password, or finishPasskeySignIn's passkey. */
export const SIGN_IN_METHODS = ['password', 'passkey'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

export type PasswordHashOperation = 'hash' | 'verify';

export interface ServiceMetrics {
  signIn(method: SignInMethod, outcome: SignInOutcome): void;
  mail(kind: MailKind, result: MailResult): void;
  rateLimitRefused(rule: RateLimitRuleName): void;
  passwordHash(operation: PasswordHashOperation, seconds: number): void;
}

export const noServiceMetrics: ServiceMetrics = {
  signIn() {},
  mail() {},
  rateLimitRefused() {},
  passwordHash() {},
};

export function meteredAccounts(accounts: AccountService, metrics: ServiceMetrics): AccountService {
  return {
    ...accounts,
    signIn: (input, caller) => counted(metrics, 'password', accounts.signIn(input, caller)),
  };
}

export function meteredPasskeys(passkeys: PasskeyService, metrics: ServiceMetrics): PasskeyService {
  return {
    ...passkeys,
    finishSignIn: (input, caller) => counted(metrics, 'passkey', passkeys.finishSignIn(input, caller)),
  };
}

async function counted<T>(metrics: ServiceMetrics, method: SignInMethod, signingIn: Promise<T>): Promise<T> {
  try {
    const signedIn = await signingIn;
    metrics.signIn(method, 'success');
    return signedIn;
  } catch (error) {
    metrics.signIn(method, signInOutcome(error));
    throw error;
  }
}

function signInOutcome(error: unknown): SignInOutcome {
  if (!(error instanceof AppError)) return 'error';
  const outcome = error.code.toLowerCase();
  if ((SIGN_IN_OUTCOMES as readonly string[]).includes(outcome)) return outcome as SignInOutcome;
  return outcome === 'bad_user_input' ? 'bad_input' : 'error';
}

export function meteredRateLimits(limits: RateLimits, metrics: ServiceMetrics): RateLimits {
  return {
    ...limits,
    async consume(rule, key) {
      try {
        await limits.consume(rule, key);
      } catch (error) {
        if (error instanceof AppError && error.code === 'RATE_LIMITED') metrics.rateLimitRefused(rule);
        throw error;
      }
    },
  };
}

export function meteredPasswords(passwords: PasswordHasher, metrics: ServiceMetrics): PasswordHasher {
  const timed =
    <A extends unknown[], R>(operation: PasswordHashOperation, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const started = performance.now();
      try {
        return await fn(...args);
      } finally {
        metrics.passwordHash(operation, (performance.now() - started) / 1000);
      }
    };
  return {
    ...passwords,
    hash: timed('hash', passwords.hash),
    verify: timed('verify', passwords.verify),
    // Counted as a verify: it is one, and the metric must not tell unknown accounts apart either.
    verifyDummy: timed('verify', passwords.verifyDummy),
  };
}
