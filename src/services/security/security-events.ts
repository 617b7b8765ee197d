// The account's own activity log: what happened, when, from which address and user agent. Written
// for the account the event concerns (a failed sign-in for a known email is its owner's event) and
// read back only by that account's own sessions.
import type { Prisma, PrismaClient, SecurityEvent } from '../../generated/prisma/client.ts';
import type { Caller } from '../caller.ts';

export const SECURITY_EVENT_KINDS = [
  'SIGN_UP',
  'SIGN_IN',
  'SIGN_IN_FAILED',
  'LOGOUT',
  'SESSION_REVOKED',
  'PASSWORD_CHANGED',
  'PASSWORD_RESET_REQUESTED',
  'PASSWORD_RESET',
  'EMAIL_VERIFIED',
  'EMAIL_CHANGE_REQUESTED',
  'EMAIL_CHANGED',
  'TWO_FACTOR_ENABLED',
  'TWO_FACTOR_DISABLED',
  'RECOVERY_CODE_USED',
  'RECOVERY_CODES_REGENERATED',
  'SECOND_FACTOR_FAILED',
  'PASSKEY_ADDED',
  'PASSKEY_REMOVED',
  'PASSKEY_COUNTER_MISMATCH',
  'IDENTITY_LINKED',
  'IDENTITY_UNLINKED',
  'ACCOUNT_CREATED',
  'ACCOUNT_IMPORTED',
  'ACCOUNT_DISABLED',
  'ACCOUNT_ENABLED',
  'PASSWORD_INVALIDATED',
] as const;

export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/** What an event names besides its kind: the passkey (as named then) or the identity provider involved. */
export interface EventSubject {
  passkeyName?: string | undefined;
  provider?: string | undefined;
}

/**
 * An operator's change: no address or agent (an internal host means nothing to the user); the
 * operator API's key when one made it, null for commands. src/services/operators/ takes it as who acts.
 */
export interface OperatorActor {
  operatorKeyId: string | null;
}

/** Who caused an event: the request of one of the account's callers, or an operator. */
export type EventCause = Pick<Caller, 'ip' | 'userAgent'> | OperatorActor;

export interface SecurityEventView extends Omit<SecurityEvent, 'kind' | 'userId'> {
  kind: SecurityEventKind;
}

export interface SecurityEvents {
  /**
   * Appends one event for `userId`, stamped with the caller's address and user agent; in `tx` when
   * given (with the change and its mail); naming the passkey or identity provider it is about or
   * that caused it, if any.
   */
  record(userId: string, kind: SecurityEventKind, cause: EventCause, tx?: Prisma.TransactionClient, about?: EventSubject): Promise<void>;
  /** `record` for many accounts in one insert (an import's batch of new accounts: one query, not 500). */
  recordMany(userIds: string[], kind: SecurityEventKind, cause: EventCause, tx?: Prisma.TransactionClient): Promise<void>;
  /**
   * Whether the account signed up or in from this caller's address and user agent within the
   * retention window.
   * Failed sign-ins and reset requests do not count: anyone can cause those.
   */
  seenFrom(userId: string, caller: Caller): Promise<boolean>;
  /** The account's events within the retention window, newest first; `limit` is checked by the caller (1..100). */
  list(userId: string, limit: number): Promise<SecurityEventView[]>;
}

export function createSecurityEvents(deps: { prisma: PrismaClient; retentionDays: number }): SecurityEvents {
  const { prisma, retentionDays } = deps;
  // Older events are never shown or counted, whether or not a purge has deleted them yet.
  const cutoff = () => new Date(Date.now() - retentionDays * 86_400_000);
  return {
    async record(userId, kind, cause, tx = prisma, about = {}) {
      await tx.securityEvent.create({ data: eventRow(userId, kind, cause, about) });
    },
    async recordMany(userIds, kind, cause, tx = prisma) {
      if (userIds.length > 0) await tx.securityEvent.createMany({ data: userIds.map((userId) => eventRow(userId, kind, cause, {})) });
    },
    async seenFrom(userId, caller) {
      const found = await prisma.securityEvent.findFirst({
        where: {
          userId,
          kind: { in: ['SIGN_UP', 'SIGN_IN'] satisfies SecurityEventKind[] },
          ipAddress: caller.ip.slice(0, 64),
          userAgent: caller.userAgent,
          createdAt: { gte: cutoff() },
        },
        select: { id: true },
      });
      return found !== null;
    },
    async list(userId, limit) {
      const rows = await prisma.securityEvent.findMany({
        where: { userId, createdAt: { gte: cutoff() } },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit,
        select: { id: true, kind: true, ipAddress: true, userAgent: true, passkeyName: true, provider: true, byOperator: true, operatorKeyId: true, createdAt: true },
      });
      return rows.map((row) => ({ ...row, kind: row.kind as SecurityEventKind }));
    },

  };
}

function eventRow(userId: string, kind: SecurityEventKind, cause: EventCause, about: EventSubject): Prisma.SecurityEventUncheckedCreateInput {
  const byOperator = 'operatorKeyId' in cause;
  return {
    userId,
    kind,
    ipAddress: byOperator ? null : cause.ip.slice(0, 64),
    userAgent: byOperator ? null : cause.userAgent,
    byOperator,
    operatorKeyId: byOperator ? cause.operatorKeyId : null,
    passkeyName: about.passkeyName ?? null,
    provider: about.provider ?? null,
  };
}
