// "Forgot password": a one-time code by mail, then a new password. Nothing about the account
// changes until the code is used.
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { revokeSessionsOf } from '../sessions/account-sessions.ts';
import type { BackgroundTasks } from '../background-tasks.ts';
import type { Caller } from '../caller.ts';
import { normalizeEmail } from '../input.ts';
import { passwordChangedMail, resetCodeMail } from '../mail/mail-templates.ts';
import type { Mailer } from '../mail/mailer.ts';
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
  /** Returns at once, the same for every address; the lookup and the mail happen afterwards. */
  requestCode(rawEmail: string, caller: Caller): Promise<void>;
  /** Sets the new password and revokes every session of the account; resolves to its user id. */
  resetPassword(input: ResetPasswordInput, caller: Caller): Promise<{ userId: string }>;
}

export function createPasswordResetService(deps: {
  prisma: PrismaClient;
  passwords: PasswordHasher;
  codes: OneTimeCodes;
  mailer: Mailer;
  background: BackgroundTasks;
  policy: PasswordPolicy;
  limits: RateLimits;
  events: SecurityEvents;
  appName: string;
}): PasswordResetService {
  const { prisma, passwords, codes, mailer, background, policy, limits, events, appName } = deps;

  async function issueCode(email: string, caller: Caller): Promise<void> {
    const user = await prisma.user.findUnique({ where: { email }, select: { id: true, email: true } });
    if (!user) return;
    const code = await codes.issue(user.id, 'password_reset', user.email);
    await events.record(user.id, 'PASSWORD_RESET_REQUESTED', caller);
    await mailer.send(resetCodeMail(user.email, appName, code, codes.policy('password_reset').ttlSeconds));
  }

  return {
    async requestCode(rawEmail, caller) {
      const email = normalizeEmail(rawEmail);
      // Counted for every address alike, known or not, so the limit reveals nothing either.
      await limits.consume('sendMailIp', clientKey(caller.ip));
      await limits.consume('sendMailEmail', email);
      background.run('password-reset-mail', () => issueCode(email, caller));
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
      const verifiedNow = await prisma.$transaction(async (tx) => {
        await codes.consume(tx, matched);
        await tx.user.update({ where: { id: userId }, data: { passwordHash } });
        // The code reached this address and came back: that proves it as well as a verification
        // code would, which is then moot.
        const verified = await tx.user.updateMany({ where: { id: userId, emailVerified: false }, data: { emailVerified: true } });
        await codes.discard(tx, userId, 'email_verification');
        await revokeSessionsOf(tx, userId);
        return verified.count > 0;
      });
      await events.record(userId, 'PASSWORD_RESET', caller);
      if (verifiedNow) await events.record(userId, 'EMAIL_VERIFIED', caller);
      background.run('password-changed-mail', () => mailer.send(passwordChangedMail(email, appName, 'reset')));
      return { userId };
    },
  };
}
