// Server-side sessions: one row per sign-in, with a sliding idle expiry and an absolute cap.
// A token is accepted only while its row exists, is not revoked and has not expired, so logout
// takes effect at once on every instance.
import type { PrismaClient, User } from '../generated/prisma/client.ts';
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
  start(userId: string): Promise<IssuedSession>;
  /** Verifies the token and its row, slides the idle expiry, and mints a fresh token; null if invalid. */
  resume(token: string): Promise<ResumedSession | null>;
  revoke(sessionId: string): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createSessionService(deps: {
  prisma: PrismaClient;
  tokens: TokenSigner;
  config: SessionConfig;
}): SessionService {
  const { prisma, tokens, config } = deps;
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
      session: { id: row.id, createdAt: row.createdAt, absoluteExpiresAt: row.absoluteExpiresAt, expiresAt },
    };
  }

  // JWT exp has whole seconds, so the idle expiry is floored to the second it will carry.
  function tokenExpiry(now: number, absoluteExpiresAt: Date): Date {
    const ms = Math.min(now + idleMs, absoluteExpiresAt.getTime());
    return new Date(Math.floor(ms / 1000) * 1000);
  }

  return {
    async start(userId) {
      const now = Date.now();
      const absoluteExpiresAt = new Date(now + config.absoluteSeconds * 1000);
      const row = await prisma.session.create({
        data: {
          userId,
          absoluteExpiresAt,
          expiresAt: new Date(Math.min(now + idleMs + writeAheadMs, absoluteExpiresAt.getTime())),
        },
      });
      return issue(userId, row, now);
    },

    async resume(token) {
      const claims = tokens.verify(token);
      if (!claims || !UUID.test(claims.sessionId) || !UUID.test(claims.userId)) return null;
      const row = await findSessionWithUser(prisma, claims.sessionId);
      const now = Date.now();
      if (
        !row ||
        row.userId !== claims.userId ||
        row.revokedAt ||
        row.expiresAt.getTime() <= now ||
        row.absoluteExpiresAt.getTime() <= now
      ) {
        return null;
      }
      const issued = issue(row.userId, { id: claims.sessionId, createdAt: row.createdAt, absoluteExpiresAt: row.absoluteExpiresAt }, now);
      if (issued.session.expiresAt > row.expiresAt) {
        const ahead = Math.min(issued.session.expiresAt.getTime() + writeAheadMs, row.absoluteExpiresAt.getTime());
        // Conditional, so a refresh racing a logout cannot bring the session back.
        const { count } = await prisma.session.updateMany({
          where: { id: claims.sessionId, revokedAt: null },
          data: { expiresAt: new Date(ahead) },
        });
        if (count === 0) return null;
      }
      return { ...issued, user: row.user };
    },

    async revoke(sessionId) {
      await prisma.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
    },
  };
}
