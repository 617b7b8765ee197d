// Proving the account's address is the user's: a code mailed to it, typed back while signed in.
import type { User } from '../../generated/prisma/client.ts';
import type { BackgroundTasks } from '../background-tasks.ts';
import type { Caller } from '../caller.ts';
import { AppError } from '../errors.ts';
import { verificationCodeMail } from '../mail/mail-templates.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { OneTimeCodes } from '../codes/one-time-codes.ts';
import { clientKey, type RateLimits } from '../security/rate-limits.ts';
import type { SecurityEvents } from '../security/security-events.ts';

export interface EmailVerification {
  /** Issues a code and mails it after the response (signUp), so a mail server never slows or fails it. */
  sendAfterResponse(user: Pick<User, 'id' | 'email'>): void;
  /** A new code replacing the earlier one; 'already-verified' (and nothing sent) when there is nothing to prove. */
  resend(user: User, caller: Caller): Promise<'sent' | 'already-verified'>;
  /** INVALID_CODE for a wrong, used or expired code, or one mailed to an address the account no longer has. */
  verify(user: User, code: string, caller: Caller): Promise<void>;
  /** EMAIL_NOT_VERIFIED when REQUIRE_VERIFIED_EMAIL is on and the address is not verified yet. */
  requireVerified(user: User): void;
}

export function createEmailVerification(deps: {
  codes: OneTimeCodes;
  mailer: Mailer;
  background: BackgroundTasks;
  limits: RateLimits;
  events: SecurityEvents;
  config: { appName: string; required: boolean };
}): EmailVerification {
  const { codes, mailer, background, limits, events, config } = deps;

  function sendAfterResponse({ id, email }: Pick<User, 'id' | 'email'>): void {
    background.run('verification-mail', async () => {
      const code = await codes.issue(id, 'email_verification', email);
      await mailer.send(verificationCodeMail(email, config.appName, code, codes.policy('email_verification').ttlSeconds));
    });
  }

  return {
    sendAfterResponse,

    async resend(user, caller) {
      if (user.emailVerified) return 'already-verified';
      await limits.consume('emailCodeMailIp', clientKey(caller.ip));
      await limits.consume('emailCodeMailAccount', user.id);
      sendAfterResponse(user);
      return 'sent';
    },

    async verify(user, code, caller) {
      await limits.consume('emailCodeCheckIp', clientKey(caller.ip));
      await limits.consume('emailCodeCheckAccount', user.id);
      await codes.redeem({ userId: user.id }, 'email_verification', code, async (tx, matched) => {
        // Only for the address the code went to: after an email change it proves nothing.
        const { count } = await tx.user.updateMany({ where: { id: user.id, email: matched.email ?? '' }, data: { emailVerified: true } });
        if (count === 0) throw new AppError('INVALID_CODE');
      });
      await events.record(user.id, 'EMAIL_VERIFIED', caller);
    },

    requireVerified(user) {
      if (config.required && !user.emailVerified) throw new AppError('EMAIL_NOT_VERIFIED');
    },
  };
}
