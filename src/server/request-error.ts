// The HTTP side of the request-level error codes (src/services/errors.ts): the status each one is
// answered with. Yoga reads `extensions.http` for the status and headers and never sends it.
import { GraphQLError } from 'graphql';
import { ERROR_CODES } from '../services/errors.ts';

export type RequestErrorCode =
  | 'BAD_REQUEST'
  | 'GRAPHQL_PARSE_FAILED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'QUERY_TOO_COMPLEX'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'METHOD_NOT_ALLOWED'
  | 'SERVICE_UNAVAILABLE';

interface HttpExtension {
  status: number;
  /**
   * The GraphQL-over-HTTP rule for a document that fails to parse or validate: 4xx for clients
   * that accept application/graphql-response+json, 200 for application/json ones.
   */
  spec?: boolean;
  headers?: Record<string, string>;
}

const HTTP: Record<RequestErrorCode, HttpExtension> = {
  // Not a GraphQL request at all (bad JSON, no body, no query, wrong parameter types, a batch): 400
  // whatever the client accepts.
  BAD_REQUEST: { status: 400 },
  GRAPHQL_PARSE_FAILED: { status: 400, spec: true },
  GRAPHQL_VALIDATION_FAILED: { status: 400, spec: true },
  QUERY_TOO_COMPLEX: { status: 400, spec: true },
  PAYLOAD_TOO_LARGE: { status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  METHOD_NOT_ALLOWED: { status: 405 },
  SERVICE_UNAVAILABLE: { status: 503 },
};

export function isRequestErrorCode(code: unknown): code is RequestErrorCode {
  return typeof code === 'string' && Object.hasOwn(HTTP, code);
}

export interface RequestErrorOptions {
  message?: string;
  /** The error this one replaces: its locations and path are kept. */
  replaces?: GraphQLError;
  headers?: Record<string, string>;
  extensions?: Record<string, unknown>;
}

export function requestError(code: RequestErrorCode, options: RequestErrorOptions = {}): GraphQLError {
  const { replaces, headers } = options;
  return new GraphQLError(options.message ?? ERROR_CODES[code], {
    ...(replaces ? { nodes: replaces.nodes, source: replaces.source, positions: replaces.positions, path: replaces.path } : {}),
    extensions: { ...options.extensions, code, http: { ...HTTP[code], ...(headers ? { headers } : {}) } },
  });
}
