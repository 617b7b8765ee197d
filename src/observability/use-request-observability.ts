// The Yoga plugin that makes each request observable: its id (X-Request-Id, the caller's own when
// sane), its scope (so every log line about it carries the id), one access line when it is
// answered, and its HTTP and GraphQL metrics.
import type { IncomingMessage } from 'node:http';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ServerContext } from '../context/create-context.ts';
import { pathOf } from '../context/request-path.ts';
import type { Logger } from '../logger.ts';
import { ERROR_CODES } from '../services/errors.ts';
import type { Metrics } from './metrics.ts';
import { type RequestScope, type RequestScopes, requestIdFrom } from './request-scope.ts';
import { rootFieldsOf } from './root-fields.ts';

export const REQUEST_ID_HEADER = 'X-Request-Id';

// Codes Yoga gives requests it refuses before execution, besides the contract's own.
const KNOWN_CODES = new Set<string>([...Object.keys(ERROR_CODES), 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'SERVICE_UNAVAILABLE']);
const PROBES = new Set(['/health', '/ready']);
const METHODS = new Set(['GET', 'POST', 'HEAD', 'OPTIONS']);
const MAX_LOGGED_NAME = 100;

/** The metric labels of a request: from closed sets, whatever path and method the client sent. */
export function httpLabels(graphqlEndpoint: string, path: string, method: string | undefined) {
  return {
    route: path === graphqlEndpoint || PROBES.has(path) ? path : 'other',
    method: method && METHODS.has(method) ? method : 'other',
  };
}

export function useRequestObservability(options: {
  scopes: RequestScopes;
  /** Request-aware: its lines carry the current request's id. */
  logger: Logger;
  metrics: Metrics;
  graphqlEndpoint: string;
  /** Filled with the Node requests Yoga answered, so the HTTP layer logs only the others. */
  answeredByYoga?: WeakSet<IncomingMessage>;
  /** The operator API: its access lines say `"api":"admin"`, its fields count in auth_admin_requests_total. */
  api?: 'admin';
}): Plugin<{}, ServerContext> {
  const { scopes, logger, metrics, graphqlEndpoint } = options;
  const countField = options.api === 'admin' ? metrics.adminField : metrics.graphqlField;
  return {
    instrumentation: {
      request: ({ request }, wrapped) =>
        scopes.run({ id: requestIdFrom(request.headers.get(REQUEST_ID_HEADER)), startedAt: performance.now() }, wrapped),
    },
    onParams({ params }) {
      const scope = scopes.current();
      if (scope && typeof params.operationName === 'string') summary(scope).operationName = params.operationName.slice(0, MAX_LOGGED_NAME);
    },
    onExecute({ args }) {
      const scope = scopes.current();
      if (!scope) return;
      const { operationName, fields } = rootFieldsOf(args.document, args.operationName);
      const graphql = summary(scope);
      graphql.rootFields = fields;
      if (operationName) graphql.operationName = operationName.slice(0, MAX_LOGGED_NAME);
    },
    onResultProcess({ result }) {
      const scope = scopes.current();
      if (!scope || Array.isArray(result) || !('errors' in result) || !result.errors) {
        if (scope) summary(scope).errors ??= [];
        return;
      }
      summary(scope).errors = result.errors.map((error) => ({
        code: knownCode((error as GraphQLError).extensions?.code),
        key: typeof error.path?.[0] === 'string' ? error.path[0] : undefined,
      }));
    },
    onResponse({ request, response, serverContext }) {
      const scope = scopes.current();
      if (!scope) return;
      response.headers.set(REQUEST_ID_HEADER, scope.id);
      const nodeRequest = (serverContext as { req?: IncomingMessage }).req;
      if (nodeRequest) options.answeredByYoga?.add(nodeRequest);
      const seconds = (performance.now() - scope.startedAt) / 1000;
      const path = pathOf(request.url);
      metrics.httpRequest({ ...httpLabels(graphqlEndpoint, path, request.method), status: response.status }, seconds);
      const outcomes = recordGraphql(scope, countField);

      // Probes are polled every few seconds: only their failures are worth a line.
      if (PROBES.has(path) && response.status < 400) return;
      logger[response.status >= 500 ? 'warn' : 'info'](`${request.method} ${path.slice(0, 200)} ${response.status}`, {
        method: request.method,
        path: path.slice(0, 200),
        status: response.status,
        durationMs: Math.round(seconds * 10_000) / 10,
        clientIp: serverContext.clientIp,
        ...(options.api ? { api: options.api } : {}),
        ...scope.access,
        ...(scope.graphql?.operationName ? { operation: scope.graphql.operationName } : {}),
        ...(outcomes ? outcomes : {}),
      });
    },
  };
}

function summary(scope: RequestScope) {
  scope.graphql ??= {};
  return scope.graphql;
}

function knownCode(code: unknown): string {
  return typeof code === 'string' && KNOWN_CODES.has(code) ? code : 'OTHER';
}

/** Counts each root field with its outcome; returns what the access line says about GraphQL. */
function recordGraphql(scope: RequestScope, countField: (field: string, outcome: string) => void): { fields: string[]; outcome: string[] } | undefined {
  const graphql = scope.graphql;
  if (!graphql?.errors) return undefined;
  const errors = graphql.errors;
  const fields = [...(graphql.rootFields ?? new Map<string, string>())];
  // An error without a path refused the whole request before any field ran (variables that do not
  // fit, the operator API's read-only key): no field was executed, whatever the document named.
  const refusal = errors.find((e) => e.key === undefined);
  if (fields.length === 0 || refusal) {
    countField('none', (refusal ?? errors[0])?.code ?? 'OK');
  } else {
    for (const [key, field] of fields) countField(field, errors.find((e) => e.key === key)?.code ?? 'OK');
  }
  return {
    fields: fields.map(([, field]) => field),
    outcome: errors.length > 0 ? [...new Set(errors.map((e) => e.code))] : ['OK'],
  };
}
