// Moving an account to another address: the password proves the user, a code mailed to the new
// address proves the address, and the old address hears of both steps.
import { Prisma, type PrismaClient, type User } from '../../generated/prisma/client.ts';
import { revokeSessionsOf } from '../sessions/account-sessions.ts';
import type { Caller } from '../caller.ts';
import { AppError, badInput } from '../errors.ts';
import { normalizeEmail } from '../input.ts';
import type { MailOutbox } from '../mail/mail-outbox.ts';
import { emailChangeCodeMail, emailChangedMail, emailChangeRequestedMail } from '../mail/mail-templates.ts';
import type { OneTimeCodes } from '../codes/one-time-codes.ts';
import { normalizePassword, type PasswordPolicy } from '../passwords/password-policy.ts';
import type { Reauthentication } from '../passwords/reauthentication.ts';
import type { Viewer } from '../viewer.ts';
import { clientKey, type RateLimits } from '../security/rate-limits.ts';
import type { SecurityEvents } from '../security/security-events.ts';

export interface ChangeEmailInput {
  newEmail: string;
  /** Absent only for an account without a password (a fresh session proves it instead). */
  password?: string | null;
}

export interface EmailChange {
  /** Checks the password and the new address, then mails it a code; nothing changes yet. */
  request(viewer: Viewer, input: ChangeEmailInput, caller: Caller): Promise<void>;
  /** With the code, the address becomes the new one, verified; every session but `currentSessionId` ends. */
  confirm(user: User, code: string, currentSessionId: string, caller: Caller): Promise<void>;
}

export function createEmailChange(deps: {
  prisma: PrismaClient;
  outbox: MailOutbox;
  reauthentication: Reauthentication;
  codes: OneTimeCodes;
  limits: RateLimits;
  events: SecurityEvents;
  policy: PasswordPolicy;
  appName: string;
}): EmailChange {
  const { prisma, outbox, reauthentication, codes, limits, events, policy, appName } = deps;

  return {
    async request(viewer, input, caller) {
      const { user } = viewer;
      const newEmail = normalizeEmail(input.newEmail, 'newEmail');
      if (input.password != null) normalizePassword(input.password, { ...policy, minLength: 0 });
      // The password check shares deleteUser's counters: a stolen session gets one budget of
      // guesses at the password, whichever operation it tries them through.
      await limits.consume('deleteUserIp', clientKey(caller.ip));
      await limits.consume('deleteUserAccount', user.id);
      await limits.consume('emailCodeMailIp', clientKey(caller.ip));
      await limits.consume('emailCodeMailAccount', user.id);
      await reauthentication.prove(user, viewer.session, input.password);
      if (newEmail === user.email) throw badInput('newEmail', 'is already the address of this account');
      // A courtesy to the user only: the unique index decides at confirmEmailChange.
      if (await prisma.user.findUnique({ where: { email: newEmail }, select: { id: true } })) throw new AppError('EMAIL_TAKEN');
      await outbox.transaction(async (tx, mail) => {
        const issued = await codes.issue(tx, user.id, 'email_change', newEmail);
        await events.record(user.id, 'EMAIL_CHANGE_REQUESTED', caller, tx);
        await mail.add(emailChangeCodeMail(newEmail, appName, issued.code, codes.policy('email_change').ttlSeconds), issued.ref);
        await mail.add(emailChangeRequestedMail(user.email, appName, newEmail));
      });
    },

    async confirm(user, code, currentSessionId, caller) {
      await limits.consume('emailCodeCheckIp', clientKey(caller.ip));
      await limits.consume('emailCodeCheckAccount', user.id);
      const oldEmail = user.email;
      const matched = await codes.check({ userId: user.id }, 'email_change', code);
      const newEmail = matched.email;
      if (!newEmail) throw new AppError('INVALID_CODE');
      await outbox.transaction(async (tx, mail) => {
        await codes.consume(tx, matched);
        // Queued before the update that may still fail: the notice commits with the change or not at all.
        await mail.add(emailChangedMail(oldEmail, appName, newEmail));
        try {
          await tx.user.update({ where: { id: user.id }, data: { email: newEmail, emailVerified: true } });
        } catch (error) {
          // The unique index decides: an account that took the address meanwhile wins, and this
          // whole transaction (the code included) is rolled back.
          if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new AppError('EMAIL_TAKEN');
          throw error;
        }
        // Codes mailed to the old address (a reset, a verification) must not work for the new one.
        await codes.discard(tx, user.id);
        await revokeSessionsOf(tx, user.id, currentSessionId);
        await events.record(user.id, 'EMAIL_CHANGED', caller, tx);
      });
    },
  };
}
