// Operator API keys: made, listed, rotated and revoked by `npm run operator-key` (never through the
// API, so a stolen key cannot mint another), checked by the admin listener on every request. Only
// the SHA-256 of the 256-bit secret is kept: a plain hash suffices for a random secret that long,
// and argon2 per request would only burn CPU. Each check reads the row, so a revocation holds on
// every instance from the next request on.
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { Prisma, type OperatorKey, type PrismaClient } from '../../generated/prisma/client.ts';
import { hasControlCharacters, hasInvisibleCharacters, hasUnpairedSurrogates } from '../input.ts';
import { sha256Hex } from '../security/sha256.ts';

export type OperatorScope = 'read' | 'write';

export interface OperatorKeyView {
  keyId: string;
  name: string;
  scope: OperatorScope;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export type KeyCheck = { ok: true; key: OperatorKeyView } | { ok: false; keyId: string | null };

export interface OperatorKeys {
  create(input: { name: string; scope: OperatorScope; expiresInDays?: number }): Promise<{ token: string; key: OperatorKeyView }>;
  list(): Promise<OperatorKeyView[]>;
  /** New key with the same name and scope; the old one now expires after the grace (default 24 h) unless it expires sooner. Null for an unknown or revoked key id. */
  rotate(keyId: string, graceHours?: number): Promise<{ token: string; key: OperatorKeyView; old: OperatorKeyView } | null>;
  /** Null for an unknown key id; revoking twice keeps the first revokedAt. */
  revoke(keyId: string): Promise<OperatorKeyView | null>;
  /** The raw bearer token (`opk_<keyId>_<secret>`): looked up by key id in the database on every call (so a revocation holds on every instance at once), compared with timingSafeEqual on SHA-256, refused when revoked or expired; moves last_used_at at most once a minute (a conditional UPDATE, not on every request). keyId in a refusal: when the token parsed. */
  authenticate(token: string): Promise<KeyCheck>;
  /** Keys neither revoked nor expired, for the "no operator key" warning at start. */
  liveCount(): Promise<number>;
}

/** A name, scope, lifetime or grace the rules refuse; the message says which and why. */
export class OperatorKeyInputError extends Error {
  override name = 'OperatorKeyInputError';
}

export const OPERATOR_KEY_ID_LENGTH = 10;
export const DEFAULT_ROTATION_GRACE_HOURS = 24;
export const MAX_EXPIRES_IN_DAYS = 3650;
export const MAX_GRACE_HOURS = 8760;
const NAME_MAX = 100;
const KEY_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const KEY_ID_SHAPE = /^[a-z0-9]{10}$/;
const TOKEN_SHAPE = /^opk_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;
/** last_used_at is a hint for operators ("is this key still used?"), not a log: one write a minute is plenty. */
const LAST_USED_RESOLUTION_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
// Compared against when the key id is unknown, so both refusals do the same work.
const NO_HASH = Buffer.alloc(32);

/** The name as stored: NFC, trimmed, 1 to 100 characters, nothing invisible. Throws OperatorKeyInputError. */
export function checkKeyName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (name.length === 0) throw new OperatorKeyInputError('name: must not be empty');
  if ([...name].length > NAME_MAX) throw new OperatorKeyInputError(`name: must be at most ${NAME_MAX} characters`);
  if (hasControlCharacters(name) || hasInvisibleCharacters(name)) throw new OperatorKeyInputError('name: must not contain control or invisible characters');
  if (hasUnpairedSurrogates(name)) throw new OperatorKeyInputError('name: is not valid Unicode text');
  return name;
}

export function isOperatorScope(value: string): value is OperatorScope {
  return value === 'read' || value === 'write';
}

function checkWholeNumber(field: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new OperatorKeyInputError(`${field}: must be a whole number from ${min} to ${max}`);
  return value;
}

/** 10 characters [a-z0-9]; randomInt draws each one without modulo bias. */
function newKeyId(): string {
  let id = '';
  for (let i = 0; i < OPERATOR_KEY_ID_LENGTH; i += 1) id += KEY_ID_ALPHABET[randomInt(KEY_ID_ALPHABET.length)];
  return id;
}

function toView(row: OperatorKey): OperatorKeyView {
  return {
    keyId: row.keyId,
    name: row.name,
    // Anything but "write" in the column grants the lesser scope.
    scope: row.scope === 'write' ? 'write' : 'read',
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

type Tx = Prisma.TransactionClient | PrismaClient;

export function createOperatorKeys(deps: { prisma: PrismaClient; clock?: () => number }): OperatorKeys {
  const { prisma } = deps;
  const now = () => new Date((deps.clock ?? Date.now)());

  /** Inserts a key with a fresh id and secret; the id is drawn again in the unlikely event it is taken. */
  async function insert(db: Tx, data: { name: string; scope: OperatorScope; createdAt: Date; expiresAt: Date | null }) {
    for (let attempt = 1; ; attempt += 1) {
      const keyId = newKeyId();
      const secret = randomBytes(32).toString('base64url');
      try {
        const row = await db.operatorKey.create({ data: { ...data, keyId, secretHash: sha256Hex(secret) } });
        return { token: `opk_${keyId}_${secret}`, key: toView(row) };
      } catch (error) {
        // Inside a transaction a failed statement aborts it, so only a plain client may retry.
        const taken = error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
        if (!taken || attempt >= 3 || db !== prisma) throw error;
      }
    }
  }

  return {
    async create(input) {
      const name = checkKeyName(input.name);
      if (!isOperatorScope(input.scope)) throw new OperatorKeyInputError('scope: must be read or write');
      const createdAt = now();
      const days = input.expiresInDays === undefined ? undefined : checkWholeNumber('expiresInDays', input.expiresInDays, 1, MAX_EXPIRES_IN_DAYS);
      const expiresAt = days === undefined ? null : new Date(createdAt.getTime() + days * DAY_MS);
      return insert(prisma, { name, scope: input.scope, createdAt, expiresAt });
    },

    async list() {
      const rows = await prisma.operatorKey.findMany({ orderBy: [{ createdAt: 'asc' }, { keyId: 'asc' }] });
      return rows.map(toView);
    },

    async rotate(keyId, graceHours = DEFAULT_ROTATION_GRACE_HOURS) {
      const grace = checkWholeNumber('graceHours', graceHours, 0, MAX_GRACE_HOURS);
      if (!KEY_ID_SHAPE.test(keyId)) return null;
      return prisma.$transaction(async (tx) => {
        const old = await tx.operatorKey.findUnique({ where: { keyId } });
        if (!old || old.revokedAt) return null;
        const at = now();
        const graceEnd = new Date(at.getTime() + grace * HOUR_MS);
        const oldExpiresAt = old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd;
        // Conditional on still being live: a revoke that got in first is not undone.
        const { count } = await tx.operatorKey.updateMany({ where: { keyId, revokedAt: null }, data: { expiresAt: oldExpiresAt } });
        if (count === 0) return null;
        // A key made to expire keeps its lifetime: rotating a 90-day key gives another 90-day key.
        const lifetime = old.expiresAt ? old.expiresAt.getTime() - old.createdAt.getTime() : null;
        const fresh = await insert(tx, {
          name: old.name,
          scope: old.scope === 'write' ? 'write' : 'read',
          createdAt: at,
          expiresAt: lifetime === null ? null : new Date(at.getTime() + lifetime),
        });
        return { ...fresh, old: toView({ ...old, expiresAt: oldExpiresAt }) };
      });
    },

    async revoke(keyId) {
      if (!KEY_ID_SHAPE.test(keyId)) return null;
      await prisma.operatorKey.updateMany({ where: { keyId, revokedAt: null }, data: { revokedAt: now() } });
      const row = await prisma.operatorKey.findUnique({ where: { keyId } });
      return row ? toView(row) : null;
    },

    async authenticate(token) {
      const parsed = TOKEN_SHAPE.exec(token);
      if (!parsed) return { ok: false, keyId: null };
      const [, keyId, secret] = parsed as unknown as [string, string, string];
      const row = await prisma.operatorKey.findUnique({ where: { keyId } });
      const stored = row && /^[0-9a-f]{64}$/.test(row.secretHash) ? Buffer.from(row.secretHash, 'hex') : NO_HASH;
      const matches = timingSafeEqual(Buffer.from(sha256Hex(secret), 'hex'), stored) && stored !== NO_HASH;
      const at = now();
      if (!row || !matches || row.revokedAt || (row.expiresAt && row.expiresAt <= at)) return { ok: false, keyId };
      const key = toView(row);
      const staleBefore = new Date(at.getTime() - LAST_USED_RESOLUTION_MS);
      if (!row.lastUsedAt || row.lastUsedAt <= staleBefore) {
        // Conditional, so instances checking the same key in the same minute write once between them.
        const { count } = await prisma.operatorKey.updateMany({
          where: { keyId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: staleBefore } }] },
          data: { lastUsedAt: at },
        });
        if (count > 0) key.lastUsedAt = at;
      }
      return { ok: true, key };
    },

    async liveCount() {
      return prisma.operatorKey.count({ where: { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now() } }] } });
    },
  };
}
