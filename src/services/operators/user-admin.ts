// What an operator may do to a user's account (the operator API's mutations, and commands): the
// rules, errors, security events and mails of each change. Every change commits with its event
// and its mail in one transaction; the user sees each as an event `byOperator`, with no address.
// Codes go to the user's mailbox only: never into an answer or a log, so an operator cannot learn
// a credential of the user. The admin schema and its audit lines sit on top of this.
import { randomUUID } from 'node:crypto';
import { Prisma, type PrismaClient, type User } from '../../generated/prisma/client.ts';
import { isDisabled } from '../account-disabled.ts';
import { removeAccount } from '../accounts.ts';
import type { OneTimeCodes } from '../codes/one-time-codes.ts';
import { markAddressVerified } from '../email/email-verification.ts';
import { AppError, badInput } from '../errors.ts';
import { defaultUsername, hasControlCharacters, isUuid, normalizeEmail, normalizeUsername } from '../input.ts';
import type { MailOutbox, MailQueue } from '../mail/mail-outbox.ts';
import { accountDeletedMail, accountDisabledMail, accountEnabledMail, invitationMail, supportResetCodeMail } from '../mail/mail-templates.ts';
import type { ProviderTokens } from '../providers/provider-tokens.ts';
import type { RateLimits } from '../security/rate-limits.ts';
import type { OperatorActor, SecurityEvents } from '../security/security-events.ts';
import { liveSessions, revokeSessionsOf } from '../sessions/account-sessions.ts';
import { turnOffTwoFactor } from '../two-factor/two-factor.ts';
import { twoFactorNoticeMail } from '../two-factor/two-factor-mail.ts';

export interface CreateUserInput {
  email: string;
  /** Default: the email's part before `@`, cut to 64 characters. */
  username?: string | null;
  emailVerified: boolean;
  sendInvitation: boolean;
}

export interface UserAdmin {
  /** An account without a password; EMAIL_TAKEN if the email has one. The invitation is a reset code with INVITATION_TTL_SECONDS to live. */
  createUser(input: CreateUserInput, op: OperatorActor): Promise<User>;
  /** A new invitation code by mail, replacing any reset code; CONFLICT when the user has a password or is disabled. */
  sendInvitation(userId: string, op: OperatorActor): Promise<User>;
  /** Disables the account (at once: every session ends, every code dies), or replaces the reason and end of a disabled one. */
  disable(input: { id: string; reason: string; until?: Date | null; notify: boolean }, op: OperatorActor): Promise<User>;
  /** Clears the disable; sessions stay revoked. CONFLICT when not disabled by the clock. */
  enable(input: { id: string; notify: boolean }, op: OperatorActor): Promise<User>;
  /** Ends every live session of the user; one SESSION_REVOKED when any was live. */
  revokeSessions(userId: string, op: OperatorActor): Promise<User>;
  /** Ends one live session, whoever's it is; NOT_FOUND for anything else. Resolves to its user. */
  revokeSession(sessionId: string, op: OperatorActor): Promise<User>;
  /** Mails a reset code; with `invalidateCurrentPassword` the password stops working and every session ends. */
  forcePasswordReset(input: { id: string; invalidateCurrentPassword: boolean }, op: OperatorActor): Promise<User>;
  markEmailVerified(userId: string, op: OperatorActor): Promise<User>;
  /** For a user who lost every factor: forgets the authenticator secret and recovery codes. */
  disableTwoFactor(input: { id: string; reason: string }, op: OperatorActor): Promise<User>;
  /** Deletes the account and all it owns; the notice goes to the former address. */
  remove(input: { id: string; reason: string; notify: boolean }, op: OperatorActor): Promise<void>;
}

const REASON_MAX = 500;
const UNTIL_MAX_YEARS = 10;

/** Conditions one operation checks on the user before it changes anything. */
type Check = (user: User, now: number) => void;

const notFound = () => new AppError('NOT_FOUND');
const conflict = (message: string) => new AppError('CONFLICT', message);

/** `reason`: 1 to 500 characters after trimming (characters as the varchar column counts them). */
function checkReason(raw: string): string {
  const reason = raw.trim();
  if (reason.length === 0) throw badInput('reason', 'must not be empty');
  // One line in the audit log, and storable text (PostgreSQL refuses NUL).
  if (hasControlCharacters(reason)) throw badInput('reason', 'must not contain control characters');
  if ([...reason].length > REASON_MAX) throw badInput('reason', `must be at most ${REASON_MAX} characters`);
  return reason;
}

/** `until`: later than now, at most 10 years ahead; absent or null: until enabled. */
function checkUntil(until: Date | null | undefined, now: number): Date | null {
  if (until == null) return null;
  if (Number.isNaN(until.getTime())) throw badInput('until', 'is not a valid date-time');
  if (until.getTime() <= now) throw badInput('until', 'must be later than now');
  const latest = new Date(now);
  latest.setUTCFullYear(latest.getUTCFullYear() + UNTIL_MAX_YEARS);
  if (until > latest) throw badInput('until', `must be at most ${UNTIL_MAX_YEARS} years ahead`);
  return until;
}


export function createUserAdmin(deps: {
  prisma: PrismaClient;
  outbox: MailOutbox;
  codes: OneTimeCodes;
  limits: RateLimits;
  events: SecurityEvents;
  /** Provider tokens to revoke when an account is removed (Apple's), as deleteUser does. */
  providerTokens: Pick<ProviderTokens, 'beforeDeletion'>;
  config: { appName: string; invitationTtlSeconds: number };
}): UserAdmin {
  const { prisma, outbox, codes, limits, events, providerTokens, config } = deps;
  const { appName, invitationTtlSeconds } = config;

  async function find(db: Prisma.TransactionClient | PrismaClient, id: string): Promise<User> {
    const user = await db.user.findUnique({ where: { id } });
    if (!user) throw notFound();
    return user;
  }

  /**
   * Runs `work` on the user in one transaction, with the row locked so that a concurrent change of
   * the same account waits and then sees this one's outcome (two enables: one event, one mail).
   * `check` refuses a state the operation does not apply to. A mail-sending operation checks first
   * and counts against the account's mail limit only then (a refused call costs nothing), and
   * checks again under the lock. Resolves to the user as the change left it.
   */
  async function change(
    id: string,
    options: { check?: Check; mails?: boolean },
    work: (tx: Prisma.TransactionClient, mail: MailQueue, user: User) => Promise<void>,
  ): Promise<User> {
    // A malformed id would be a database error on the uuid column: it names nobody.
    if (!isUuid(id)) throw notFound();
    if (options.mails) {
      options.check?.(await find(prisma, id), Date.now());
      await limits.consume('adminMailAccount', id);
    }
    return outbox.transaction(async (tx, mail) => {
      await tx.$executeRaw`SELECT 1 FROM users WHERE id = ${id}::uuid FOR UPDATE`;
      const user = await find(tx, id);
      options.check?.(user, Date.now());
      await work(tx, mail, user);
      return find(tx, id);
    });
  }

  /** An invitation: a reset code with the invitation's lifetime (replacing any reset code), and its mail. */
  async function invite(tx: Prisma.TransactionClient, mail: MailQueue, user: Pick<User, 'id' | 'email'>): Promise<void> {
    const issued = await codes.issue(tx, user.id, 'password_reset', user.email, { ttlSeconds: invitationTtlSeconds });
    await mail.add(invitationMail(user.email, appName, issued.code, invitationTtlSeconds), issued.ref);
  }

  const refuseDisabled: Check = (user, now) => {
    if (isDisabled(user, now)) throw conflict('user is disabled');
  };

  return {
    async createUser(input, op) {
      const email = normalizeEmail(input.email);
      const username = normalizeUsername(input.username ?? defaultUsername(email));
      const id = randomUUID();
      if (input.sendInvitation) await limits.consume('adminMailAccount', id);
      try {
        return await outbox.transaction(async (tx, mail) => {
          const user = await tx.user.create({ data: { id, email, username, emailVerified: input.emailVerified } });
          await events.record(id, 'ACCOUNT_CREATED', op, tx);
          if (input.sendInvitation) await invite(tx, mail, user);
          return user;
        });
      } catch (error) {
        // The unique index decides, as for signUp: a signUp racing this one gets one account.
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new AppError('EMAIL_TAKEN');
        throw error;
      }
    },

    async sendInvitation(userId, op) {
      const check: Check = (user, now) => {
        if (user.passwordHash !== null) throw conflict('user already has a password');
        refuseDisabled(user, now);
      };
      return change(userId, { check, mails: true }, async (tx, mail, user) => {
        await invite(tx, mail, user);
        await events.record(user.id, 'PASSWORD_RESET_REQUESTED', op, tx);
      });
    },

    async disable(input, op) {
      const now = Date.now();
      const reason = checkReason(input.reason);
      const until = checkUntil(input.until, now);
      return change(input.id, {}, async (tx, mail, user) => {
        // Disabled already: only the reason and the end change, the start stays what it was.
        const disabledAt = isDisabled(user, now) && user.disabledAt ? user.disabledAt : new Date(now);
        await tx.user.update({ where: { id: user.id }, data: { disabledAt, disabledUntil: until, disabledReason: reason } });
        // The session lookup refuses its tokens already; revoked, they stay refused after an enable.
        await revokeSessionsOf(tx, user.id);
        // Codes mailed before (a reset, an invitation, a verification) must not outlive the disable.
        await codes.discard(tx, user.id);
        await events.record(user.id, 'ACCOUNT_DISABLED', op, tx);
        if (input.notify) await mail.add(accountDisabledMail(user.email, appName, until));
      });
    },

    async enable(input, op) {
      const check: Check = (user, now) => {
        if (!isDisabled(user, now)) throw conflict('user is not disabled');
      };
      return change(input.id, { check }, async (tx, mail, user) => {
        await tx.user.update({ where: { id: user.id }, data: { disabledAt: null, disabledUntil: null, disabledReason: null } });
        await events.record(user.id, 'ACCOUNT_ENABLED', op, tx);
        if (input.notify) await mail.add(accountEnabledMail(user.email, appName));
      });
    },

    async revokeSessions(userId, op) {
      return change(userId, {}, async (tx, _mail, user) => {
        // Counted before: revokeSessionsOf also stamps sessions that had expired, which end nothing.
        const live = await tx.session.count({ where: { userId: user.id, ...liveSessions(new Date()) } });
        await revokeSessionsOf(tx, user.id);
        if (live > 0) await events.record(user.id, 'SESSION_REVOKED', op, tx);
      });
    },

    async revokeSession(sessionId, op) {
      if (!isUuid(sessionId)) throw notFound();
      return prisma.$transaction(async (tx) => {
        const now = new Date();
        const [session] = await tx.session.updateManyAndReturn({
          where: { id: sessionId, ...liveSessions(now) },
          data: { revokedAt: now },
          select: { userId: true },
        });
        if (!session) throw notFound();
        await events.record(session.userId, 'SESSION_REVOKED', op, tx);
        return find(tx, session.userId);
      });
    },

    async forcePasswordReset(input, op) {
      return change(input.id, { check: refuseDisabled, mails: true }, async (tx, mail, user) => {
        // The sendMail code: the same lifetime and tries, replacing any reset or invitation code.
        const issued = await codes.issue(tx, user.id, 'password_reset', user.email);
        await events.record(user.id, 'PASSWORD_RESET_REQUESTED', op, tx);
        if (input.invalidateCurrentPassword) {
          await tx.user.update({ where: { id: user.id }, data: { passwordHash: null } });
          await revokeSessionsOf(tx, user.id);
          await events.record(user.id, 'PASSWORD_INVALIDATED', op, tx);
        }
        const ttlSeconds = codes.policy('password_reset').ttlSeconds;
        await mail.add(supportResetCodeMail(user.email, appName, issued.code, ttlSeconds, input.invalidateCurrentPassword), issued.ref);
      });
    },

    async markEmailVerified(userId, op) {
      const check: Check = (user) => {
        if (user.emailVerified) throw conflict('email already verified');
      };
      return change(userId, { check }, async (tx, _mail, user) => {
        await markAddressVerified(tx, codes, user.id);
        await events.record(user.id, 'EMAIL_VERIFIED', op, tx);
      });
    },

    async disableTwoFactor(input, op) {
      // Not stored: the reason is for the audit line the caller writes.
      checkReason(input.reason);
      return change(input.id, {}, async (tx, mail, user) => {
        if (!(await turnOffTwoFactor(tx, user.id))) throw conflict('two-factor is off');
        await events.record(user.id, 'TWO_FACTOR_DISABLED', op, tx);
        await mail.add(twoFactorNoticeMail(user.email, appName, { kind: 'disabled', bySupport: true }));
      });
    },

    async remove(input) {
      checkReason(input.reason);
      if (!isUuid(input.id)) throw notFound();
      // No event: the events go with the account. The notice is queued before the delete, in its
      // transaction, and outlives it (the outbox has no foreign key to users).
      const removed = await removeAccount({ outbox, providerTokens }, input.id, async (_tx, mail, user) => {
        if (input.notify) await mail.add(accountDeletedMail(user.email, appName));
      });
      if (!removed) throw notFound();
    },
  };
}
