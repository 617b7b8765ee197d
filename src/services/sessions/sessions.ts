// Server-side sessions: one row per sign-in, with a sliding idle expiry and an absolute cap.
// A token is accepted only while its row exists, is not revoked and has not expired, so logout
// takes effect at once on every instance.
import type { SqlClient } from '../../db/open-database.ts';
import type { PrismaClient, User } from '../../generated/prisma/client.ts';
import type { Caller } from '../caller.ts';
import { isUuid } from '../input.ts';
import { isDisabled } from '../account-disabled.ts';
import { findSessionWithUser } from './session-lookup.ts';
import type { TokenSigner } from './tokens.ts';

export interface SessionConfig {
  idleSeconds: number;
  absoluteSeconds: number;
}

/** What clients see of a session; `expiresAt` is the current token's idle expiry. */
export interface SessionView {
  id: string;
  createdAt: Date;
  expiresAt: Date;
  absoluteExpiresAt: Date;
  /** Approximate: moved only with the row's expiry, about once a minute. */
  lastActiveAt: Date;
  userAgent: string | null;
  ipAddress: string | null;
}

export interface IssuedSession {
  token: string;
  /** The token's own lifetime, exp - iat: the idle timeout, or less near the absolute cap. */
  lifetimeSeconds: number;
  session: SessionView;
}

export interface ResumedSession extends IssuedSession {
  user: User;
}

export interface SessionService {
  /** A new session for the user, remembering the caller's address and user agent, and the passkey or identity that signed it in, if one did. */
  start(userId: string, caller: Caller, signedInWith?: { passkeyId?: string | undefined; identityId?: string | undefined }): Promise<IssuedSession>;
  /** Verifies the token and its row, slides the idle expiry, and mints a fresh token; null if invalid. */
  resume(token: string): Promise<ResumedSession | null>;
  revoke(sessionId: string): Promise<void>;
}

function viewOf(row: Omit<SessionView, 'expiresAt'>): Omit<SessionView, 'expiresAt'> {
  const { id, createdAt, absoluteExpiresAt, lastActiveAt, userAgent, ipAddress } = row;
  return { id, createdAt, absoluteExpiresAt, lastActiveAt, userAgent, ipAddress };
}

export function createSessionService(deps: {
  prisma: PrismaClient;
  sql: SqlClient;
  tokens: TokenSigner;
  config: SessionConfig;
}): SessionService {
  const { prisma, sql, tokens, config } = deps;
  const idleMs = config.idleSeconds * 1000;
  // The row's expires_at is kept ahead of every token's exp by up to this much, so an active
  // session writes its row about once a minute instead of on every request. The token's exp
  // enforces the exact idle timeout; the row bounds it and lets expired rows be found.
  const writeAheadMs = Math.min(60_000, Math.max(1_000, idleMs / 10));

  function issue(userId: string, row: Omit<SessionView, 'expiresAt'>, now: number): IssuedSession {
    const expiresAt = tokenExpiry(now, row.absoluteExpiresAt);
    const issuedAt = new Date(Math.floor(now / 1000) * 1000);
    return {
      token: tokens.sign(userId, row.id, issuedAt, expiresAt),
      lifetimeSeconds: (expiresAt.getTime() - issuedAt.getTime()) / 1000,
      session: { ...row, expiresAt },
    };
  }

  // JWT exp has whole seconds, so the idle expiry is floored to the second it will carry.
  function tokenExpiry(now: number, absoluteExpiresAt: Date): Date {
    const ms = Math.min(now + idleMs, absoluteExpiresAt.getTime());
    return new Date(Math.floor(ms / 1000) * 1000);
  }

  return {
    async start(userId, caller, signedInWith = {}) {
      const now = Date.now();
      const absoluteExpiresAt = new Date(now + config.absoluteSeconds * 1000);
      const row = await prisma.session.create({
        data: {
          userId,
          passkeyId: signedInWith.passkeyId ?? null,
          identityId: signedInWith.identityId ?? null,
          userAgent: caller.userAgent,
          ipAddress: caller.ip.slice(0, 64),
          absoluteExpiresAt,
          expiresAt: new Date(Math.min(now + idleMs + writeAheadMs, absoluteExpiresAt.getTime())),
        },
      });
      return issue(userId, viewOf(row), now);
    },

    async resume(token) {
      const claims = tokens.verify(token);
      if (!claims || !isUuid(claims.sessionId) || !isUuid(claims.userId)) return null;
      const found = await findSessionWithUser(sql, claims.sessionId);
      const now = Date.now();
      if (
        !found ||
        found.userId !== claims.userId ||
        found.revokedAt ||
        found.expiresAt.getTime() <= now ||
        found.absoluteExpiresAt.getTime() <= now ||
        // Read by the same join: a disabled account's tokens are refused at once, at no extra query.
        isDisabled(found.user, now)
      ) {
        return null;
      }
      const { user, ...row } = found;
      const issued = issue(row.userId, viewOf(row), now);
      if (issued.session.expiresAt > row.expiresAt) {
        const ahead = Math.min(issued.session.expiresAt.getTime() + writeAheadMs, row.absoluteExpiresAt.getTime());
        // Conditional, so a refresh racing a logout cannot bring the session back. lastActiveAt
        // rides on this write: activity is known to the minute without a write per request.
        const lastActiveAt = new Date(now);
        const { count } = await prisma.session.updateMany({
          where: { id: row.id, revokedAt: null },
          data: { expiresAt: new Date(ahead), lastActiveAt },
        });
        if (count === 0) return null;
        issued.session.lastActiveAt = lastActiveAt;
      }
      return { ...issued, user };
    },

    async revoke(sessionId) {
      await prisma.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
    },
  };
}
