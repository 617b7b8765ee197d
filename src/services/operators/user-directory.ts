// The operator API's `users` and `user`: filtered, keyset-paginated lists of accounts and the exact
// lookups (contract: "Finding users"). Pages seek on an index instead of counting an OFFSET, so a
// walk neither repeats nor skips a user that exists for the whole of it, whatever changes meanwhile.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Prisma, type PrismaClient, type User } from '../../generated/prisma/client.ts';
import { badInput } from '../errors.ts';
import { foldEmail, hasControlCharacters, isUuid, normalizeEmail } from '../input.ts';

export type UserOrder = 'CREATED_AT_DESC' | 'CREATED_AT_ASC' | 'EMAIL_ASC';

export interface UserFilter {
  emailPrefix?: string | null;
  usernamePrefix?: string | null;
  emailVerified?: boolean | null;
  twoFactorEnabled?: boolean | null;
  disabled?: boolean | null;
  hasPassword?: boolean | null;
  legacyPasswordHash?: boolean | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

export interface UserPage {
  nodes: User[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface UserDirectory {
  /** Throws badInput('first'|'after', …) for first outside 1..200 and for a cursor of another order or filter, altered, or not ours. */
  list(args: { first: number; after: string | null; filter: UserFilter; orderBy: UserOrder }): Promise<UserPage>;
  /** The number of users the filter matches (counted only when the client selects totalCount). */
  count(filter: UserFilter): Promise<number>;
  /** A malformed id names no user: null. */
  findById(id: string): Promise<User | null>;
  /** Normalised like signIn's email (a malformed one is BAD_USER_INPUT naming `email`, as there). */
  findByEmail(email: string): Promise<User | null>;
}

export const MAX_PAGE_SIZE = 200;
// A cursor holds at most a 254-character email (up to 4 bytes each); anything longer is not one.
const MAX_CURSOR_LENGTH = 2048;
const MAC_BYTES = 32;
const ORDERS: readonly UserOrder[] = ['CREATED_AT_DESC', 'CREATED_AT_ASC', 'EMAIL_ASC'];

/** The sort key of the last row of a page: where the next page starts. */
type Key = { createdAt: number; id: string } | { email: string };
interface CursorPayload {
  order: UserOrder;
  filter: string;
  key: Key;
}
/** What the keyset query returns of each row: the id to load it by, and its sort key. */
interface KeyRow {
  id: string;
  createdAt: Date;
  email: string;
}

export function createUserDirectory(deps: { prisma: PrismaClient; cursorKey: string }): UserDirectory {
  const { prisma } = deps;
  // A key of its own, so a cursor's MAC can never be mistaken for another use of the same secret.
  const macKey = createHmac('sha256', deps.cursorKey).update('operator-user-cursor/v1').digest();
  const mac = (payload: Buffer) => createHmac('sha256', macKey).update(payload).digest();

  function encodeCursor(payload: CursorPayload): string {
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    return Buffer.concat([mac(body), body]).toString('base64url');
  }

  /** The key to continue from; refuses anything this server did not make for this order and filter. */
  function decodeCursor(after: string, order: UserOrder, filterDigest: string): Key {
    const notOurs = () => badInput('after', 'is not a cursor this server made: use pageInfo.endCursor as it was returned');
    if (after.length > MAX_CURSOR_LENGTH) throw notOurs();
    const bytes = Buffer.from(after, 'base64url');
    // Node skips characters outside the alphabet and ignores a last character's spare bits:
    // only the one canonical spelling of the bytes is accepted, so no changed character slips by.
    if (bytes.length <= MAC_BYTES || bytes.toString('base64url') !== after) throw notOurs();
    const body = bytes.subarray(MAC_BYTES);
    if (!timingSafeEqual(bytes.subarray(0, MAC_BYTES), mac(body))) throw notOurs();
    const payload = parsePayload(body);
    if (!payload) throw notOurs();
    if (payload.order !== order) throw badInput('after', `is a cursor of another order (${payload.order}): start again without it`);
    if (payload.filter !== filterDigest) throw badInput('after', 'is a cursor of another filter: start again without it');
    return payload.key;
  }

  /** Up to `limit` ids and sort keys after the cursor: a seek on an index by the contract's row-value comparison. */
  async function keysAfter(where: Prisma.Sql[], order: UserOrder, after: Key | null, limit: number): Promise<KeyRow[]> {
    const conditions = [...where];
    if (after && 'email' in after) conditions.push(Prisma.sql`email > ${after.email}`);
    if (after && 'id' in after) {
      const at = new Date(after.createdAt).toISOString();
      conditions.push(
        order === 'CREATED_AT_ASC'
          ? Prisma.sql`(created_at, id) > (${at}::timestamptz, ${after.id}::uuid)`
          : Prisma.sql`(created_at, id) < (${at}::timestamptz, ${after.id}::uuid)`,
      );
    }
    // Qualified: a bare `id` here would be the selected text, not the uuid the index and the cursor sort by.
    const orderBy = {
      CREATED_AT_DESC: Prisma.sql`ORDER BY users.created_at DESC, users.id DESC`,
      CREATED_AT_ASC: Prisma.sql`ORDER BY users.created_at ASC, users.id ASC`,
      EMAIL_ASC: Prisma.sql`ORDER BY users.email ASC`,
    }[order];
    return prisma.$queryRaw<KeyRow[]>(
      Prisma.sql`SELECT id::text AS id, created_at AS "createdAt", email
                 FROM users ${whereClause(conditions)} ${orderBy} LIMIT ${limit}`,
    );
  }

  return {
    async list({ first, after, filter, orderBy }) {
      if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw badInput('first', `must be from 1 to ${MAX_PAGE_SIZE}`);
      const normalized = normalizeFilter(filter);
      const digest = filterDigest(normalized);
      const from = after === null ? null : decodeCursor(after, orderBy, digest);
      const keys = await keysAfter(filterConditions(normalized), orderBy, from, first + 1);
      const page = keys.slice(0, first);
      // The full rows in one query, put back in the page's order (a row deleted in between is left out).
      const users = page.length === 0 ? [] : await prisma.user.findMany({ where: { id: { in: page.map((row) => row.id) } } });
      const byId = new Map(users.map((user) => [user.id, user]));
      const last = page.at(-1);
      return {
        nodes: page.flatMap((row) => byId.get(row.id) ?? []),
        hasNextPage: keys.length > first,
        endCursor: last ? encodeCursor({ order: orderBy, filter: digest, key: keyOf(last, orderBy) }) : null,
      };
    },

    async count(filter) {
      const [row] = await prisma.$queryRaw<{ count: number | bigint }[]>(
        Prisma.sql`SELECT count(*)::int AS count FROM users ${whereClause(filterConditions(normalizeFilter(filter)))}`,
      );
      return Number(row?.count ?? 0);
    },

    findById: (id) => (isUuid(id) ? prisma.user.findUnique({ where: { id } }) : Promise.resolve(null)),

    async findByEmail(email) {
      return prisma.user.findUnique({ where: { email: normalizeEmail(email) } });
    },
  };
}

/** The filter as it is applied: prefixes normalised, empty ones dropped, absent values null. */
interface NormalizedFilter {
  emailPrefix: string | null;
  usernamePrefix: string | null;
  emailVerified: boolean | null;
  twoFactorEnabled: boolean | null;
  disabled: boolean | null;
  hasPassword: boolean | null;
  legacyPasswordHash: boolean | null;
  createdAfter: number | null;
  createdBefore: number | null;
}

function normalizeFilter(filter: UserFilter): NormalizedFilter {
  for (const field of ['emailPrefix', 'usernamePrefix'] as const) {
    // PostgreSQL text cannot hold NUL; no address or name holds a control character.
    if (hasControlCharacters(filter[field] ?? '')) throw badInput(field, 'must not contain control characters');
  }
  // As emails are stored (src/services/input.ts), so " Ana@" finds "ana@…"; no shape check, it is a prefix.
  const emailPrefix = foldEmail(filter.emailPrefix ?? '') || null;
  // Stored usernames are NFC; the case is folded by the database's lower(), as in the index.
  const usernamePrefix = filter.usernamePrefix?.normalize('NFC') || null;
  return {
    emailPrefix,
    usernamePrefix,
    emailVerified: filter.emailVerified ?? null,
    twoFactorEnabled: filter.twoFactorEnabled ?? null,
    disabled: filter.disabled ?? null,
    hasPassword: filter.hasPassword ?? null,
    legacyPasswordHash: filter.legacyPasswordHash ?? null,
    createdAfter: filterDate(filter.createdAfter, 'createdAfter'),
    createdBefore: filterDate(filter.createdBefore, 'createdBefore'),
  };
}

/** Milliseconds, for a date PostgreSQL can compare (it has no year 0 or before). */
function filterDate(date: Date | null | undefined, field: string): number | null {
  if (date == null) return null;
  if (date.getUTCFullYear() < 1) throw badInput(field, 'must be in year 1 or later');
  return date.getTime();
}

/** Equal for filters that select the same users the same way, whatever spelling the client used. */
function filterDigest(filter: NormalizedFilter): string {
  return createHash('sha256').update(JSON.stringify(filter)).digest('base64url').slice(0, 22);
}

/** `%`, `_` and the escape character itself match only themselves (LIKE's default escape is `\`). */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, '\\$&')}%`;
}

/** One condition per filter set; the caller ANDs them. Inputs only ever travel as parameters. */
function filterConditions(filter: NormalizedFilter): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  const when = (value: boolean | null, condition: Prisma.Sql) => {
    if (value !== null) conditions.push(value ? condition : Prisma.sql`NOT (${condition})`);
  };
  // Both prefixes keep the pattern's leading characters fixed, so the text_pattern_ops indexes answer them.
  if (filter.emailPrefix !== null) conditions.push(Prisma.sql`email LIKE ${likePrefix(filter.emailPrefix)}`);
  if (filter.usernamePrefix !== null) conditions.push(Prisma.sql`lower(username) LIKE lower(${likePrefix(filter.usernamePrefix)})`);
  when(filter.emailVerified, Prisma.sql`email_verified`);
  // A pending setup (enabled_at still null) is not two-factor (prisma/schema.prisma, TwoFactorCredential).
  when(
    filter.twoFactorEnabled,
    Prisma.sql`EXISTS (SELECT 1 FROM two_factor_credentials t WHERE t.user_id = users.id AND t.enabled_at IS NOT NULL)`,
  );
  // By the database's clock, as isDisabled (src/services/account-disabled.ts) is by the server's.
  when(filter.disabled, Prisma.sql`(disabled_at IS NOT NULL AND (disabled_until IS NULL OR disabled_until > now()))`);
  when(filter.hasPassword, Prisma.sql`password_hash IS NOT NULL`);
  // Anything but the product's own argon2id: an imported hash, rehashed at the next sign-in.
  when(filter.legacyPasswordHash, Prisma.sql`(password_hash IS NOT NULL AND password_hash NOT LIKE ${'$argon2id$%'})`);
  if (filter.createdAfter !== null) conditions.push(Prisma.sql`created_at > ${new Date(filter.createdAfter).toISOString()}::timestamptz`);
  if (filter.createdBefore !== null) conditions.push(Prisma.sql`created_at < ${new Date(filter.createdBefore).toISOString()}::timestamptz`);
  return conditions;
}

function whereClause(conditions: Prisma.Sql[]): Prisma.Sql {
  return conditions.length === 0 ? Prisma.empty : Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}`;
}

function keyOf(row: KeyRow, order: UserOrder): Key {
  return order === 'EMAIL_ASC' ? { email: row.email } : { createdAt: row.createdAt.getTime(), id: row.id };
}

/** The payload of a cursor whose MAC held; still checked, since an older version may have made it. */
function parsePayload(body: Buffer): CursorPayload | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { order, filter, key } = value as Record<string, unknown>;
  if (!ORDERS.includes(order as UserOrder) || typeof filter !== 'string' || typeof key !== 'object' || key === null) return null;
  const { createdAt, id, email } = key as Record<string, unknown>;
  if (order === 'EMAIL_ASC') return typeof email === 'string' ? { order, filter, key: { email } } : null;
  if (!Number.isSafeInteger(createdAt) || typeof id !== 'string' || !isUuid(id)) return null;
  return { order: order as UserOrder, filter, key: { createdAt: createdAt as number, id } };
}
