// Opens the database the configuration names: PostgreSQL through `pg` when DATABASE_URL is set,
// otherwise PGlite (PostgreSQL compiled to WebAssembly) in-process. Everything above this file
// sees one PrismaClient and cannot tell the two apart.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.ts';
import { migrate } from './migrate.ts';

export interface Database {
  prisma: PrismaClient;
  /** A pg pool when the database is a PostgreSQL server (shared rate-limit counters use it). */
  pool: pg.Pool | undefined;
  /** Answers true while the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export type DatabaseTarget = { url: string } | { dataDir: string | undefined };

/** DATABASE_URL when set, else the embedded database under DATA_DIR. */
export function configuredDatabase(config: { databaseUrl: string | undefined; dataDir: string }): DatabaseTarget {
  return config.databaseUrl ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, 'pglite') };
}

/** Opens and migrates. `dataDir: undefined` means an in-memory PGlite (tests). */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  return 'url' in target ? openPostgres(target.url) : openPglite(target.dataDir);
}

async function openPostgres(url: string): Promise<Database> {
  // A server that does not answer at all (a lost network, not a refused connection) fails a
  // request after 5 s instead of holding it until the operating system gives up.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its server emits 'error'; without a listener that would crash. The
  // app reports it as an outage, once (src/db/database-outage.ts), not once per connection.
  pool.on('error', () => {});
  const client = await pool.connect();
  try {
    await migrate({
      exec: async (sql) => void (await client.query(sql)),
      query: async (sql, params) => (await client.query(sql, params)).rows,
    });
  } finally {
    client.release();
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    ping: () => ping(prisma),
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  // PGlite creates its own folder but not the ones above it.
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir);
  await migrate({
    exec: async (sql) => void (await pglite.exec(sql)),
    query: async (sql, params) => (await pglite.query(sql, params)).rows as never,
  });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    pool: undefined,
    ping: () => ping(prisma),
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

async function ping(prisma: PrismaClient): Promise<boolean> {
  try {
    await prisma.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}
