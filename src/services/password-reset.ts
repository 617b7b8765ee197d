// "Forgot password": a one-time code by mail, then a new password. Nothing about the account
// changes until the code is used.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { BackgroundTasks } from './background-tasks.ts';
import { AppError } from './errors.ts';
import { normalizeEmail } from './input.ts';
import { passwordChangedMail, resetCodeMail } from './mail-templates.ts';
import type { Mailer } from './mailer.ts';
import { checkNewPassword, normalizePassword, type PasswordPolicy } from './password-policy.ts';
import type { PasswordHasher } from './passwords.ts';
import { clientKey, type RateLimits } from './rate-limits.ts';
import type { Caller } from './caller.ts';
import type { ResetCodes } from './reset-codes.ts';

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
  codes: ResetCodes;
  mailer: Mailer;
  background: BackgroundTasks;
  policy: PasswordPolicy;
  limits: RateLimits;
  config: { appName: string; ttlSeconds: number; maxAttempts: number };
}): PasswordResetService {
  const { prisma, passwords, codes, mailer, background, policy, limits, config } = deps;

  async function issueCode(email: string): Promise<void> {
    const user = await prisma.user.findUnique({ where: { email }, select: { id: true, email: true } });
    if (!user) return;
    const code = codes.generate();
    const record = {
      codeHash: codes.hash(user.id, code),
      expiresAt: new Date(Date.now() + config.ttlSeconds * 1000),
      attempts: 0,
      createdAt: new Date(),
    };
    // One code per user: a new request replaces the previous code.
    await prisma.passwordResetCode.upsert({ where: { userId: user.id }, create: { userId: user.id, ...record }, update: record });
    await mailer.send(resetCodeMail(user.email, config.appName, code, config.ttlSeconds));
  }

  return {
    async requestCode(rawEmail, caller) {
      const email = normalizeEmail(rawEmail);
      // Counted for every address alike, known or not, so the limit reveals nothing either.
      await limits.consume('sendMailIp', clientKey(caller.ip));
      await limits.consume('sendMailEmail', email);
      background.run('password-reset-mail', () => issueCode(email));
    },

    async resetPassword(input, caller) {
      const email = normalizeEmail(input.email);
      normalizePassword(input.newPassword, policy, 'newPassword');
      // Counted before the strength estimate (milliseconds of CPU) and any database work.
      await limits.consume('resetPasswordIp', clientKey(caller.ip));
      await limits.consume('resetPasswordEmail', email);
      // Checked before the code is tried, so a refused password does not spend an attempt.
      const password = checkNewPassword(input.newPassword, policy, 'newPassword', [email]);
      if (!codes.isWellFormed(input.code)) throw new AppError('INVALID_CODE');

      // Spend an attempt before comparing, atomically: parallel guesses cannot share one attempt.
      // The same single query runs for unknown emails, so they answer in the same time.
      const [record] = await prisma.passwordResetCode.updateManyAndReturn({
        where: { user: { is: { email } }, attempts: { lt: config.maxAttempts }, expiresAt: { gt: new Date() } },
        data: { attempts: { increment: 1 } },
      });
      if (!record || !codes.matches(record.userId, input.code, record.codeHash)) throw new AppError('INVALID_CODE');

      const passwordHash = await passwords.hash(password);
      const changed = await prisma.$transaction(async (tx) => {
        // Consuming the code decides races: of two requests with the right code, one wins.
        const { count } = await tx.passwordResetCode.deleteMany({ where: { userId: record.userId, codeHash: record.codeHash } });
        if (count === 0) return false;
        await tx.user.update({ where: { id: record.userId }, data: { passwordHash } });
        await tx.session.updateMany({ where: { userId: record.userId, revokedAt: null }, data: { revokedAt: new Date() } });
        return true;
      });
      if (!changed) throw new AppError('INVALID_CODE');
      background.run('password-changed-mail', () => mailer.send(passwordChangedMail(email, config.appName)));
      return { userId: record.userId };
    },
  };
}
