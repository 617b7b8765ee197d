// Every error a client sees leaves here with an `extensions.code` from src/services/errors.ts:
// - the client's own mistakes (a malformed request, a query that does not parse or validate, an
//   AppError) pass with their code, and the request-level ones with the HTTP status Yoga would
//   have answered (see request-error.ts); nothing of a parser's internals goes with them;
// - an unreachable database becomes SERVICE_UNAVAILABLE, 503 with Retry-After, logged once per
//   outage (src/db/database-outage.ts);
// - anything else becomes INTERNAL_SERVER_ERROR, logged with a requestId the client can quote.
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { DatabaseOutage } from '../db/database-outage.ts';
import type { Logger } from '../logger.ts';
import { ERROR_CODES } from '../services/errors.ts';
import { isRequestErrorCode, type RequestErrorCode, requestError } from './request-error.ts';

export interface ErrorMaskOptions {
  logger: Logger;
  outage: DatabaseOutage;
  /** Remove graphql-js's "Did you mean …?" (it names fields of a schema that is not published). */
  hideSuggestions: boolean;
  /** The current request's id (X-Request-Id), so the client quotes what the log says. */
  requestId?: () => string | undefined;
}

export interface ErrorMask {
  maskError(error: unknown, message: string): Error;
  /**
   * True for an error the mask has dealt with, logging it in its own form or deliberately not at
   * all: Yoga logs every error the mask replaces, and that line would only repeat it.
   */
  handled(error: unknown): boolean;
}

/**
 * Yoga's own log lines, sent where the app's go (and, in tests, where the tests read them), with
 * `prefix` naming the server. Yoga logs each error the mask replaced; the mask has logged it
 * already, or chose not to.
 */
export function yogaLogging(logger: Logger, mask: ErrorMask, prefix: string) {
  return {
    debug: (...args: unknown[]) => logger.debug(prefix, ...args),
    info: (...args: unknown[]) => logger.info(prefix, ...args),
    warn: (...args: unknown[]) => logger.warn(prefix, ...args),
    error: (...args: unknown[]) => (args.length === 1 && mask.handled(args[0]) ? undefined : logger.error(prefix, ...args)),
  };
}

export function createErrorMask(options: ErrorMaskOptions): ErrorMask {
  const { logger, outage } = options;
  const handled = new WeakSet<object>();

  function maskError(error: unknown, message: string): Error {
    if (error !== null && typeof error === 'object') handled.add(error);
    if (error instanceof GraphQLError && isClientMistake(error)) return forClient(error, options.hideSuggestions);
    const cause = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const replaces = error instanceof GraphQLError ? error : undefined;
    if (outage.report(cause)) {
      const retryAfter = outage.retryAfterSeconds;
      return requestError('SERVICE_UNAVAILABLE', {
        ...(replaces ? { replaces } : {}),
        headers: { 'Retry-After': String(retryAfter) },
        extensions: { retryAfter },
      });
    }
    const requestId = options.requestId?.() ?? randomUUID();
    logger.error(`[graphql] unexpected error (requestId ${requestId})`, cause, { requestId });
    return new GraphQLError(message, {
      ...(replaces ? { nodes: replaces.nodes, path: replaces.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
    });
  }

  return { maskError, handled: (error) => error !== null && typeof error === 'object' && handled.has(error) };
}

/**
 * A GraphQLError all the way down (no exception of ours or a library's inside it) that either
 * carries a code or arose before execution (no path): variable coercion, say. One without a code
 * inside execution, such as a non-null field that resolved to null, is a bug of ours.
 */
function isClientMistake(error: GraphQLError): boolean {
  for (let inner: Error | undefined = error.originalError; inner; inner = inner instanceof GraphQLError ? inner.originalError : undefined) {
    if (!(inner instanceof GraphQLError)) return false;
  }
  const code = error.extensions.code;
  if (code === undefined) return error.path === undefined;
  return typeof code === 'string' && codeFor(code, httpStatus(error)) !== undefined;
}

/** The documented code for what Yoga and graphql-js say, or undefined for one we do not know. */
function codeFor(code: string | undefined, status: number | undefined): string | undefined {
  switch (status) {
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
  }
  switch (code) {
    case undefined:
      // Variable values that do not fit their types: the same mistake as an unknown field.
      return 'GRAPHQL_VALIDATION_FAILED';
    case 'OPERATION_RESOLUTION_FAILURE':
      // No operationName for a document of several operations, or one it does not contain.
      return 'BAD_REQUEST';
    case 'INTERNAL_SERVER_ERROR':
      // Yoga's own word for something unexpected: ours to log, with a requestId.
      return undefined;
    default:
      return Object.hasOwn(ERROR_CODES, code) ? code : undefined;
  }
}

function httpStatus(error: GraphQLError): number | undefined {
  const http = error.extensions.http as { status?: unknown } | undefined;
  return typeof http?.status === 'number' ? http.status : undefined;
}

// graphql-js ends a message with its suggestion, in validation and in variable errors alike.
const SUGGESTION = /\s*Did you mean .*\?$/s;

function forClient(error: GraphQLError, hideSuggestions: boolean): GraphQLError {
  const { code: given, http, originalError: _parserInternals, ...extensions } = error.extensions as Record<string, unknown>;
  const code = codeFor(typeof given === 'string' ? given : undefined, httpStatus(error))!;
  const message = hideSuggestions ? error.message.replace(SUGGESTION, ' [Suggestion hidden]') : error.message;
  if (isRequestErrorCode(code)) {
    const headers = (http as { headers?: Record<string, string> } | undefined)?.headers;
    return requestError(code as RequestErrorCode, { message, replaces: error, extensions, ...(headers ? { headers } : {}) });
  }
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    // A refusal of the whole request (the operator API's 401, 403 and 429) keeps its status and headers.
    extensions: { ...extensions, code, ...(http ? { http } : {}) },
  });
}
