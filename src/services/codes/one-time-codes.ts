// Short numeric codes sent by mail, for every purpose alike: password reset, email verification,
// email change. One live code per user and purpose (a new one replaces the old), stored only as
// HMAC-SHA256 keyed with a key derived from the server secret (a plain hash of a 6-digit code falls
// to a million guesses offline), expiring, single-use, dead after a few wrong tries.
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import { AppError } from '../errors.ts';

export const CODE_PURPOSES = ['password_reset', 'email_verification', 'email_change'] as const;

export type CodePurpose = (typeof CODE_PURPOSES)[number];

export interface CodePolicy {
  digits: number;
  ttlSeconds: number;
  maxAttempts: number;
}

/** Whose code is tried: the signed-in user's, or (password reset) the account of an email. */
export type CodeOwner = { userId: string } | { email: string };

/** A code found right, not yet consumed. */
export interface MatchedCode {
  userId: string;
  purpose: CodePurpose;
  /** The address the code was mailed to: for an email change, the address it switches to. */
  email: string | null;
  codeHash: string;
}

/** Names one issued code without holding it: what a code mail in the outbox refers to (src/services/mail/mail-outbox.ts). */
export interface CodeRef {
  userId: string;
  purpose: CodePurpose;
  codeHash: string;
}

/** A code just issued, and the reference its mail carries. */
export interface IssuedCode {
  code: string;
  ref: CodeRef;
}

export interface OneTimeCodes {
  /**
   * A new code for the user and purpose, to be mailed to `email`, replacing any earlier one; in `tx`,
   * with its mail. `ttlSeconds` overrides the purpose's lifetime for this one code (an invitation).
   */
  issue(tx: Prisma.TransactionClient, userId: string, purpose: CodePurpose, email: string, options?: { ttlSeconds?: number }): Promise<IssuedCode>;
  /** Whether the code can still be used (not spent, replaced, expired or out of tries): its mail is dropped otherwise. */
  isLive(ref: CodeRef): Promise<boolean>;
  /**
   * Spends one attempt on the owner's live code and compares. INVALID_CODE for a malformed, wrong,
   * used, expired or exhausted code, and for an owner with none.
   */
  check(owner: CodeOwner, purpose: CodePurpose, code: string): Promise<MatchedCode>;
  /** Deletes the matched code in `tx`; INVALID_CODE if another request consumed it first. */
  consume(tx: Prisma.TransactionClient, matched: MatchedCode): Promise<void>;
  /** check, then consume and `apply` in one transaction: the change happens only with the code spent. */
  redeem<T>(owner: CodeOwner, purpose: CodePurpose, code: string, apply: (tx: Prisma.TransactionClient, matched: MatchedCode) => Promise<T>): Promise<T>;
  /** Forgets the user's code of `purpose`, or every code of the user (after an address change, codes mailed before must die). */
  discard(tx: Prisma.TransactionClient, userId: string, purpose?: CodePurpose): Promise<void>;
  policy(purpose: CodePurpose): CodePolicy;
}

export function createOneTimeCodes(deps: {
  prisma: PrismaClient;
  secret: string;
  policies: Record<CodePurpose, CodePolicy>;
}): OneTimeCodes {
  const { prisma, policies } = deps;
  // A key of its own per purpose, derived from the server secret: a leaked code hash says nothing
  // about JWTs, and a code of one purpose never matches another's row. The reset label is the one
  // used before codes had purposes, so reset codes mailed before an upgrade stay valid.
  const keys = new Map(
    CODE_PURPOSES.map((purpose) => [purpose, createHmac('sha256', deps.secret).update(`${purpose.replace('_', '-')}-code/v1`).digest()]),
  );
  const hash = (purpose: CodePurpose, userId: string, code: string) =>
    createHmac('sha256', keys.get(purpose)!).update(`${userId}:${code}`).digest('hex');
  const shapes = new Map(CODE_PURPOSES.map((purpose) => [purpose, new RegExp(`^\\d{${policies[purpose].digits}}$`)]));

  function matches(purpose: CodePurpose, userId: string, code: string, storedHash: string): boolean {
    const expected = Buffer.from(storedHash, 'hex');
    const actual = Buffer.from(hash(purpose, userId, code), 'hex');
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  async function check(owner: CodeOwner, purpose: CodePurpose, code: string): Promise<MatchedCode> {
    // Malformed input costs no attempt and no query.
    if (!shapes.get(purpose)!.test(code)) throw new AppError('INVALID_CODE');
    const ownerFilter = 'userId' in owner ? { userId: owner.userId } : { user: { is: { email: owner.email } } };
    // Spend an attempt before comparing, atomically: parallel guesses cannot share one attempt.
    // The same single query runs for an owner without a code, so it answers in the same time.
    const [record] = await prisma.oneTimeCode.updateManyAndReturn({
      where: { ...ownerFilter, purpose, attempts: { lt: policies[purpose].maxAttempts }, expiresAt: { gt: new Date() } },
      data: { attempts: { increment: 1 } },
    });
    if (!record || !matches(purpose, record.userId, code, record.codeHash)) throw new AppError('INVALID_CODE');
    return { userId: record.userId, purpose, email: record.email, codeHash: record.codeHash };
  }

  // Consuming the code decides races: of two requests with the right code, one wins.
  async function consume(tx: Prisma.TransactionClient, { userId, purpose, codeHash }: MatchedCode): Promise<void> {
    const { count } = await tx.oneTimeCode.deleteMany({ where: { userId, purpose, codeHash } });
    if (count === 0) throw new AppError('INVALID_CODE');
  }

  return {
    async issue(tx, userId, purpose, email, options = {}) {
      const { digits } = policies[purpose];
      const ttlSeconds = options.ttlSeconds ?? policies[purpose].ttlSeconds;
      const code = randomInt(0, 10 ** digits).toString().padStart(digits, '0');
      const codeHash = hash(purpose, userId, code);
      const record = {
        codeHash,
        email,
        expiresAt: new Date(Date.now() + ttlSeconds * 1000),
        attempts: 0,
        createdAt: new Date(),
      };
      await tx.oneTimeCode.upsert({
        where: { userId_purpose: { userId, purpose } },
        create: { userId, purpose, ...record },
        update: record,
      });
      return { code, ref: { userId, purpose, codeHash } };
    },

    async isLive({ userId, purpose, codeHash }) {
      const live = await prisma.oneTimeCode.count({
        where: { userId, purpose, codeHash, expiresAt: { gt: new Date() }, attempts: { lt: policies[purpose].maxAttempts } },
      });
      return live > 0;
    },

    check,
    consume,

    async redeem(owner, purpose, code, apply) {
      const matched = await check(owner, purpose, code);
      return prisma.$transaction(async (tx) => {
        await consume(tx, matched);
        return apply(tx, matched);
      });
    },

    async discard(tx, userId, purpose) {
      await tx.oneTimeCode.deleteMany({ where: { userId, ...(purpose ? { purpose } : {}) } });
    },

    policy: (purpose) => policies[purpose],
  };
}
