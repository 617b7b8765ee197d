// Assembles the running server from configuration: database, services, GraphQL, HTTP.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Config } from './config.ts';
import { createDatabaseOutage } from './db/database-outage.ts';
import { configuredDatabase, type Database, openDatabase } from './db/open-database.ts';
import type { Logger } from './logger.ts';
import { createGraphqlServer, type GraphqlServer } from './server/create-yoga.ts';
import { createHttpServer, createRequestHandler } from './server/http-server.ts';
import { createServices, type Services } from './services/create-services.ts';
import { schedulePurge } from './services/purge/schedule.ts';
import type { RateLimitStore } from './services/rate-limits.ts';

export interface App {
  services: Services;
  database: Database;
  /** The GraphQL server and the Node server in front of it, for plugins and listeners added here. */
  yoga: GraphqlServer;
  httpServer: Server;
  /** Starts listening; resolves to the base URL. */
  listen(port?: number, host?: string): Promise<URL>;
  /** Stops accepting, lets requests, queued mail and a running purge finish, then closes the database. */
  close(): Promise<void>;
}

export async function createApp(config: Config, logger: Logger, database?: Database): Promise<App> {
  const db = database ?? (await openDatabase(configuredDatabase(config)));
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : undefined;
  const rateLimitStore: RateLimitStore = redis
    ? { kind: 'redis', client: redis }
    : db.pool
      ? { kind: 'postgres', pool: db.pool }
      : { kind: 'memory' };
  const outage = createDatabaseOutage({ ping: db.ping, logger });
  // A pooled connection the server drops while idle is the first sign of an outage.
  db.pool?.on('error', (error) => outage.report(error));
  const services = createServices({ config, prisma: db.prisma, rateLimitStore, logger, outage });
  const yoga = createGraphqlServer({ config, services, ping: db.ping, outage, logger });
  const handler = createRequestHandler({ yoga, maxBodyBytes: config.maxBodyBytes, trustProxy: config.trustProxy });
  const server = createHttpServer(handler);
  const purge =
    config.purgeIntervalSeconds > 0
      ? schedulePurge({ purger: services.purger, intervalSeconds: config.purgeIntervalSeconds, logger })
      : undefined;

  return {
    services,
    database: db,
    yoga,
    httpServer: server,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const { address, port: actual, family } = server.address() as AddressInfo;
          const hostname = address === '::' || address === '0.0.0.0' ? 'localhost' : family === 'IPv6' ? `[${address}]` : address;
          resolve(new URL(`http://${hostname}:${actual}`));
        });
      });
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await services.background.drain();
      await purge?.stop();
      services.mailer.close();
      redis?.disconnect();
      outage.close();
      await db.close();
    },
  };
}

/** Connected before serving, so the first requests count in Redis and not in the fallback. */
async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  // Imported only when configured, like the database drivers.
  const { Redis } = await import('ioredis');
  // No offline queue: while Redis is away, limits fall back to per-instance memory at once.
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', (error: Error) => logger.warn(`[redis] ${error.message}`));
  await redis.connect();
  return redis;
}
