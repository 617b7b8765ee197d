// Changing the password while signed in: the current password proves the user (a stolen session
// alone cannot take the account), every session ends, and this browser gets a new one.
import { revokeSessionsOf } from '../sessions/account-sessions.ts';
import type { Caller } from '../caller.ts';
import type { MailOutbox } from '../mail/mail-outbox.ts';
import { passwordChangedMail } from '../mail/mail-templates.ts';
import { checkNewPassword, normalizePassword, type PasswordPolicy } from './password-policy.ts';
import type { PasswordHasher } from './passwords.ts';
import type { Reauthentication } from './reauthentication.ts';
import type { Viewer } from '../viewer.ts';
import { clientKey, type RateLimits } from '../security/rate-limits.ts';
import type { SecurityEvents } from '../security/security-events.ts';
import type { IssuedSession, SessionService } from '../sessions/sessions.ts';

export interface ChangePasswordInput {
  /** Absent for an account without a password: it sets its first one (from a fresh session). */
  currentPassword?: string | null;
  newPassword: string;
}

export interface PasswordChange {
  /** The new session for this browser; every earlier session of the user is revoked. */
  change(viewer: Viewer, input: ChangePasswordInput, caller: Caller): Promise<IssuedSession>;
}

export function createPasswordChange(deps: {
  outbox: MailOutbox;
  reauthentication: Reauthentication;
  passwords: PasswordHasher;
  sessions: SessionService;
  limits: RateLimits;
  events: SecurityEvents;
  policy: PasswordPolicy;
  appName: string;
}): PasswordChange {
  const { outbox, reauthentication, passwords, sessions, limits, events, policy, appName } = deps;

  return {
    async change(viewer, input, caller) {
      const { user } = viewer;
      if (input.currentPassword != null) normalizePassword(input.currentPassword, { ...policy, minLength: 0 }, 'currentPassword');
      normalizePassword(input.newPassword, policy, 'newPassword');
      // deleteUser's counters: one budget of password guesses per account, whichever operation.
      // Counted before the strength estimate and argon2.
      await limits.consume('deleteUserIp', clientKey(caller.ip));
      await limits.consume('deleteUserAccount', user.id);
      const password = checkNewPassword(input.newPassword, policy, 'newPassword', [user.username, user.email, user.email.split('@')[0] ?? '']);
      await reauthentication.prove(user, viewer.session, input.currentPassword, 'currentPassword');
      const passwordHash = await passwords.hash(password);
      await outbox.transaction(async (tx, mail) => {
        await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
        await revokeSessionsOf(tx, user.id);
        await events.record(user.id, 'PASSWORD_CHANGED', caller, tx);
        await mail.add(passwordChangedMail(user.email, appName, 'change'));
      });
      return sessions.start(user.id, caller);
    },
  };
}
