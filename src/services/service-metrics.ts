// What the services report to monitoring, as a narrow interface the server implements (with
// Prometheus, src/observability/metrics.ts) and hands in. The counting wraps the services from
// outside, so their rules stay free of it. Every label value comes from a closed set.
import type { AccountService } from './accounts.ts';
import type { PasskeyService } from './passkeys/passkeys.ts';
import { AppError } from './errors.ts';
import type { MailResult } from './mail/mail-sender.ts';
import type { MailKind } from './mail/mailer.ts';
import type { CredentialChecker } from './passwords/credentials.ts';
import type { HashFormat } from './passwords/legacy-hashes.ts';
import type { PasswordHasher } from './passwords/passwords.ts';
import type { ProviderSignIn } from './providers/provider-sign-in.ts';
import type { RateLimitRuleName, RateLimits } from './security/rate-limits.ts';

export const SIGN_IN_OUTCOMES = [
  'success',
  'invalid_credentials',
  'rate_limited',
  'second_factor_required',
  'invalid_code',
  'invalid_challenge',
  'account_disabled',
  'bad_input',
  'error',
] as const;
export type SignInOutcome = (typeof SIGN_IN_OUTCOMES)[number];

/** What proved the user: signIn's password, finishPasskeySignIn's passkey, or an identity provider (callback or finishProviderSignIn). */
export const SIGN_IN_METHODS = ['password', 'passkey', 'provider'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

export type PasswordHashOperation = 'hash' | 'verify';

export interface ServiceMetrics {
  signIn(method: SignInMethod, outcome: SignInOutcome): void;
  mail(kind: MailKind, result: MailResult): void;
  rateLimitRefused(rule: RateLimitRuleName): void;
  passwordHash(operation: PasswordHashOperation, seconds: number): void;
  /** A stored hash rewritten as today's argon2id after a sign-in, by the format it had. */
  passwordRehash(from: HashFormat): void;
}

export const noServiceMetrics: ServiceMetrics = {
  signIn() {},
  mail() {},
  rateLimitRefused() {},
  passwordHash() {},
  passwordRehash() {},
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

/**
 * A provider sign-in counts where it ends or asks for the second factor: a browser-mode callback
 * (session started, or refused), any callback refusing a sign-in flow, and finishProviderSignIn. A
 * callback that hands the flow to the app counts nothing: its finish will.
 */
export function meteredProviderSignIn(signIn: ProviderSignIn, metrics: ServiceMetrics): ProviderSignIn {
  return {
    ...signIn,
    async callback(provider, params, flowCookie, caller) {
      const outcome = await signIn.callback(provider, params, flowCookie, caller);
      if (outcome.signedIn) metrics.signIn('provider', 'success');
      else if (outcome.signInRefusal) metrics.signIn('provider', signInOutcome(outcome.signInRefusal));
      return outcome;
    },
    finish: (input, flowCookie, caller) => counted(metrics, 'provider', signIn.finish(input, flowCookie, caller)),
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
    consume: (rule, key) => counted(rule, limits.consume(rule, key)),
    check: (rule, key) => counted(rule, limits.check(rule, key)),
  };

  async function counted(rule: RateLimitRuleName, attempt: Promise<void>): Promise<void> {
    try {
      await attempt;
    } catch (error) {
      if (error instanceof AppError && error.code === 'RATE_LIMITED') metrics.rateLimitRefused(rule);
      throw error;
    }
  }
}

export function meteredCredentials(credentials: CredentialChecker, metrics: ServiceMetrics): CredentialChecker {
  return {
    ...credentials,
    async check(email, rawPassword) {
      const result = await credentials.check(email, rawPassword);
      if (result.ok && result.rehashedFrom) metrics.passwordRehash(result.rehashedFrom);
      return result;
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
