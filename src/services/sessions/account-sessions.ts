// The signed-in user's view of their own sessions: list them, end one, end all the others. Every
// query is scoped to the caller's user id, so another user's session is indistinguishable from
// one that does not exist.
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import type { Caller } from '../caller.ts';
import { AppError } from '../errors.ts';
import { isUuid } from '../input.ts';
import type { SecurityEvents } from '../security/security-events.ts';
import type { SessionView } from './sessions.ts';

export interface AccountSessions {
  /** Live sessions (not revoked, not expired), newest first. */
  list(userId: string): Promise<SessionView[]>;
  /** Ends one of the user's own live sessions; NOT_FOUND for any other id. */
  revoke(userId: string, sessionId: string, caller: Caller): Promise<void>;
  /** Ends every session of the user but `currentSessionId`. */
  revokeOthers(userId: string, currentSessionId: string, caller: Caller): Promise<void>;
  /** Ends the current session (logout). */
  logout(userId: string, sessionId: string, caller: Caller): Promise<void>;
}

/**
 * Revokes the user's sessions (all, or all but one), in whatever transaction `db` is: every row not
 * revoked yet, expired ones too, so a refresh in flight cannot revive one. The count includes those.
 */
export async function revokeSessionsOf(db: Prisma.TransactionClient | PrismaClient, userId: string, exceptSessionId?: string): Promise<number> {
  const { count } = await db.session.updateMany({
    where: { userId, revokedAt: null, ...(exceptSessionId ? { id: { not: exceptSessionId } } : {}) },
    data: { revokedAt: new Date() },
  });
  return count;
}

/** The sessions that still sign a request in at `now`: not revoked, not expired either way. */
export const liveSessions = (now: Date) => ({ revokedAt: null, expiresAt: { gt: now }, absoluteExpiresAt: { gt: now } });

export function createAccountSessions(deps: { prisma: PrismaClient; events: SecurityEvents }): AccountSessions {
  const { prisma, events } = deps;

  return {
    async list(userId) {
      return prisma.session.findMany({
        where: { userId, ...liveSessions(new Date()) },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        select: { id: true, createdAt: true, expiresAt: true, absoluteExpiresAt: true, lastActiveAt: true, userAgent: true, ipAddress: true },
      });
    },

    async revoke(userId, sessionId, caller) {
      // A malformed id would be a database error on the uuid column: it names nothing of the user's.
      if (!isUuid(sessionId)) throw new AppError('NOT_FOUND');
      const { count } = await prisma.session.updateMany({
        where: { id: sessionId, userId, ...liveSessions(new Date()) },
        data: { revokedAt: new Date() },
      });
      if (count === 0) throw new AppError('NOT_FOUND');
      await events.record(userId, 'SESSION_REVOKED', caller);
    },

    async revokeOthers(userId, currentSessionId, caller) {
      const count = await revokeSessionsOf(prisma, userId, currentSessionId);
      if (count > 0) await events.record(userId, 'SESSION_REVOKED', caller);
    },

    async logout(userId, sessionId, caller) {
      const { count } = await prisma.session.updateMany({ where: { id: sessionId, userId, revokedAt: null }, data: { revokedAt: new Date() } });
      if (count > 0) await events.record(userId, 'LOGOUT', caller);
    },
  };
}
