// Starts the real server on 127.0.0.1 (random port) against a fresh database, with test config.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, createApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/open-database.ts';
import type { Logger } from '../../src/logger.ts';
import type { ProviderClientOptions } from '../../src/services/providers/provider-clients.ts';
import { createTestDatabase, type TestDatabase, usingPostgres } from './test-database.ts';
import { CapturingLogger } from './capturing-logger.ts';
import { type SmtpSink, type SmtpSinkOptions, startSmtpSink } from './smtp-sink.ts';
import { TestClient, type TestClientOptions } from './test-client.ts';

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop';
export const TEST_ENCRYPTION_KEY = '5ec2e7'.padEnd(64, '0');

export interface TestApp {
  app: App;
  config: Config;
  url: URL;
  graphqlUrl: URL;
  logger: CapturingLogger;
  database: TestDatabase;
  /** A new client with an empty cookie jar, speaking the configured cookie name. */
  client(options?: TestClientOptions): TestClient;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment variables on top of the test defaults. */
  env?: Record<string, string>;
  /** Reuse a database (a second instance); otherwise a fresh one is made and dropped. */
  database?: { shared: TestDatabase; db?: Database };
  /** The server's logger (the real pino one, say); `logger` then stays empty. */
  logger?: Logger;
  /** Listen on this port (known before start, for PUBLIC_URL); a free one otherwise. */
  port?: number;
  /** How provider clients reach their providers (loopback stand-ins for real providers' origins). */
  providerClients?: ProviderClientOptions;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'auth-api-test-'));
  const config = loadConfig({ JWT_SECRET: TEST_SECRET, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, DATA_DIR: dataDir, RATE_LIMITS: 'off', ...options.env });
  const database = options.database?.shared ?? (await createTestDatabase());
  const logger = new CapturingLogger();
  const app = await createApp(config, options.logger ?? logger, options.database?.db ?? (await database.open()), {
    ...(options.providerClients ? { providerClients: options.providerClients } : {}),
  });
  const url = await app.listen(options.port ?? 0, '127.0.0.1');
  const graphqlUrl = new URL('/graphql', url);
  return {
    app,
    config,
    url,
    graphqlUrl,
    logger,
    database,
    client: (clientOptions = {}) => new TestClient(graphqlUrl, { cookieName: config.cookie.name, ...clientOptions }),
    async close() {
      await app.close();
      if (!options.database) await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Another server instance on `first`'s database, as a second process would be: on PostgreSQL
 * with connections of its own; PGlite cannot be opened twice, so there it serves `first`'s
 * (and leaves closing it to `first`).
 */
export function startSecondInstance(first: TestApp, env: Record<string, string> = {}): Promise<TestApp> {
  const db: Database | undefined = usingPostgres ? undefined : { ...first.app.database, close: async () => {} };
  return startTestApp({ env, database: { shared: first.database, ...(db ? { db } : {}) } });
}

/** An app on a database of its own, which a test may close under the running server (a fault). */
export async function startAppOnClosableDatabase(): Promise<TestApp> {
  const shared = await createTestDatabase();
  const opened = await shared.open();
  // Database.close() may run only once, and the app closes its database again on shutdown.
  let closing: Promise<void> | undefined;
  const db: Database = { ...opened, close: () => (closing ??= opened.close()) };
  const app = await startTestApp({ database: { shared, db } });
  return {
    ...app,
    async close() {
      await app.close();
      await shared.drop();
    },
  };
}

export interface TestAppWithMailbox extends TestApp {
  /** The SMTP server the app mails to. */
  sink: SmtpSink;
}

/** The app with SMTP_URL pointing at a fresh SMTP sink; `close` stops both (the app first, so its queued mail is delivered). */
export async function startAppWithMailbox(
  env: Record<string, string> = {},
  sinkOptions: SmtpSinkOptions = {},
  appOptions: Omit<TestAppOptions, 'env'> = {},
): Promise<TestAppWithMailbox> {
  const sink = await startSmtpSink(sinkOptions);
  const app = await startTestApp({ ...appOptions, env: { SMTP_URL: sink.url, ...env } });
  return {
    ...app,
    sink,
    async close() {
      await app.close();
      await sink.close();
    },
  };
}
