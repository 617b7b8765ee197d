// Pending WebAuthn ceremonies, kept server-side so no cookie has to carry them (native apps and
// Bearer clients make the same calls as browsers). Only hashes are stored: of the challengeId the
// client holds and of the challenge the authenticator signs. The first finish that names a
// challenge deletes it, success or not, so it can never be answered twice.
import { randomBytes } from 'node:crypto';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.ts';
import { sha256Hex } from '../security/sha256.ts';

export type ChallengePurpose = 'registration' | 'sign_in' | 'second_factor';

export interface ChallengeBinding {
  purpose: ChallengePurpose;
  /** The account a registration or a second factor is for. */
  userId?: string;
  /** The session a registration belongs to. */
  sessionId?: string;
  /** The credential ids the options listed; empty: any passkey (usernameless). */
  allowCredentials: string[];
  userVerification: boolean;
}

export interface IssuedChallenge {
  challengeId: string;
  /** 32 random bytes, for the options. */
  challenge: Uint8Array<ArrayBuffer>;
  expiresAt: Date;
}

export interface TakenChallenge extends ChallengeBinding {
  challengeHash: string;
}

export interface PasskeyChallenges {
  /** A new challenge; a registration replaces the session's pending one. */
  issue(binding: ChallengeBinding): Promise<IssuedChallenge>;
  /** Uses the challenge up and returns it, or null if it is unknown, used or expired. */
  take(challengeId: string): Promise<TakenChallenge | null>;
}

// A challengeId is 32 random bytes, base64url: 43 characters. Anything longer is not one of ours.
const MAX_CHALLENGE_ID_LENGTH = 64;

export function createPasskeyChallenges(deps: { prisma: PrismaClient; ttlSeconds: number }): PasskeyChallenges {
  const { prisma, ttlSeconds } = deps;
  return {
    async issue(binding) {
      const challengeId = randomBytes(32).toString('base64url');
      const challenge = new Uint8Array(randomBytes(32));
      const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
      const row = {
        idHash: sha256Hex(challengeId),
        challengeHash: sha256Hex(Buffer.from(challenge).toString('base64url')),
        purpose: binding.purpose,
        userId: binding.userId ?? null,
        sessionId: binding.sessionId ?? null,
        allowCredentials: binding.allowCredentials,
        userVerification: binding.userVerification,
        expiresAt,
      };
      if (binding.purpose === 'registration' && binding.sessionId) {
        await prisma.$transaction([
          prisma.passkeyChallenge.deleteMany({ where: { sessionId: binding.sessionId, purpose: 'registration' } }),
          prisma.passkeyChallenge.create({ data: row }),
        ]);
      } else {
        await prisma.passkeyChallenge.create({ data: row });
      }
      return { challengeId, challenge, expiresAt };
    },

    async take(challengeId) {
      if (challengeId.length > MAX_CHALLENGE_ID_LENGTH) return null;
      let row;
      try {
        // One DELETE … RETURNING: of two finishes racing with one challenge, one gets the row.
        row = await prisma.passkeyChallenge.delete({ where: { idHash: sha256Hex(challengeId) } });
      } catch (error) {
        if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') return null;
        throw error;
      }
      if (row.expiresAt.getTime() <= Date.now()) return null;
      return {
        purpose: row.purpose as ChallengePurpose,
        ...(row.userId ? { userId: row.userId } : {}),
        ...(row.sessionId ? { sessionId: row.sessionId } : {}),
        allowCredentials: row.allowCredentials,
        userVerification: row.userVerification,
        challengeHash: row.challengeHash,
      };
    },
  };
}
