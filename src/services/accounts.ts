// Sign-up, sign-in and account deletion: the rules, with Prisma underneath.
import { Prisma, type User } from '../generated/prisma/client.ts';
import type { BackgroundTasks } from './background-tasks.ts';
import type { Caller } from './caller.ts';
import type { EmailVerification } from './email/email-verification.ts';
import type { MailOutbox, MailQueue } from './mail/mail-outbox.ts';
import { AppError } from './errors.ts';
import { normalizeEmail, normalizeUsername } from './input.ts';
import type { CredentialChecker } from './passwords/credentials.ts';
import { checkNewPassword, normalizePassword, type PasswordPolicy } from './passwords/password-policy.ts';
import type { PasswordHasher } from './passwords/passwords.ts';
import type { Reauthentication } from './passwords/reauthentication.ts';
import type { ProviderTokens } from './providers/provider-tokens.ts';
import { clientKey, type RateLimits } from './security/rate-limits.ts';
import type { SecurityEvents } from './security/security-events.ts';
import type { SessionStart, SignedIn } from './sessions/session-start.ts';
import type { SignInAttempts } from './security/sign-in-attempts.ts';
import type { Viewer } from './viewer.ts';

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


/** Thrown inside removeAccount's transaction to roll its farewell back when the account went meanwhile. */
class AccountGone extends Error {}

/**
 * Deletes the account with everything it owns: deleteUser, and an operator's removeUser. One
 * statement: sessions, codes, two-factor secret, recovery codes, devices, passkeys and identities go
 * with the user through ON DELETE CASCADE, so its tokens are refused at once. `farewell` runs first,
 * in the same transaction, with the account still there: a mail it queues outlives the account (the
 * outbox has no foreign key to users). The provider tokens kept for it (Apple's) are revoked after
 * the commit. Resolves to false when there was no such account (and nothing was queued).
 */
export async function removeAccount(
  deps: { outbox: MailOutbox; providerTokens: Pick<ProviderTokens, 'beforeDeletion'> },
  userId: string,
  farewell?: (tx: Prisma.TransactionClient, mail: MailQueue, user: User) => Promise<void>,
): Promise<boolean> {
  const revokeProviderTokens = await deps.providerTokens.beforeDeletion(userId);
  let removed: boolean;
  try {
    removed = await deps.outbox.transaction(async (tx, mail) => {
      if (farewell) {
        const user = await tx.user.findUnique({ where: { id: userId } });
        if (!user) return false;
        await farewell(tx, mail, user);
      }
      const { count } = await tx.user.deleteMany({ where: { id: userId } });
      // Deleted by a concurrent request after the read: its farewell is not this one's to send.
      if (count === 0 && farewell) throw new AccountGone();
      return count > 0;
    });
  } catch (error) {
    if (error instanceof AccountGone) return false;
    throw error;
  }
  if (removed) revokeProviderTokens();
  return removed;
}

export interface AccountService {
  signUp(input: SignUpInput, caller: Caller): Promise<SignedIn>;
  signIn(input: SignInInput, caller: Caller): Promise<SignedIn>;
  /**
   * signIn's first step on its own: the account whose password this is, checked with signIn's
   * limits, errors and events; for a second factor that is not a code (a passkey).
   */
  checkPassword(input: Credentials, caller: Caller): Promise<User>;
  /** Deletes the signed-in user's account with everything that belongs to it (devices included). */
  deleteAccount(viewer: Viewer, input: { email: string; password?: string | null }, caller: Caller): Promise<void>;
}

export function createAccountService(deps: {
  outbox: MailOutbox;
  passwords: PasswordHasher;
  sessionStart: SessionStart;
  policy: PasswordPolicy;
  limits: RateLimits;
  credentials: CredentialChecker;
  events: SecurityEvents;
  emailVerification: EmailVerification;
  background: BackgroundTasks;
  attempts: SignInAttempts;
  reauthentication: Reauthentication;
  /** Provider tokens to revoke when the account goes (Apple's). */
  providerTokens: Pick<ProviderTokens, 'beforeDeletion'>;
}): AccountService {
  const { outbox, passwords, sessionStart, policy, limits, credentials, events, emailVerification, background, attempts, reauthentication } = deps;

  /** signIn's first step: the account whose password this is, or INVALID_CREDENTIALS. */
  async function signInPassword(input: Credentials, caller: Caller): Promise<User> {
    const email = normalizeEmail(input.email);
    normalizePassword(input.password, { ...policy, minLength: 0 });
    // Counted before the hash is checked, so parallel guesses cannot slip past the limit: per
    // device for a browser the account knows, per account and address for everyone else.
    const forgetAttempts = await attempts.count(email, caller);
    const result = await credentials.check(email, input.password);
    if (!result.ok) {
      const owner = result.user?.id;
      // The owner's event, written after the answer: an unknown email writes nothing, and the
      // two must answer in the same time.
      if (owner) background.run('security-event', () => events.record(owner, 'SIGN_IN_FAILED', caller));
      throw new AppError('INVALID_CREDENTIALS');
    }
    // The password was right: the second factor has a limit of its own.
    await forgetAttempts();
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
        // The account, its event and its first verification code with the mail: all or nothing.
        user = await outbox.transaction(async (tx, mail) => {
          const created = await tx.user.create({ data: { username, email, passwordHash } });
          await events.record(created.id, 'SIGN_UP', caller, tx);
          await emailVerification.queueCode(tx, mail, created);
          return created;
        });
      } catch (error) {
        // The unique index decides races: two concurrent sign-ups get one account, one EMAIL_TAKEN.
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
          throw new AppError('EMAIL_TAKEN');
        }
        throw error;
      }
      return sessionStart.signUp(user, caller);
    },

    async signIn(input, caller) {
      const user = await signInPassword(input, caller);
      return sessionStart.signIn(user, caller, { code: input.code });
    },

    checkPassword: signInPassword,

    async deleteAccount(viewer, input, caller) {
      const { user } = viewer;
      if (normalizeEmail(input.email) !== user.email) throw new AppError('FORBIDDEN');
      if (input.password != null) normalizePassword(input.password, { ...policy, minLength: 0 });
      await limits.consume('deleteUserIp', clientKey(caller.ip));
      await limits.consume('deleteUserAccount', user.id);
      await reauthentication.prove(user, viewer.session, input.password);
      await removeAccount({ outbox, providerTokens: deps.providerTokens }, user.id);
    },
  };
}
