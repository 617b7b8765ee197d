// What the purge deletes, one small rule per kind of dead row. Every rule is an idempotent delete
// of rows that no request can use any more, so two runs at once, or a run racing a request, are
// harmless. To purge something new, add a rule here (and a test in tests/purge.test.ts).
import type { Prisma } from '../../generated/prisma/client.ts';
import { DEVICE_LIFETIME_SECONDS } from '../security/devices.ts';

export interface PurgeRule {
  /** Names the rule in logs and in `npm run purge`'s report. */
  name: string;
  /** Deletes the rule's dead rows as of `now`; resolves to how many went. */
  purge(db: Prisma.TransactionClient, now: Date): Promise<number>;
}

export interface PurgeRuleConfig {
  /** Every one-time code purpose has the reset code's number of tries. */
  resetCode: { maxAttempts: number };
  securityEvents: { retentionDays: number };
}

export function createPurgeRules(config: PurgeRuleConfig): PurgeRule[] {
  return [
    {
      // A session row is kept, revoked or idle-expired, until its absolute expiry: until then a
      // token of it may still be presented and the row tells why it is refused. Past it, no token
      // of the session can be valid whatever the row says (exp never passes the cap).
      name: 'sessions',
      purge: async (db, now) => (await db.session.deleteMany({ where: { absoluteExpiresAt: { lt: now } } })).count,
    },
    {
      // Reset, verification and email-change codes: a used code is deleted when it is spent;
      // expired ones and ones killed by wrong tries remain.
      name: 'one-time codes',
      purge: async (db, now) =>
        (
          await db.oneTimeCode.deleteMany({
            where: { OR: [{ expiresAt: { lt: now } }, { attempts: { gte: config.resetCode.maxAttempts } }] },
          })
        ).count,
    },
    {
      // Past the retention window an event is neither shown nor counted as having seen a sign-in.
      name: 'security events',
      purge: async (db, now) =>
        (await db.securityEvent.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - config.securityEvents.retentionDays * 86_400_000) } } }))
          .count,
    },
    {
      // A browser not seen for the device cookie's lifetime has lost the cookie, and sign-in no
      // longer recognises it (src/services/security/devices.ts).
      name: 'devices',
      purge: async (db, now) => (await db.device.deleteMany({ where: { lastUsedAt: { lt: new Date(now.getTime() - DEVICE_LIFETIME_SECONDS * 1000) } } })).count,
    },
    {
      // Passkey challenges nobody finished: past their expiry a finish answers INVALID_CHALLENGE anyway.
      name: 'passkey challenges',
      purge: async (db, now) => (await db.passkeyChallenge.deleteMany({ where: { expiresAt: { lt: now } } })).count,
    },
    {
      // Provider sign-ins nobody finished: past their expiry, whatever their stage, they answer INVALID_STATE anyway.
      name: 'provider flows',
      purge: async (db, now) => (await db.providerFlow.deleteMany({ where: { expiresAt: { lt: now } } })).count,
    },
    {
      // Counters in PostgreSQL (rate-limiter-flexible's table): `expire` is epoch milliseconds,
      // null for a counter that never expires (not used by our rules, so never purged).
      name: 'rate-limit counters',
      purge: async (db, now) => (await db.rateLimit.deleteMany({ where: { expire: { lt: BigInt(now.getTime()) } } })).count,
    },
  ];
}
