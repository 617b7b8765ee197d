// A fresh, migrated database for one test file: in-memory PGlite, or a new database on the
// PostgreSQL server named by DATABASE_URL (project "postgres"), dropped when the file is done.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/open-database.ts';

export const usingPostgres = process.env.TEST_DATABASE === 'postgres';

export interface TestDatabase {
  /** Opens another connection to the same database (a second server instance). */
  open(): Promise<Database>;
  /** The connection string, for PostgreSQL runs. */
  url: string | undefined;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!usingPostgres) {
    return { open: () => openDatabase({ dataDir: undefined }), url: undefined, drop: async () => {} };
  }
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('TEST_DATABASE=postgres needs DATABASE_URL');
  const name = `auth_test_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    open: () => openDatabase({ url: url.toString() }),
    url: url.toString(),
    drop: () => admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
