// The operator API's listener: POST /admin/graphql on ADMIN_HOST:ADMIN_PORT, its own Yoga with its
// own schema, no GraphiQL, no CORS, no cookies. The public listener never routes here.
import type { IncomingMessage, RequestListener, Server } from 'node:http';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from '../config.ts';
import type { DatabaseOutage } from '../db/database-outage.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { RequestScopes } from '../observability/request-scope.ts';
import { useRequestObservability } from '../observability/use-request-observability.ts';
import { createHttpServer, createRequestHandler } from '../server/http-server.ts';
import { createErrorMask, yogaLogging } from '../server/mask-error.ts';
import { useQueryLimits } from '../server/use-query-limits.ts';
import type { Services } from '../services/create-services.ts';
import type { AdminContext } from './admin-context.ts';
import { createAuditLog } from './audit-log.ts';
import { adminSchema } from './schema/index.ts';
import { type AdminServerContext, useOperatorGate } from './use-operator-gate.ts';

export const ADMIN_ENDPOINT = '/admin/graphql';
/** The operator API's query cost limit (the public API's is QUERY_LIMITS.cost). */
export const ADMIN_MAX_COST = 50_000;

export type AdminYoga = YogaServerInstance<AdminServerContext, AdminContext>;

export function createAdminServer(deps: {
  config: Config;
  services: Services;
  logger: Logger;
  metrics: Metrics;
  scopes: RequestScopes;
  outage: DatabaseOutage;
  answeredByYoga: WeakSet<IncomingMessage>;
  /** Draining: refuses new requests while the app shuts down. */
  plugins?: Plugin[];
}): { yoga: AdminYoga; server: Server } {
  const { config, services, logger, scopes } = deps;
  const errors = createErrorMask({ logger, outage: deps.outage, hideSuggestions: false, requestId: () => scopes.current()?.id });
  const audit = createAuditLog(logger);
  const yoga = createYoga<AdminServerContext, AdminContext>({
    schema: adminSchema,
    graphqlEndpoint: ADMIN_ENDPOINT,
    graphiql: false,
    landingPage: false,
    batching: false,
    cors: false,
    maxRequestBodySize: false,
    context: ({ operatorKey }) => {
      // The gate ran in onParams: no context is built for a request without a live key.
      if (!operatorKey) throw new Error('operator API context without a checked key');
      return { services, key: operatorKey, operator: { operatorKeyId: operatorKey.keyId }, audit };
    },
    maskedErrors: { maskError: errors.maskError, errorMessage: 'Unexpected error.' },
    logging: yogaLogging(logger, errors, '[admin yoga]'),
    plugins: [
      useRequestObservability({ scopes, logger, metrics: deps.metrics, graphqlEndpoint: ADMIN_ENDPOINT, answeredByYoga: deps.answeredByYoga, api: 'admin' }),
      ...(deps.plugins ?? []),
      useOperatorGate({ keys: services.operatorKeys, limits: services.rateLimits, logger, scopes }),
      // The cost rule multiplies by a literal `first`: a page of 200 users with a handful of fields
      // each must pass. The page itself is capped at 200 by the directory, and keys are rate-limited.
      useQueryLimits({ hideSuggestions: false, maxCost: ADMIN_MAX_COST }),
      // Answers carry users' data: no cache along the way may keep them.
      { onResponse: ({ response }) => response.headers.set('Cache-Control', 'no-store') },
    ],
  });
  const handler = createRequestHandler({ yoga: (req, res, serverContext) => yoga.handle(req, res, serverContext), maxBodyBytes: config.admin.maxBodyBytes, trustProxy: config.trustProxy });
  return { yoga, server: createHttpServer(refuseOtherRequests(handler)) };
}

/**
 * The transport rules Yoga would answer otherwise: one path, POST only (a CORS preflight included:
 * no browser is served), JSON only. Decided from the request line and headers, before the body.
 */
function refuseOtherRequests(handler: RequestListener): RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== ADMIN_ENDPOINT) return answer(req, res, 404, 'NOT_FOUND', 'not found');
    if (req.method !== 'POST') return answer(req, res, 405, 'METHOD_NOT_ALLOWED', 'the operator API answers POST only', { Allow: 'POST' });
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (mediaType !== 'application/json') return answer(req, res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'the operator API takes Content-Type: application/json only');
    handler(req, res);
  };
}

function answer(req: IncomingMessage, res: Parameters<RequestListener>[1], status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  // The connection closes after this answer; whatever body was sent is read and dropped meanwhile
  // (bounded by the server's request timeout), so the client reads the answer, not a reset.
  res.writeHead(status, { ...headers, connection: 'close', 'cache-control': 'no-store', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  req.resume();
}
