// Opens the database the configuration names: PostgreSQL through `pg` when DATABASE_URL is set,
// otherwise PGlite (PostgreSQL compiled to WebAssembly) in-process. Everything above this file
// sees one PrismaClient and cannot tell the two apart.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { migrate } from './migrate.ts';

/** A statement sent straight to the driver; `name` lets PostgreSQL plan it once per connection. */
export interface PreparedStatement {
  name: string;
  text: string;
}

/**
 * The driver itself, for the one query on the path of every signed-in request (the session
 * lookup): Prisma's raw-query path was the largest CPU cost of such a request after the kernel's
 * (README, Benchmarks).
 */
export interface SqlClient {
  query<Row>(statement: PreparedStatement, values: unknown[]): Promise<Row[]>;
}

export interface Database {
  prisma: PrismaClient;
  sql: SqlClient;
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

// Each driver is imported only when used: PGlite's module alone holds tens of MB a server on
// PostgreSQL never needs, and the reverse.
async function openPostgres(url: string): Promise<Database> {
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import('pg'), import('@prisma/adapter-pg')]);
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
    // Named: each pooled connection parses and plans the statement once, not on every request.
    sql: { query: async (statement, values) => (await pool.query({ ...statement, values })).rows },
    pool,
    ping: () => ping(prisma),
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
  if (dataDir) await initPgliteDataDir(dataDir, PGlite);
  // PostgreSQL's default 128 MB of shared buffers would grow PGlite's WebAssembly memory past its
  // initial 128 MB; an embedded database of accounts and sessions is served well by 16 MB.
  const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];
  const pglite = await PGlite.create({ ...(dataDir ? { dataDir } : {}), startParams });
  await migrate({
    exec: async (sql) => void (await pglite.exec(sql)),
    query: async (sql, params) => (await pglite.query(sql, params)).rows as never,
  });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    sql: { query: async <Row>(statement: PreparedStatement, values: unknown[]) => (await pglite.query<Row>(statement.text, values)).rows },
    pool: undefined,
    ping: () => ping(prisma),
    close: async () => {
      // PGlite first: disconnecting Prisma while one of its queries is in flight and then closing
      // PGlite loops forever in the WebAssembly (a shutdown that cut the mail sender mid-query
      // never exited). Closed first, PGlite fails the query in flight and everything settles.
      await pglite.close();
      await prisma.$disconnect();
    },
  };
}

/**
 * Creates a new data directory in a short-lived child process. PGlite's initdb holds about 600 MB
 * of WebAssembly memory that a process does not give back, so the server only ever opens a
 * directory that exists. In-process when the child cannot be started (e.g. under a test runner).
 */
async function initPgliteDataDir(dataDir: string, PGlite: typeof import('@electric-sql/pglite').PGlite): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  // PGlite creates its own folder but not the ones above it.
  await mkdir(dataDir, { recursive: true });
  const script = 'const { PGlite } = await import(process.argv[1]); await (await PGlite.create(process.argv[2])).close();';
  const pgliteUrl = typeof import.meta.resolve === 'function' ? import.meta.resolve('@electric-sql/pglite') : undefined;
  if (pgliteUrl?.startsWith('file:')) {
    await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, pgliteUrl, dataDir]);
  } else {
    await (await PGlite.create(dataDir)).close();
  }
}

async function ping(prisma: PrismaClient): Promise<boolean> {
  try {
    await prisma.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}
