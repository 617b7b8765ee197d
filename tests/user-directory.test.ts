// The operator API's user directory at service level, on a real database: keyset walks that neither
// repeat nor skip a user while others come and go, every filter alone and combined, literal prefixes,
// the disabled state by the clock, and cursors refused when they belong to another query or to nobody.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/open-database.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';
import { AppError } from '../src/services/errors.ts';
import { createUserDirectory, type UserDirectory, type UserFilter, type UserOrder } from '../src/services/operators/user-directory.ts';
import { createTestDatabase, type TestDatabase } from './support/test-database.ts';

const CURSOR_KEY = 'user-directory-test-key-0123456789';
const ORDERS: UserOrder[] = ['CREATED_AT_DESC', 'CREATED_AT_ASC', 'EMAIL_ASC'];
const ARGON2ID = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
const BCRYPT = '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy';
const ARGON2I = '$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
const DJANGO = 'pbkdf2_sha256$600000$salt$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=';
const DAY = 86_400_000;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

let testDatabase: TestDatabase;
let database: Database;
let prisma: PrismaClient;
let directory: UserDirectory;

beforeAll(async () => {
  testDatabase = await createTestDatabase();
  database = await testDatabase.open();
  prisma = database.prisma;
  directory = createUserDirectory({ prisma, cursorKey: CURSOR_KEY });
});

afterAll(async () => {
  await database?.close();
  await testDatabase?.drop();
});

// Every list below is of the whole table: each test starts from none.
beforeEach(async () => {
  await prisma.user.deleteMany();
});

interface Row {
  id: string;
  email: string;
  createdAt: Date;
}

/** Users with the given emails and creation times (ties on purpose); ids made here, so known. */
async function addUsers(users: { email: string; createdAt: Date; username?: string }[]): Promise<Row[]> {
  const rows = users.map((user) => ({ id: randomUUID(), username: user.username ?? user.email.split('@')[0]!, passwordHash: ARGON2ID, ...user }));
  await prisma.user.createMany({ data: rows });
  return rows;
}

/** The order the contract promises: created_at then id (uuid order is its lower-case hex order), or email. */
function sorted(rows: Row[], order: UserOrder): string[] {
  const compare = (a: Row, b: Row): number => {
    if (order === 'EMAIL_ASC') return a.email < b.email ? -1 : 1;
    const byKey = a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1);
    return order === 'CREATED_AT_ASC' ? byKey : -byKey;
  };
  return [...rows].sort(compare).map((row) => row.id);
}

/** Follows endCursor to the last page; `between` runs after each page but the last. */
async function walk(args: { first: number; orderBy: UserOrder; filter?: UserFilter }, between?: () => Promise<void>): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await directory.list({ first: args.first, after, filter: args.filter ?? {}, orderBy: args.orderBy });
    ids.push(...page.nodes.map((user) => user.id));
    if (!page.hasNextPage) return ids;
    expect(page.nodes).toHaveLength(args.first);
    expect(page.endCursor).toEqual(expect.any(String));
    after = page.endCursor;
    await between?.();
  }
  throw new Error('the walk never ended');
}

/** The error a refused call rejects with. */
async function refusal(call: Promise<unknown>): Promise<AppError> {
  const error = await call.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function expectBadInput(call: Promise<unknown>, field: string): Promise<void> {
  const error = await refusal(call);
  expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  expect(error.message.startsWith(`${field}: `)).toBe(true);
}

/** A small deterministic generator, so a failing interleaving can be run again. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const letters = (random: () => number, length: number) =>
  Array.from({ length }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join('');

describe('walking the directory', () => {
  it('gives every user exactly once, in the order asked, whatever the page size, with many users created in the same millisecond', async () => {
    const random = seeded(1);
    // Four instants shared by most users, one millisecond apart or a day apart, and some users of their own.
    const instants = [Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 1, Date.UTC(2026, 0, 2), Date.UTC(2026, 0, 3)];
    const rows = await addUsers(
      Array.from({ length: 45 }, (_, i) => ({
        email: `${letters(random, 6)}${String(i).padStart(2, '0')}@example.com`,
        createdAt: new Date(i < 36 ? instants[i % 4]! : Date.UTC(2025, 5, i)),
      })),
    );
    for (const orderBy of ORDERS) {
      // 9 divides 45: the last page is full and still says there is no next one.
      for (const first of [1, 7, 9, 200]) {
        expect(await walk({ first, orderBy }), `${orderBy} by ${first}`).toEqual(sorted(rows, orderBy));
      }
    }
  });

  it('an empty directory is one empty page without a cursor', async () => {
    expect(await directory.list({ first: 50, after: null, filter: {}, orderBy: 'CREATED_AT_DESC' })).toEqual({
      nodes: [],
      hasNextPage: false,
      endCursor: null,
    });
  });

  it('returns every user present for the whole walk exactly once while others are inserted and deleted between pages', async () => {
    for (const [index, orderBy] of ORDERS.entries()) {
      await prisma.user.deleteMany();
      const random = seeded(100 + index);
      // Three instants shared by everyone, so new users land inside the tie the cursor is in.
      const instants = [Date.UTC(2026, 2, 1), Date.UTC(2026, 2, 1) + 1, Date.UTC(2026, 2, 5)];
      const user = () => ({ email: `${letters(random, 8)}@example.com`, createdAt: new Date(instants[Math.floor(random() * 3)]!) });
      const initial = await addUsers(Array.from({ length: 80 }, user));
      const present = new Map(initial.map((row) => [row.id, row]));
      const created = new Map(present);
      const deleted = new Set<string>();

      const ids = await walk({ first: 6, orderBy }, async () => {
        // Two users go (some already listed, some not yet), three arrive anywhere in the order.
        for (let i = 0; i < 2; i++) {
          const victims = [...present.keys()];
          const victim = victims[Math.floor(random() * victims.length)]!;
          await prisma.user.delete({ where: { id: victim } });
          present.delete(victim);
          deleted.add(victim);
        }
        for (const row of await addUsers([user(), user(), user()])) {
          present.set(row.id, row);
          created.set(row.id, row);
        }
      });

      expect(new Set(ids).size, `${orderBy}: nobody twice`).toBe(ids.length);
      const stayed = initial.filter((row) => !deleted.has(row.id)).map((row) => row.id);
      expect(stayed.length).toBeGreaterThan(30);
      expect(ids, `${orderBy}: nobody skipped`).toEqual(expect.arrayContaining(stayed));
      // And what came back came back in order (users added meanwhile included).
      expect(ids).toEqual(sorted(ids.map((id) => created.get(id)!), orderBy));
    }
  });
});

describe('filters', () => {
  const at = (day: number) => new Date(Date.UTC(2026, 3, day, 12));
  const past = new Date(Date.now() - 30 * DAY);
  // One user per situation; the expected sets below are written out by hand from this table.
  const people = {
    ana: { email: 'ana@example.com', username: 'Ana', emailVerified: true, passwordHash: ARGON2ID, twoFactor: 'enabled' },
    bob: { email: 'bob@example.com', username: 'Bob', passwordHash: BCRYPT },
    cy: { email: 'cy@example.org', username: 'Cy', emailVerified: true, passwordHash: null },
    dee: { email: 'dee@example.com', username: 'Dee', passwordHash: ARGON2ID, disabledAt: past, disabledUntil: null },
    // Disabled until a moment that has passed: enabled again by the clock alone.
    eve: { email: 'eve@example.com', username: 'Eve', passwordHash: ARGON2I, disabledAt: past, disabledUntil: new Date(Date.now() - 60_000) },
    fay: { email: 'fay@example.net', username: 'Fay', passwordHash: DJANGO, disabledAt: past, disabledUntil: new Date(Date.now() + DAY), twoFactor: 'pending' },
    // A setup never finished is not two-factor.
    gus: { email: 'gus@example.com', username: 'Gus', emailVerified: true, passwordHash: ARGON2ID, twoFactor: 'pending' },
    hal: { email: 'hal@example.com', username: 'Hal', passwordHash: null, disabledAt: past, disabledUntil: null, twoFactor: 'enabled' },
  } as const;
  type Name = keyof typeof people;
  const everyone = Object.keys(people) as Name[];

  /** Creates the table above; resolves to the ids by name. */
  async function seedPeople(): Promise<Record<Name, string>> {
    const ids = {} as Record<Name, string>;
    for (const [index, name] of everyone.entries()) {
      const { twoFactor, ...data } = { twoFactor: undefined, ...people[name] };
      const user = await prisma.user.create({ data: { ...data, createdAt: at(index + 1) } });
      if (twoFactor) await prisma.twoFactorCredential.create({ data: { userId: user.id, secretEncrypted: 'sealed', enabledAt: twoFactor === 'enabled' ? past : null } });
      ids[name] = user.id;
    }
    return ids;
  }

  /** Each filter on its own, with the users it must find; `false` finds the others. */
  const singles: [UserFilter, Name[]][] = [];
  const booleans: [keyof UserFilter, Name[]][] = [
    ['emailVerified', ['ana', 'cy', 'gus']],
    ['twoFactorEnabled', ['ana', 'hal']],
    ['disabled', ['dee', 'fay', 'hal']],
    ['hasPassword', ['ana', 'bob', 'dee', 'eve', 'fay', 'gus']],
    ['legacyPasswordHash', ['bob', 'eve', 'fay']],
  ];
  for (const [key, names] of booleans) {
    singles.push([{ [key]: true }, names], [{ [key]: false }, everyone.filter((name) => !names.includes(name))]);
  }
  singles.push(
    [{ emailPrefix: 'b' }, ['bob']],
    [{ emailPrefix: '  CY@Example.' }, ['cy']],
    [{ emailPrefix: 'example.com' }, []],
    [{ usernamePrefix: 'g' }, ['gus']],
    [{ usernamePrefix: 'FA' }, ['fay']],
    // Strict bounds: the user created at the instant itself is outside both.
    [{ createdAfter: at(3) }, ['dee', 'eve', 'fay', 'gus', 'hal']],
    [{ createdBefore: at(3) }, ['ana', 'bob']],
  );

  async function found(ids: Record<Name, string>, filter: UserFilter, first = 200): Promise<Name[]> {
    const byId = new Map(everyone.map((name) => [ids[name], name]));
    const listed = await walk({ first, orderBy: 'CREATED_AT_ASC', filter });
    return listed.map((id) => byId.get(id)!);
  }

  it('each filter alone finds exactly its users, across pages, and count agrees', async () => {
    const ids = await seedPeople();
    for (const [filter, names] of singles) {
      expect(await found(ids, filter, 2), JSON.stringify(filter)).toEqual(names);
      expect(await directory.count(filter), JSON.stringify(filter)).toBe(names.length);
    }
    expect(await directory.count({})).toBe(everyone.length);
    expect(await found(ids, {})).toEqual(everyone);
  });

  it('filters combine with AND: every pair, and several at once', async () => {
    const ids = await seedPeople();
    for (const [i, [left, leftNames]] of singles.entries()) {
      for (const [right, rightNames] of singles.slice(i + 1)) {
        if (Object.keys(left)[0] === Object.keys(right)[0]) continue;
        const filter = { ...left, ...right };
        const expected = leftNames.filter((name) => rightNames.includes(name));
        expect(await found(ids, filter), JSON.stringify(filter)).toEqual(expected);
        expect(await directory.count(filter), JSON.stringify(filter)).toBe(expected.length);
      }
    }
    const many: UserFilter = { hasPassword: true, legacyPasswordHash: false, disabled: false, emailPrefix: 'g', createdAfter: at(1), twoFactorEnabled: false };
    expect(await found(ids, many)).toEqual(['gus']);
    expect(await found(ids, { ...many, emailVerified: false })).toEqual([]);
  });

  it('disabled follows the clock: a user disabled until a moment counts as enabled once it has passed', async () => {
    const until = new Date(Date.now() + 1_500);
    const [user] = await addUsers([{ email: 'soon@example.com', createdAt: at(1) }]);
    await prisma.user.update({ where: { id: user!.id }, data: { disabledAt: new Date(), disabledUntil: until, disabledReason: 'cooling off' } });
    expect((await directory.list({ first: 10, after: null, filter: { disabled: true }, orderBy: 'EMAIL_ASC' })).nodes.map((u) => u.id)).toEqual([user!.id]);
    expect(await directory.count({ disabled: false })).toBe(0);

    await new Promise((resolve) => setTimeout(resolve, until.getTime() - Date.now() + 100));
    expect(await directory.count({ disabled: true })).toBe(0);
    expect((await directory.list({ first: 10, after: null, filter: { disabled: false }, orderBy: 'EMAIL_ASC' })).nodes.map((u) => u.id)).toEqual([user!.id]);
  });

  it('prefixes are prefixes: %, _ and \\ match only themselves, emails are normalised, usernames compared without case', async () => {
    const rows = await addUsers(
      [
        ['50%off@example.com', 'Ana_Maria'],
        ['50xoff@example.com', 'anaXmaria'],
        ['50off@example.com', 'ANA%'],
        ['a_b@example.com', 'Élodie'],
        ['axb@example.com', 'elodie'],
        ['back\\slash@example.com', 'back\\slash'],
        ['backxslash@example.com', 'backxslash'],
        ['josé@example.com', 'José'],
      ].map(([email, username]) => ({ email: email!, username, createdAt: at(1) })),
    );
    const emailsOf = async (filter: UserFilter) => {
      const page = await directory.list({ first: 200, after: null, filter, orderBy: 'EMAIL_ASC' });
      expect(await directory.count(filter)).toBe(page.nodes.length);
      return page.nodes.map((user) => user.email);
    };
    const usernamesOf = async (filter: UserFilter) => (await directory.list({ first: 200, after: null, filter, orderBy: 'EMAIL_ASC' })).nodes.map((u) => u.username).sort();

    expect(await emailsOf({ emailPrefix: '50%' })).toEqual(['50%off@example.com']);
    expect(await emailsOf({ emailPrefix: '50' })).toHaveLength(3);
    expect(await emailsOf({ emailPrefix: 'a_' })).toEqual(['a_b@example.com']);
    expect(await emailsOf({ emailPrefix: 'back\\' })).toEqual(['back\\slash@example.com']);
    expect(await emailsOf({ emailPrefix: '%' })).toEqual([]);
    expect(await emailsOf({ emailPrefix: '_' })).toEqual([]);
    // Trimmed, lower-cased and NFC, as emails are stored: "e" + combining acute is "é".
    expect(await emailsOf({ emailPrefix: '  50XOFF' })).toEqual(['50xoff@example.com']);
    expect(await emailsOf({ emailPrefix: 'JOSE\u0301@' })).toEqual(['josé@example.com']);
    // An empty prefix is no filter.
    expect(await emailsOf({ emailPrefix: '' })).toHaveLength(rows.length);

    expect(await usernamesOf({ usernamePrefix: 'ana_' })).toEqual(['Ana_Maria']);
    expect(await usernamesOf({ usernamePrefix: 'ANA' })).toEqual(['ANA%', 'Ana_Maria', 'anaXmaria']);
    expect(await usernamesOf({ usernamePrefix: 'ana%' })).toEqual(['ANA%']);
    expect(await usernamesOf({ usernamePrefix: 'back\\' })).toEqual(['back\\slash']);
    expect(await usernamesOf({ usernamePrefix: 'ÉLO' })).toEqual(['Élodie']);
    expect(await usernamesOf({ usernamePrefix: 'élo' })).toEqual(['Élodie']);
    expect(await usernamesOf({ usernamePrefix: 'jose\u0301' })).toEqual(['José']);
    expect(await usernamesOf({ usernamePrefix: 'e' })).toEqual(['elodie']);
  });
});

describe('cursors', () => {
  /** A second page's cursor of the given query, over five users. */
  async function cursorOf(orderBy: UserOrder, filter: UserFilter = {}, of: UserDirectory = directory): Promise<string> {
    const page = await of.list({ first: 2, after: null, filter, orderBy });
    expect(page.hasNextPage).toBe(true);
    return page.endCursor!;
  }

  beforeEach(async () => {
    await addUsers(['a', 'b', 'c', 'd', 'e'].map((name, i) => ({ email: `${name}@example.com`, createdAt: new Date(Date.UTC(2026, 0, 1 + (i % 2))) })));
  });

  it('a cursor is refused with another order, naming `after`', async () => {
    for (const made of ORDERS) {
      const after = await cursorOf(made);
      for (const orderBy of ORDERS.filter((order) => order !== made)) {
        await expectBadInput(directory.list({ first: 2, after, filter: {}, orderBy }), 'after');
      }
      expect((await directory.list({ first: 2, after, filter: {}, orderBy: made })).nodes).toHaveLength(2);
    }
  });

  it('a cursor is refused with another filter, and accepted with the same filter spelled another way', async () => {
    const plain = await cursorOf('EMAIL_ASC');
    await expectBadInput(directory.list({ first: 2, after: plain, filter: { emailVerified: false }, orderBy: 'EMAIL_ASC' }), 'after');
    await expectBadInput(directory.list({ first: 2, after: plain, filter: { createdAfter: new Date(0) }, orderBy: 'EMAIL_ASC' }), 'after');

    const narrowed = await cursorOf('CREATED_AT_DESC', { emailPrefix: '', hasPassword: true });
    await expectBadInput(directory.list({ first: 2, after: narrowed, filter: { hasPassword: false }, orderBy: 'CREATED_AT_DESC' }), 'after');
    await expectBadInput(directory.list({ first: 2, after: narrowed, filter: { hasPassword: true, usernamePrefix: 'a' }, orderBy: 'CREATED_AT_DESC' }), 'after');
    const same = { hasPassword: true, emailPrefix: null, disabled: undefined };
    expect((await directory.list({ first: 2, after: narrowed, filter: same, orderBy: 'CREATED_AT_DESC' })).nodes).toHaveLength(2);
  });

  it('a cursor with any one character changed is refused', async () => {
    // Every order: their cursors differ in length, so some end in a character with spare bits.
    for (const orderBy of ORDERS) {
      const after = await cursorOf(orderBy);
      expect(after).toMatch(/^[A-Za-z0-9_-]+$/);
      for (let i = 0; i < after.length; i++) {
        // The lowest bit flipped (it may be a spare bit of the last character) and the highest.
        const index = BASE64URL.indexOf(after[i]!);
        for (const replacement of [BASE64URL[index ^ 1]!, BASE64URL[index ^ 32]!]) {
          const tampered = after.slice(0, i) + replacement + after.slice(i + 1);
          await expectBadInput(directory.list({ first: 2, after: tampered, filter: {}, orderBy }), 'after');
        }
      }
    }
  });

  it('made-up cursors are refused, including well-formed ones without the key', async () => {
    const [last] = await prisma.user.findMany({ orderBy: { email: 'desc' }, take: 1 });
    const unsigned = Buffer.from(JSON.stringify({ order: 'CREATED_AT_DESC', filter: 'x', key: { createdAt: last!.createdAt.getTime(), id: last!.id } }));
    const madeUp = [
      '',
      'abc',
      'not a cursor',
      '====',
      'x'.repeat(5000),
      unsigned.toString('base64url'),
      Buffer.concat([randomBytes(32), unsigned]).toString('base64url'),
      randomBytes(120).toString('base64url'),
      Buffer.from(last!.email).toString('base64url'),
    ];
    for (const after of madeUp) {
      await expectBadInput(directory.list({ first: 2, after, filter: {}, orderBy: 'CREATED_AT_DESC' }), 'after');
    }
  });

  it('a cursor made with another cursorKey is refused', async () => {
    const elsewhere = createUserDirectory({ prisma, cursorKey: 'another-deployment-key-0123456789' });
    for (const orderBy of ORDERS) {
      const theirs = await cursorOf(orderBy, {}, elsewhere);
      await expectBadInput(directory.list({ first: 2, after: theirs, filter: {}, orderBy }), 'after');
      // The one that made it takes it.
      expect((await elsewhere.list({ first: 2, after: theirs, filter: {}, orderBy })).nodes).toHaveLength(2);
    }
  });
});

describe('page size', () => {
  it('first must be 1 to 200', async () => {
    for (const first of [0, -1, 201, 1.5, Number.NaN]) {
      await expectBadInput(directory.list({ first, after: null, filter: {}, orderBy: 'CREATED_AT_DESC' }), 'first');
    }
    const rows = await addUsers(Array.from({ length: 201 }, (_, i) => ({ email: `user${String(i).padStart(3, '0')}@example.com`, createdAt: new Date(Date.UTC(2026, 0, 1)) })));
    const one = await directory.list({ first: 1, after: null, filter: {}, orderBy: 'EMAIL_ASC' });
    expect(one.nodes.map((user) => user.email)).toEqual(['user000@example.com']);
    const most = await directory.list({ first: 200, after: null, filter: {}, orderBy: 'EMAIL_ASC' });
    expect(most.nodes).toHaveLength(200);
    expect(most.hasNextPage).toBe(true);
    const rest = await directory.list({ first: 200, after: most.endCursor, filter: {}, orderBy: 'EMAIL_ASC' });
    expect(rest.nodes.map((user) => user.email)).toEqual(['user200@example.com']);
    expect(rest.hasNextPage).toBe(false);
    expect(await directory.count({})).toBe(rows.length);
  });
});

describe('looking one user up', () => {
  it('findByEmail normalises the address as signIn does; findById answers null for unknown and malformed ids', async () => {
    const [jose] = await addUsers([{ email: 'josé.ana@example.com', createdAt: new Date() }]);
    for (const typed of ['josé.ana@example.com', '  JOSÉ.Ana@Example.COM ', 'jose\u0301.ana@example.com']) {
      expect((await directory.findByEmail(typed))?.id, typed).toBe(jose!.id);
    }
    expect(await directory.findByEmail('nobody@example.com')).toBeNull();
    // Not an address at all: refused as signIn refuses it.
    await expectBadInput(directory.findByEmail('not an address'), 'email');

    expect((await directory.findById(jose!.id))?.email).toBe('josé.ana@example.com');
    expect((await directory.findById(jose!.id.toUpperCase()))?.email).toBe('josé.ana@example.com');
    expect(await directory.findById(randomUUID())).toBeNull();
    for (const malformed of ['', 'nope', `${jose!.id}x`, "' OR 1=1 --"]) expect(await directory.findById(malformed)).toBeNull();
  });
});
