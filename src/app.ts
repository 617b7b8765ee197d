// Assembles the running server from configuration: database, services, GraphQL, HTTP, and the
// operations plumbing (request ids, logs, metrics, graceful shutdown) handed to what needs it.
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Config } from './config.ts';
import { createDatabaseOutage } from './db/database-outage.ts';
import { configuredDatabase, type Database, openDatabase } from './db/open-database.ts';
import type { Logger } from './logger.ts';
import { createMetrics, noMetrics } from './observability/metrics.ts';
import { createMetricsServer } from './observability/metrics-server.ts';
import { observeHttpRequests } from './observability/observe-http.ts';
import { createRequestScopes, requestAwareLogger } from './observability/request-scope.ts';
import { useRequestObservability } from './observability/use-request-observability.ts';
import { createGraphqlServer, GRAPHQL_ENDPOINT, type GraphqlServer } from './server/create-yoga.ts';
import { createDrainSwitch, createHttpDrainer } from './server/graceful-shutdown.ts';
import { clientIp, createHttpServer, createRequestHandler, nodeHandlerOf } from './server/http-server.ts';
import { createServices, type Services } from './services/create-services.ts';
import { ADMIN_ENDPOINT, createAdminServer } from './admin/create-admin-server.ts';
import type { ProviderClientOptions } from './services/providers/provider-clients.ts';
import { schedulePurge } from './services/purge/schedule.ts';
import type { RateLimitStore } from './services/security/rate-limits.ts';

export interface App {
  services: Services;
  database: Database;
  /** The GraphQL server and the Node server in front of it, for plugins and listeners added here. */
  yoga: GraphqlServer;
  httpServer: Server;
  /** Starts listening (and the metrics listener, when METRICS_PORT is set); resolves to the base URL. */
  listen(port?: number, host?: string): Promise<URL>;
  /** The metrics listener's base URL once listening; undefined when metrics are off. */
  metricsUrl(): URL | undefined;
  /** The operator API listener's base URL once listening; undefined when ADMIN_PORT is unset. */
  adminUrl(): URL | undefined;
  /**
   * Graceful shutdown: /ready answers 503, no new connections, requests in flight, queued mail
   * and a running purge get SHUTDOWN_GRACE_SECONDS, then the database and Redis are closed.
   * Resolves true when everything finished within the grace, false when something was cut.
   */
  close(): Promise<boolean>;
}

export async function createApp(config: Config, baseLogger: Logger, database?: Database, options: { providerClients?: ProviderClientOptions } = {}): Promise<App> {
  const scopes = createRequestScopes();
  // Every line written while a request is handled carries its id, whoever writes it.
  const logger = requestAwareLogger(baseLogger, scopes);
  const db = database ?? (await openDatabase(configuredDatabase(config)));
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : undefined;
  const rateLimitStore: RateLimitStore = redis
    ? { kind: 'redis', client: redis }
    : db.pool
      ? { kind: 'postgres', pool: db.pool }
      : { kind: 'memory' };
  const metrics =
    config.metrics.port === undefined
      ? noMetrics
      : createMetrics({ pool: db.pool, inFlight: scopes.inFlight, mailBacklog: () => services.mailSender.backlog() });
  const outage = createDatabaseOutage({ ping: db.ping, logger });
  // A pooled connection the server drops while idle is the first sign of an outage.
  db.pool?.on('error', (error) => outage.report(error));
  const services = createServices({ config, prisma: db.prisma, sql: db.sql, rateLimitStore, logger, outage, metrics, ...(options.providerClients ? { providerClients: options.providerClients } : {}) });
  // Mail a stopped or dead process left in the outbox goes out now.
  services.mailSender.wake();
  const drain = createDrainSwitch();
  const answeredByYoga = new WeakSet<IncomingMessage>();
  const yoga = createGraphqlServer({
    config,
    services,
    // Not ready while draining, so a load balancer stops sending before the connections close.
    ping: async () => !drain.isDraining() && (await db.ping()),
    outage,
    logger,
    requestId: () => scopes.current()?.id,
    plugins: [useRequestObservability({ scopes, logger, metrics, graphqlEndpoint: GRAPHQL_ENDPOINT, answeredByYoga }), drain.plugin],
  });
  const handler = createRequestHandler({ yoga: nodeHandlerOf(yoga), maxBodyBytes: config.maxBodyBytes, trustProxy: config.trustProxy });
  const server = createHttpServer(handler);
  // Ids and access lines for what the HTTP layer answers without Yoga (a body over the limit).
  observeHttpRequests(server, {
    logger,
    metrics,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    answeredByYoga,
    clientIp: (req) => clientIp(req, config.trustProxy),
  });
  const drainer = createHttpDrainer(server);
  const admin =
    config.admin.port === undefined
      ? undefined
      : createAdminServer({ config, services, logger, metrics, scopes, outage, answeredByYoga, plugins: [drain.plugin] });
  if (admin) {
    observeHttpRequests(admin.server, {
      logger,
      metrics,
      graphqlEndpoint: ADMIN_ENDPOINT,
      answeredByYoga,
      clientIp: (req) => clientIp(req, config.trustProxy),
      api: 'admin',
    });
  }
  const adminDrainer = admin ? createHttpDrainer(admin.server) : undefined;
  let adminUrl: URL | undefined;
  const metricsServer = config.metrics.port === undefined ? undefined : createMetricsServer(metrics, logger);
  let metricsUrl: URL | undefined;
  const purge =
    config.purgeIntervalSeconds > 0
      ? schedulePurge({ purger: services.purger, intervalSeconds: config.purgeIntervalSeconds, logger })
      : undefined;

  return {
    services,
    database: db,
    yoga,
    httpServer: server,
    async listen(port = config.port, host = config.host) {
      if (metricsServer) metricsUrl = await listenOn(metricsServer, config.metrics.port, config.metrics.host);
      if (admin) {
        adminUrl = await listenOn(admin.server, config.admin.port, config.admin.host);
        await announceOperatorApi(services, logger, adminUrl, config.admin.host);
      }
      return listenOn(server, port, host);
    },
    metricsUrl: () => metricsUrl,
    adminUrl: () => adminUrl,
    async close() {
      drain.start();
      // No new mail is claimed; a send in flight finishes within the grace, the rest waits in the outbox.
      services.mailSender.stop();
      // Both listeners drain together: operator requests in flight finish like the public ones, and
      // a cut on either makes the shutdown incomplete.
      const grace = { graceMs: config.shutdownGraceSeconds * 1000, background: services.background, inFlight: scopes.inFlight, logger };
      const drained = await Promise.all([drainer.drain(grace), ...(adminDrainer ? [adminDrainer.drain(grace)] : [])]);
      const complete = drained.every(Boolean);
      await purge?.stop();
      services.mailSender.close();
      redis?.disconnect();
      outage.close();
      if (metricsServer) await closeNow(metricsServer);
      await db.close();
      return complete;
    },
  };
}

/** Start-up lines for operators: where the API listens, a warning off loopback, and a nudge when no key exists. */
async function announceOperatorApi(services: Services, logger: Logger, url: URL, host: string): Promise<void> {
  logger.info(`Operator API at ${url}admin/graphql`);
  if (!isLoopback(host)) {
    logger.warn(`ADMIN_HOST ${host} is not loopback: operator keys travel in clear unless a private network or a TLS proxy carries them`);
  }
  if ((await services.operatorKeys.liveCount()) === 0) logger.warn('no operator key: create one with npm run operator-key -- create');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function listenOn(server: Server, port: number | undefined, host: string | undefined): Promise<URL> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { address, port: actual, family } = server.address() as AddressInfo;
      const hostname = address === '::' || address === '0.0.0.0' ? 'localhost' : family === 'IPv6' ? `[${address}]` : address;
      resolve(new URL(`http://${hostname}:${actual}`));
    });
  });
}

function closeNow(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
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
