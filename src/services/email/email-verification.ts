// Proving the account's address is the user's: a code mailed to it, typed back while signed in.
import type { Prisma, User } from '../../generated/prisma/client.ts';
import type { Caller } from '../caller.ts';
import { AppError } from '../errors.ts';
import type { MailOutbox, MailQueue } from '../mail/mail-outbox.ts';
import { verificationCodeMail } from '../mail/mail-templates.ts';
import type { OneTimeCodes } from '../codes/one-time-codes.ts';
import { clientKey, type RateLimits } from '../security/rate-limits.ts';
import type { SecurityEvents } from '../security/security-events.ts';

export interface EmailVerification {
  /** Issues a code and queues its mail in `tx` (signUp's), so the account and its first code commit together. */
  queueCode(tx: Prisma.TransactionClient, mail: MailQueue, user: Pick<User, 'id' | 'email'>): Promise<void>;
  /** A new code replacing the earlier one; 'already-verified' (and nothing sent) when there is nothing to prove. */
  resend(user: User, caller: Caller): Promise<'sent' | 'already-verified'>;
  /** INVALID_CODE for a wrong, used or expired code, or one mailed to an address the account no longer has. */
  verify(user: User, code: string, caller: Caller): Promise<void>;
  /** EMAIL_NOT_VERIFIED when REQUIRE_VERIFIED_EMAIL is on and the address is not verified yet. */
  requireVerified(user: User): void;
}

/**
 * Marks the account's address verified in `tx` and kills its pending verification code, which is
 * then moot (its unsent mail is dropped). False when the address was verified already.
 */
export async function markAddressVerified(tx: Prisma.TransactionClient, codes: Pick<OneTimeCodes, 'discard'>, userId: string): Promise<boolean> {
  const { count } = await tx.user.updateMany({ where: { id: userId, emailVerified: false }, data: { emailVerified: true } });
  await codes.discard(tx, userId, 'email_verification');
  return count > 0;
}

export function createEmailVerification(deps: {
  outbox: MailOutbox;
  codes: OneTimeCodes;
  limits: RateLimits;
  events: SecurityEvents;
  config: { appName: string; required: boolean };
}): EmailVerification {
  const { outbox, codes, limits, events, config } = deps;

  async function queueCode(tx: Prisma.TransactionClient, mail: MailQueue, { id, email }: Pick<User, 'id' | 'email'>): Promise<void> {
    const issued = await codes.issue(tx, id, 'email_verification', email);
    await mail.add(verificationCodeMail(email, config.appName, issued.code, codes.policy('email_verification').ttlSeconds), issued.ref);
  }

  return {
    queueCode,

    async resend(user, caller) {
      if (user.emailVerified) return 'already-verified';
      await limits.consume('emailCodeMailIp', clientKey(caller.ip));
      await limits.consume('emailCodeMailAccount', user.id);
      await outbox.transaction((tx, mail) => queueCode(tx, mail, user));
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
