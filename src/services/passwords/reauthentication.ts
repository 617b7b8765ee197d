// "Is it really you?" for operations a stolen session must not do alone (deleteUser, changeEmail,
// changePassword, two-factor and passkey changes): the current password, or, for an account that
// has none (made through an identity provider, or invited), a session started at most
// REAUTH_MAX_AGE_SECONDS ago, by any sign-in. The rate limits stay with each operation.
import type { User } from '../../generated/prisma/client.ts';
import { AppError, badInput } from '../errors.ts';
import type { CredentialChecker } from './credentials.ts';

export interface Reauthentication {
  /**
   * INVALID_CREDENTIALS for a wrong password; BAD_USER_INPUT naming `field` when an account with a
   * password left it out; REAUTHENTICATION_REQUIRED (with `maxAge`) when an account without one
   * asks from a session older than the window. A password sent for an account without one is
   * ignored: there is nothing to compare it with.
   */
  prove(user: User, session: { createdAt: Date }, password: string | null | undefined, field?: string): Promise<void>;
}

export function createReauthentication(deps: { credentials: CredentialChecker; maxAgeSeconds: number }): Reauthentication {
  const { credentials, maxAgeSeconds } = deps;
  return {
    async prove(user, session, password, field = 'password') {
      if (user.passwordHash === null) {
        if (Date.now() - session.createdAt.getTime() > maxAgeSeconds * 1000) {
          throw new AppError('REAUTHENTICATION_REQUIRED', undefined, { maxAge: maxAgeSeconds });
        }
        return;
      }
      if (password == null) throw badInput(field, 'is required: the account has a password');
      if (!(await credentials.check(user.email, password)).ok) throw new AppError('INVALID_CREDENTIALS');
    },
  };
}
