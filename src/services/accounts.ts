// Sign-up, sign-in and account deletion: the rules, with Prisma underneath.
import { Prisma, type PrismaClient, type User } from '../generated/prisma/client.ts';
import { AppError } from './errors.ts';
import { normalizeEmail, normalizeUsername } from './input.ts';
import { checkNewPassword, normalizePassword, type PasswordPolicy } from './password-policy.ts';
import type { PasswordHasher } from './passwords.ts';
import type { IssuedSession, SessionService } from './sessions.ts';

export interface SignUpInput {
  username: string;
  email: string;
  password: string;
}

export interface Credentials {
  email: string;
  password: string;
}

export interface SignedIn extends IssuedSession {
  user: User;
}

export interface AccountService {
  signUp(input: SignUpInput): Promise<SignedIn>;
  signIn(input: Credentials): Promise<SignedIn>;
  /** Deletes the signed-in user's account with its sessions and reset codes. */
  deleteAccount(user: User, input: Credentials): Promise<void>;
}

export function createAccountService(deps: {
  prisma: PrismaClient;
  passwords: PasswordHasher;
  sessions: SessionService;
  policy: PasswordPolicy;
}): AccountService {
  const { prisma, passwords, sessions, policy } = deps;

  /** The same failure for an unknown email and a wrong password, at the same cost. */
  async function checkCredentials(input: Credentials): Promise<User> {
    const email = normalizeEmail(input.email);
    const password = normalizePassword(input.password, { ...policy, minLength: 0 });
    const user = await prisma.user.findUnique({ where: { email } });
    if (!user) {
      await passwords.verifyDummy(password);
      throw new AppError('INVALID_CREDENTIALS');
    }
    const { ok, needsRehash } = await passwords.verify(user.passwordHash, password);
    if (!ok) throw new AppError('INVALID_CREDENTIALS');
    if (needsRehash) {
      const passwordHash = await passwords.hash(password);
      // Only if the hash is still the one just verified: a concurrent reset must win.
      await prisma.user.updateMany({ where: { id: user.id, passwordHash: user.passwordHash }, data: { passwordHash } });
    }
    return user;
  }

  return {
    async signUp(input) {
      const username = normalizeUsername(input.username);
      const email = normalizeEmail(input.email);
      const password = checkNewPassword(input.password, policy, 'password', [username, email, email.split('@')[0] ?? '']);
      const passwordHash = await passwords.hash(password);
      let user: User;
      try {
        user = await prisma.user.create({ data: { username, email, passwordHash } });
      } catch (error) {
        // The unique index decides races: two concurrent sign-ups get one account, one EMAIL_TAKEN.
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw new AppError('EMAIL_TAKEN');
        }
        throw error;
      }
      return { user, ...(await sessions.start(user.id)) };
    },

    async signIn(input) {
      const user = await checkCredentials(input);
      return { user, ...(await sessions.start(user.id)) };
    },

    async deleteAccount(user, input) {
      if (normalizeEmail(input.email) !== user.email) throw new AppError('FORBIDDEN');
      await checkCredentials(input);
      // One statement: sessions and reset codes go with the user through ON DELETE CASCADE.
      await prisma.user.deleteMany({ where: { id: user.id } });
    },
  };
}
