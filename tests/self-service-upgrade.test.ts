// Upgrading a database of the first release to the self-service one: the migration keeps every
// row, and a reset code mailed before the upgrade still resets the password after it (the code
// table was generalised to one_time_codes, purpose password_reset, with the same keyed hash).
import { createHmac, randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type MigrationConnection, migrate, migrationsDir } from '../src/db/migrate.ts';
import { type Database, openDatabase } from '../src/db/open-database.ts';
import { createCaller } from '../src/services/caller.ts';
import { createServices } from '../src/services/create-services.ts';
import { CapturingLogger } from './support/capturing-logger.ts';
import { TEST_SECRET } from './support/test-app.ts';
import { createTestDatabase, usingPostgres } from './support/test-database.ts';

const SELF_SERVICE_MIGRATION = '20261201100000_account_self_service';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A database migrated to just before the self-service release, then `seed`ed, then fully opened. */
async function upgradedDatabase(seed: (db: MigrationConnection) => Promise<void>): Promise<Database> {
  const before = await mkdtemp(join(tmpdir(), 'auth-api-migrations-'));
  cleanups.push(() => rm(before, { recursive: true, force: true }));
  for (const folder of await readdir(migrationsDir)) {
    if (folder < SELF_SERVICE_MIGRATION) await cp(join(migrationsDir, folder), join(before, folder), { recursive: true });
  }
  if (usingPostgres) {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const connection: MigrationConnection = {
      exec: async (sql) => void (await client.query(sql)),
      query: async <Row>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as Row[],
    };
    await migrate(connection, before);
    await seed(connection);
    await client.end();
    return openDatabase({ url: database.url! });
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'auth-api-pglite-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const pglite = await PGlite.create(dataDir);
  const connection: MigrationConnection = {
    exec: async (sql) => void (await pglite.exec(sql)),
    query: async <Row>(sql: string, params?: unknown[]) => (await pglite.query<Row>(sql, params)).rows,
  };
  await migrate(connection, before);
  await seed(connection);
  await pglite.close();
  return openDatabase({ dataDir });
}

describe('upgrading to the self-service release', () => {
  // An on-disk PGlite is created, closed and reopened: slower than the in-memory one the other tests use.
  it('keeps users, sessions and reset codes, and a reset code mailed before the upgrade still works', { timeout: 120_000 }, async () => {
    const userId = randomUUID();
    const sessionId = randomUUID();
    const email = 'upgraded@example.com';
    // The first release's hash of the code 123456, exactly as its reset-codes.ts computed it.
    const key = createHmac('sha256', TEST_SECRET).update('password-reset-code/v1').digest();
    const codeHash = createHmac('sha256', key).update(`${userId}:123456`).digest('hex');

    const db = await upgradedDatabase(async (old) => {
      await old.query(`INSERT INTO "users" ("id", "username", "email", "password_hash", "updated_at") VALUES ($1, 'Old', $2, 'x', now())`, [userId, email]);
      await old.query(
        `INSERT INTO "sessions" ("id", "user_id", "created_at", "expires_at", "absolute_expires_at")
         VALUES ($1, $2, now() - interval '1 minute', now() + interval '10 minutes', now() + interval '8 hours')`,
        [sessionId, userId],
      );
      await old.query(`INSERT INTO "password_reset_codes" ("user_id", "code_hash", "expires_at") VALUES ($1, $2, now() + interval '10 minutes')`, [
        userId,
        codeHash,
      ]);
    });
    cleanups.push(() => db.close());

    const user = await db.prisma.user.findUniqueOrThrow({ where: { id: userId } });
    expect(user.emailVerified).toBe(false);
    const session = await db.prisma.session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(session.lastActiveAt).toEqual(session.createdAt);
    expect(session.userAgent).toBeNull();
    expect(await db.prisma.oneTimeCode.findMany({ where: { userId } })).toMatchObject([{ purpose: 'password_reset', codeHash, attempts: 0, email: null }]);

    const config = loadConfig({ JWT_SECRET: TEST_SECRET, RATE_LIMITS: 'off', DATA_DIR: '/nonexistent-not-written' });
    const services = createServices({ config, prisma: db.prisma, sql: db.sql, rateLimitStore: { kind: 'memory' }, logger: new CapturingLogger() });
    await services.passwordReset.resetPassword({ email, code: '123456', newPassword: 'amber-lantern-walrus-77' }, createCaller('192.0.2.1', 'upgrade-test'));
    await services.background.drain();

    expect(await db.prisma.oneTimeCode.count({ where: { userId } })).toBe(0);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: userId } })).emailVerified).toBe(true);
    expect((await db.prisma.session.findUniqueOrThrow({ where: { id: sessionId } })).revokedAt).not.toBeNull();
  });
});
