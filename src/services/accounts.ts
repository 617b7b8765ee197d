// Sign-up, sign-in and account deletion: the rules, with Prisma underneath.
import { Prisma, type PrismaClient, type User } from '../generated/prisma/client.ts';
import type { BackgroundTasks } from './background-tasks.ts';
import type { Caller } from './caller.ts';
import type { EmailVerification } from './email/email-verification.ts';
import { AppError } from './errors.ts';
import { normalizeEmail, normalizeUsername } from './input.ts';
import type { CredentialChecker } from './passwords/credentials.ts';
import { checkNewPassword, normalizePassword, type PasswordPolicy } from './passwords/password-policy.ts';
import type { PasswordHasher } from './passwords/passwords.ts';
import { clientKey, type RateLimits } from './security/rate-limits.ts';
import type { SecurityEvents } from './security/security-events.ts';
import type { SignInNotice } from './security/sign-in-notice.ts';
import type { IssuedSession, SessionService } from './sessions/sessions.ts';

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
  signUp(input: SignUpInput, caller: Caller): Promise<SignedIn>;
  signIn(input: Credentials, caller: Caller): Promise<SignedIn>;
  /** Deletes the signed-in user's account with its sessions and reset codes. */
  deleteAccount(user: User, input: Credentials, caller: Caller): Promise<void>;
}

export function createAccountService(deps: {
  prisma: PrismaClient;
  passwords: PasswordHasher;
  sessions: SessionService;
  policy: PasswordPolicy;
  limits: RateLimits;
  credentials: CredentialChecker;
  events: SecurityEvents;
  signInNotice: SignInNotice;
  emailVerification: EmailVerification;
  background: BackgroundTasks;
}): AccountService {
  const { prisma, passwords, sessions, policy, limits, credentials, events, signInNotice, emailVerification, background } = deps;

  /** The account, or INVALID_CREDENTIALS for an unknown email and a wrong password alike. */
  async function checkCredentials(email: string, password: string): Promise<User> {
    const result = await credentials.check(email, password);
    if (!result.ok) throw new AppError('INVALID_CREDENTIALS');
    return result.user;
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
      const issued = await sessions.start(user.id, caller);
      await events.record(user.id, 'SIGN_UP', caller);
      emailVerification.sendAfterResponse(user);
      return { user, ...issued };
    },

    async signIn(input, caller) {
      const email = normalizeEmail(input.email);
      normalizePassword(input.password, { ...policy, minLength: 0 });
      // Counted before the hash is checked, so parallel guesses cannot slip past the limit.
      await limits.consume('signInIp', clientKey(caller.ip));
      await limits.consume('signInAccount', email);
      const result = await credentials.check(email, input.password);
      if (!result.ok) {
        const owner = result.user?.id;
        // The owner's event, written after the answer: an unknown email writes nothing, and the
        // two must answer in the same time.
        if (owner) background.run('security-event', () => events.record(owner, 'SIGN_IN_FAILED', caller));
        throw new AppError('INVALID_CREDENTIALS');
      }
      const { user } = result;
      await limits.reset('signInAccount', email);
      const issued = await sessions.start(user.id, caller);
      await signInNotice.signedIn(user, caller);
      return { user, ...issued };
    },

    async deleteAccount(user, input, caller) {
      if (normalizeEmail(input.email) !== user.email) throw new AppError('FORBIDDEN');
      normalizePassword(input.password, { ...policy, minLength: 0 });
      await limits.consume('deleteUserIp', clientKey(caller.ip));
      await limits.consume('deleteUserAccount', user.id);
      await checkCredentials(user.email, input.password);
      // One statement: sessions and reset codes go with the user through ON DELETE CASCADE.
      await prisma.user.deleteMany({ where: { id: user.id } });
    },
  };
}
