// Checking an email and password pair: the one place a password is compared, for sign-in and for
// every operation that asks a signed-in user to prove it is them (./reauthentication.ts).
import type { PrismaClient, User } from '../../generated/prisma/client.ts';
import { normalizePassword, type PasswordPolicy } from './password-policy.ts';
import type { PasswordHasher } from './passwords.ts';

/** `user` is the email's account when there is one, also when the password was wrong. */
export type CredentialCheck = { ok: true; user: User } | { ok: false; user: User | null };

export interface CredentialChecker {
  /** Costs one argon2 verification whether or not the email has an account, so timing matches. */
  check(email: string, rawPassword: string): Promise<CredentialCheck>;
}

export function createCredentialChecker(deps: { prisma: PrismaClient; passwords: PasswordHasher; policy: PasswordPolicy }): CredentialChecker {
  const { prisma, passwords, policy } = deps;
  return {
    async check(email, rawPassword) {
      const password = normalizePassword(rawPassword, { ...policy, minLength: 0 });
      const user = await prisma.user.findUnique({ where: { email } });
      // An account without a password answers in the time a wrong one takes.
      if (!user?.passwordHash) {
        await passwords.verifyDummy(password);
        return { ok: false, user };
      }
      const { ok, needsRehash } = await passwords.verify(user.passwordHash, password);
      if (!ok) return { ok: false, user };
      if (needsRehash) {
        const passwordHash = await passwords.hash(password);
        // Only if the hash is still the one just verified: a concurrent reset must win.
        await prisma.user.updateMany({ where: { id: user.id, passwordHash: user.passwordHash }, data: { passwordHash } });
      }
      return { ok: true, user };
    },
  };
}
