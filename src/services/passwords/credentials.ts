// Checking an email and password pair: the one place a password is compared, for sign-in and for
// every operation that asks a signed-in user to prove it is them (./reauthentication.ts).
import type { PrismaClient, User } from '../../generated/prisma/client.ts';
import { type HashFormat, hashFormat } from './legacy-hashes.ts';
import { normalizePassword, type PasswordPolicy } from './password-policy.ts';
import type { PasswordHasher } from './passwords.ts';

/**
 * `user` is the email's account when there is one, also when the password was wrong.
 * `rehashedFrom`: the stored hash's format, when this check rewrote it as today's argon2id.
 */
export type CredentialCheck = { ok: true; user: User; rehashedFrom?: HashFormat } | { ok: false; user: User | null };

export interface CredentialChecker {
  /**
   * Costs one argon2 verification whether or not the email has an account, so timing matches; an
   * imported hash not yet rewritten costs what its source's parameters cost (twice for a password
   * that is not in NFC), which the import contract accepts: signUp already tells the email is taken.
   */
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
      // An imported hash is tried with the password as sent before its NFC form (see PasswordHasher).
      const { ok, needsRehash } = await passwords.verify(user.passwordHash, password, rawPassword);
      if (!ok) return { ok: false, user };
      if (needsRehash) {
        // Always of the NFC form, whichever form matched: the one every later sign-in hashes.
        const passwordHash = await passwords.hash(password);
        // Only if the hash is still the one just verified: a concurrent reset must win.
        const { count } = await prisma.user.updateMany({ where: { id: user.id, passwordHash: user.passwordHash }, data: { passwordHash } });
        if (count === 1) return { ok: true, user, rehashedFrom: hashFormat(user.passwordHash) ?? 'argon2' };
      }
      return { ok: true, user };
    },
  };
}
