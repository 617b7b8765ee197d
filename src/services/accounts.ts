// Sign-up, sign-in and account deletion: the rules, with Prisma underneath.
import { Prisma, type PrismaClient, type User } from '../generated/prisma/client.ts';
import type { Caller } from './caller.ts';
import { AppError } from './errors.ts';
import { normalizeEmail, normalizeUsername } from './input.ts';
import { checkNewPassword, normalizePassword, type PasswordPolicy } from './password-policy.ts';
import type { PasswordHasher } from './passwords.ts';
import type { Devices } from './devices.ts';
import { clientKey, type RateLimits } from './rate-limits.ts';
import type { IssuedSession, SessionService } from './sessions.ts';
import type { SignInAttempts } from './sign-in-attempts.ts';
import type { TwoFactorService } from './two-factor/two-factor.ts';

export interface SignUpInput {
  username: string;
  email: string;
  password: string;
}

export interface Credentials {
  email: string;
  password: string;
}

export interface SignInInput extends Credentials {
  /** An authenticator or recovery code, for accounts with two-factor on; ignored otherwise. */
  code?: string | null;
}

export interface SignedIn extends IssuedSession {
  user: User;
  /** The device token the browser keeps from now on (src/services/devices.ts). */
  deviceToken: string;
}


export interface AccountService {
  signUp(input: SignUpInput, caller: Caller): Promise<SignedIn>;
  signIn(input: SignInInput, caller: Caller): Promise<SignedIn>;
  /** Deletes the signed-in user's account with everything that belongs to it (devices included). */
  deleteAccount(user: User, input: Credentials, caller: Caller): Promise<void>;
}

export function createAccountService(deps: {
  prisma: PrismaClient;
  passwords: PasswordHasher;
  sessions: SessionService;
  policy: PasswordPolicy;
  limits: RateLimits;
  attempts: SignInAttempts;
  devices: Devices;
  twoFactor: TwoFactorService;
}): AccountService {
  const { prisma, passwords, sessions, policy, limits, attempts, devices, twoFactor } = deps;

  /** The same failure for an unknown email and a wrong password, at the same cost. */
  async function checkCredentials(email: string, rawPassword: string): Promise<User> {
    const password = normalizePassword(rawPassword, { ...policy, minLength: 0 });
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
    async signUp(input, caller) {
      const username = normalizeUsername(input.username);
      const email = normalizeEmail(input.email);
      normalizePassword(input.password, policy);
      // Counted before the strength estimate, which costs milliseconds of CPU, and the hash.
      await limits.consume('signUpIp', clientKey(caller.ip));
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
      return { user, deviceToken: await devices.remember(user.id, caller.deviceToken), ...(await sessions.start(user.id)) };
    },

    async signIn(input, caller) {
      const email = normalizeEmail(input.email);
      normalizePassword(input.password, { ...policy, minLength: 0 });
      const forgetAttempts = await attempts.count(email, caller);
      const user = await checkCredentials(email, input.password);
      // The password was right: the second factor has a limit of its own.
      await forgetAttempts();
      await twoFactor.checkSignIn(user, input.code, caller);
      return { user, deviceToken: await devices.remember(user.id, caller.deviceToken), ...(await sessions.start(user.id)) };
    },

    async deleteAccount(user, input, caller) {
      if (normalizeEmail(input.email) !== user.email) throw new AppError('FORBIDDEN');
      normalizePassword(input.password, { ...policy, minLength: 0 });
      await limits.consume('deleteUserIp', clientKey(caller.ip));
      await limits.consume('deleteUserAccount', user.id);
      await checkCredentials(user.email, input.password);
      // One statement: sessions, reset codes, two-factor secret, recovery codes and devices go with
      // the user through ON DELETE CASCADE.
      await prisma.user.deleteMany({ where: { id: user.id } });
    },
  };
}
