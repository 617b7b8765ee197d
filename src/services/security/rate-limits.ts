// Attempt limits on everything that guesses a secret or sends mail, by client address and by
// account. Counters live where every instance sees them: Redis when REDIS_URL is set, else the
// PostgreSQL server; only the embedded single-process default counts in memory.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { AppError } from '../errors.ts';

/** `points` attempts per `seconds`; past that, refused until the window ends. */
export interface RateLimitRule {
  points: number;
  seconds: number;
}

export const RATE_LIMIT_RULES = [
  'signInAccount',
  'signInIp',
  'signUpIp',
  'sendMailEmail',
  'sendMailIp',
  'resetPasswordEmail',
  'resetPasswordIp',
  'deleteUserAccount',
  'deleteUserIp',
  'emailCodeMailAccount',
  'emailCodeMailIp',
  'emailCodeCheckAccount',
  'emailCodeCheckIp',
  'signInDevice',
  'secondFactorAccount',
  'twoFactorPasswordAccount',
  'passkeyIp',
  'providerStartIp',
  'providerFinishIp',
  'adminKey',
  'adminAuthIp',
  'adminMailAccount',
] as const;

export type RateLimitRuleName = (typeof RATE_LIMIT_RULES)[number];

export type RateLimitRules = Record<RateLimitRuleName, RateLimitRule>;

export type RateLimitStore = { kind: 'memory' } | { kind: 'postgres'; pool: pg.Pool } | { kind: 'redis'; client: Redis };

export interface RateLimits {
  /** Counts one attempt; throws RATE_LIMITED (with retryAfter seconds) past the limit. */
  consume(rule: RateLimitRuleName, key: string): Promise<void>;
  /** Forgets the attempts under a key (after a successful sign-in, say). */
  reset(rule: RateLimitRuleName, key: string): Promise<void>;
  /** Throws RATE_LIMITED when the key has used up its attempts, without counting one: for limits that count failures only. */
  check(rule: RateLimitRuleName, key: string): Promise<void>;
}

export const RATE_LIMIT_TABLE = 'rate_limits';

export function createRateLimits(options: { enabled: boolean; rules: RateLimitRules; store: RateLimitStore }): RateLimits {
  if (!options.enabled) return { consume: async () => {}, reset: async () => {}, check: async () => {} };
  const limiters = new Map(
    RATE_LIMIT_RULES.map((name) => [name, createLimiter(name, options.rules[name], options.store)] as const),
  );
  const limiter = (rule: RateLimitRuleName) => limiters.get(rule)!;
  const limited = (msBeforeNext: number) => {
    const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
    return new AppError('RATE_LIMITED', `too many attempts: try again in ${retryAfter} seconds`, { retryAfter });
  };

  return {
    async consume(rule, key) {
      try {
        await limiter(rule).consume(storeKey(key));
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        throw limited(rejection.msBeforeNext);
      }
    },
    async check(rule, key) {
      const state = await limiter(rule).get(storeKey(key));
      if (state && state.consumedPoints >= options.rules[rule].points) throw limited(state.msBeforeNext);
    },
    async reset(rule, key) {
      await limiter(rule).delete(storeKey(key));
    },
  };
}

// Keys are stored hashed: a 254-character email plus the rule's prefix would not fit the
// rate_limits.key column (VARCHAR(255)), and the shared store then holds no addresses in clear.
function storeKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

function createLimiter(name: RateLimitRuleName, rule: RateLimitRule, store: RateLimitStore): RateLimiterAbstract {
  const base = { keyPrefix: name, points: rule.points, duration: rule.seconds };
  switch (store.kind) {
    case 'memory':
      return new RateLimiterMemory(base);
    case 'postgres':
      // The table comes from our migrations; the library's periodic cleanup timer is unref'd.
      return new RateLimiterPostgres({ ...base, storeClient: store.pool, storeType: 'pool', tableName: RATE_LIMIT_TABLE, tableCreated: true });
    case 'redis':
      // If Redis is unreachable, limits still hold per instance rather than not at all.
      return new RateLimiterRedis({ ...base, storeClient: store.client, insuranceLimiter: new RateLimiterMemory(base) });
  }
}

/** The address to count by: IPv4 as is, IPv6 by its /64 (one subscriber's usual allocation). */
export function clientKey(ip: string): string {
  const address = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  if (!address.includes(':')) return address;
  const groups = expandIpv6(address);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : address;
}

function expandIpv6(address: string): string[] | null {
  const [head = '', tail, extra] = address.split('::');
  if (extra !== undefined) return null;
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return null;
  return [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right].map((g) => g.toLowerCase().padStart(4, '0'));
}
