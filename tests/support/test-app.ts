// Starts the real server on 127.0.0.1 (random port) against a fresh database, with test config.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, createApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/open-database.ts';
import { createTestDatabase, type TestDatabase } from './test-database.ts';
import { CapturingLogger } from './capturing-logger.ts';
import { TestClient, type TestClientOptions } from './test-client.ts';

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop';

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
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'auth-api-test-'));
  const config = loadConfig({ JWT_SECRET: TEST_SECRET, DATA_DIR: dataDir, RATE_LIMITS: 'off', ...options.env });
  const database = options.database?.shared ?? (await createTestDatabase());
  const logger = new CapturingLogger();
  const app = await createApp(config, logger, options.database?.db ?? (await database.open()));
  const url = await app.listen(0, '127.0.0.1');
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
