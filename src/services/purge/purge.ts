// Runs the purge rules in one transaction under a PostgreSQL advisory try-lock: when several
// instances (or `npm run purge`) start a purge at once, one does the work and the others skip it
// instead of queueing to delete the same rows.
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { PurgeRule } from './rules.ts';

/** Rows deleted per rule, or `skipped` when another purge held the lock. */
export type PurgeResult = { skipped: true } | { skipped: false; deleted: Record<string, number> };

export interface Purger {
  run(now?: Date): Promise<PurgeResult>;
}

// Any constant that no other advisory lock of ours uses (the migrator uses Prisma's 72707369).
const PURGE_LOCK_KEY = 4_711_000_001;

export function createPurger(deps: { prisma: PrismaClient; rules: PurgeRule[] }): Purger {
  const { prisma, rules } = deps;
  return {
    run: (now = new Date()) =>
      prisma.$transaction(
        async (tx): Promise<PurgeResult> => {
          // Transaction-scoped: released at commit or rollback, never left on a pooled connection.
          const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${PURGE_LOCK_KEY}::bigint) AS locked`;
          if (!lock?.locked) return { skipped: true };
          const deleted: Record<string, number> = {};
          for (const rule of rules) deleted[rule.name] = await rule.purge(tx, now);
          return { skipped: false, deleted };
        },
        // Large backlogs take a while; the default 5 s would abort a first purge of a busy table.
        { timeout: 120_000, maxWait: 10_000 },
      ),
  };
}

/** "3 sessions, 1 one-time codes, 0 security events, 0 rate-limit counters". */
export function describePurge(deleted: Record<string, number>): string {
  return Object.entries(deleted)
    .map(([name, count]) => `${count} ${name}`)
    .join(', ');
}
