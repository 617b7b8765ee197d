// Devices (OWASP's "device cookie"): every successful signUp and signIn leaves the browser a random
// token that the server knows only as a SHA-256 hash, tied to the user. It grants nothing by itself;
// it lets sign-in attempts from the owner's own browser be counted apart from everyone else's
// (see sign-in-attempts.ts). Rows go with their user (ON DELETE CASCADE), so deleteUser forgets them.
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { sha256Hex } from './sha256.ts';

/** The cookie's lifetime; a device not seen for this long is forgotten. */
export const DEVICE_LIFETIME_SECONDS = 365 * 24 * 60 * 60;
/** The most recently used devices kept per account: script sign-ins without cookies cannot pile up rows. */
export const DEVICES_KEPT_PER_USER = 20;

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface Devices {
  /** The device's id when `token` is known for the account with this (normalised) email; else null. */
  knownFor(email: string, token: string | null): Promise<string | null>;
  /** After a successful sign-in: the token the browser keeps, its own when the server issued it, else a new one. */
  remember(userId: string, token: string | null): Promise<string>;
}

export function createDevices(deps: { prisma: PrismaClient; clock?: () => number }): Devices {
  const { prisma } = deps;
  const now = () => new Date((deps.clock ?? Date.now)());
  const hash = sha256Hex;
  const wellFormed = (token: string | null): token is string => token !== null && TOKEN_SHAPE.test(token);
  const freshSince = () => new Date(now().getTime() - DEVICE_LIFETIME_SECONDS * 1000);

  return {
    async knownFor(email, token) {
      if (!wellFormed(token)) return null;
      const device = await prisma.device.findFirst({
        where: { tokenHash: hash(token), user: { is: { email } }, lastUsedAt: { gt: freshSince() } },
        select: { id: true },
      });
      return device?.id ?? null;
    },

    async remember(userId, presented) {
      // A token is kept only if this server issued it (known for some account: a shared computer),
      // never one a client made up; otherwise the browser gets a new one.
      const known = wellFormed(presented) && (await prisma.device.count({ where: { tokenHash: hash(presented) } })) > 0;
      const token = known ? presented : randomBytes(32).toString('base64url');
      const tokenHash = hash(token);
      const lastUsedAt = now();
      await prisma.device.upsert({
        where: { tokenHash_userId: { tokenHash, userId } },
        create: { userId, tokenHash, lastUsedAt },
        update: { lastUsedAt },
      });
      const stale = await prisma.device.findMany({
        where: { userId },
        orderBy: { lastUsedAt: 'desc' },
        skip: DEVICES_KEPT_PER_USER,
        select: { id: true },
      });
      if (stale.length > 0) await prisma.device.deleteMany({ where: { id: { in: stale.map((d) => d.id) } } });
      return token;
    },
  };
}
