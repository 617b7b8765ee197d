// "Forgot password": a one-time code by mail, then a new password. Nothing about the account
// changes until the code is used.
import type { Prisma } from '../../generated/prisma/client.ts';
import { isDisabled } from '../account-disabled.ts';
import { markAddressVerified } from '../email/email-verification.ts';
import { revokeSessionsOf } from '../sessions/account-sessions.ts';
import type { Caller } from '../caller.ts';
import { normalizeEmail } from '../input.ts';
import type { DeferredMail, MailOutbox, MailQueue } from '../mail/mail-outbox.ts';
import { passwordChangedMail, resetCodeMail } from '../mail/mail-templates.ts';
import type { OneTimeCodes } from '../codes/one-time-codes.ts';
import { checkNewPassword, normalizePassword, type PasswordPolicy } from './password-policy.ts';
import type { PasswordHasher } from './passwords.ts';
import { clientKey, type RateLimits } from '../security/rate-limits.ts';
import type { SecurityEvents } from '../security/security-events.ts';

export interface ResetPasswordInput {
  email: string;
  code: string;
  newPassword: string;
}

export interface PasswordResetService {
  /** Queues the request, the same single insert for every address; the lookup and the code happen in the mail sender. */
  requestCode(rawEmail: string, caller: Caller): Promise<void>;
  /** The sender's half of requestCode, in its transaction: a code and its mail for an account, nothing for an unknown address. */
  prepareCodeMail(request: DeferredMail, tx: Prisma.TransactionClient, mail: MailQueue): Promise<void>;
  /** Sets the new password and revokes every session of the account; resolves to its user id. */
  resetPassword(input: ResetPasswordInput, caller: Caller): Promise<{ userId: string }>;
}

export function createPasswordResetService(deps: {
  outbox: MailOutbox;
  passwords: PasswordHasher;
  codes: OneTimeCodes;
  policy: PasswordPolicy;
  limits: RateLimits;
  events: SecurityEvents;
  appName: string;
}): PasswordResetService {
  const { outbox, passwords, codes, policy, limits, events, appName } = deps;

  return {
    async requestCode(rawEmail, caller) {
      const email = normalizeEmail(rawEmail);
      // Counted for every address alike, known or not, so the limit reveals nothing either.
      await limits.consume('sendMailIp', clientKey(caller.ip));
      await limits.consume('sendMailEmail', email);
      await outbox.later('password_reset', { task: 'password-reset', email, caller: { ip: caller.ip, userAgent: caller.userAgent } });
    },

    async prepareCodeMail({ email, caller }, tx, mail) {
      const user = await tx.user.findUnique({ where: { email }, select: { id: true, email: true, disabledAt: true, disabledUntil: true } });
      // A disabled account gets nothing either, and the answer (already given) was the same.
      if (!user || isDisabled(user)) return;
      const issued = await codes.issue(tx, user.id, 'password_reset', user.email);
      await events.record(user.id, 'PASSWORD_RESET_REQUESTED', caller, tx);
      await mail.add(resetCodeMail(user.email, appName, issued.code, codes.policy('password_reset').ttlSeconds), issued.ref);
    },

    async resetPassword(input, caller) {
      const email = normalizeEmail(input.email);
      normalizePassword(input.newPassword, policy, 'newPassword');
      // Counted before the strength estimate (milliseconds of CPU) and any database work.
      await limits.consume('resetPasswordIp', clientKey(caller.ip));
      await limits.consume('resetPasswordEmail', email);
      // Checked before the code is tried, so a refused password does not spend an attempt.
      const password = checkNewPassword(input.newPassword, policy, 'newPassword', [email]);
      const matched = await codes.check({ email }, 'password_reset', input.code);
      // Hashed only once the code is known right (a wrong guess costs no argon2), and outside the
      // transaction, which PGlite's single connection would otherwise hold for the hash's duration.
      const passwordHash = await passwords.hash(password);
      const { userId } = matched;
      await outbox.transaction(async (tx, mail) => {
        await codes.consume(tx, matched);
        // The first password of an account without one (created by an operator, imported without a
        // hash, invalidated) is set the same way: an invitation is a reset code.
        await tx.user.update({ where: { id: userId }, data: { passwordHash } });
        // The code reached this address and came back: that proves it as well as a verification
        // code would, which is then moot.
        const verified = await markAddressVerified(tx, codes, userId);
        await revokeSessionsOf(tx, userId);
        await events.record(userId, 'PASSWORD_RESET', caller, tx);
        if (verified) await events.record(userId, 'EMAIL_VERIFIED', caller, tx);
        await mail.add(passwordChangedMail(email, appName, 'reset'));
      });
      return { userId };
    },
  };
}
