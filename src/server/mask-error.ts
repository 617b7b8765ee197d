// Errors meant for clients (AppError, GraphQL validation, bad requests) pass through; anything
// else becomes a generic INTERNAL_SERVER_ERROR, logged with an id the client can quote.
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Logger } from '../logger.ts';

export interface MaskErrorOptions {
  /** Remove graphql-js's "Did you mean …?" (it names fields of a schema that is not published). */
  hideSuggestions: boolean;
  /** The current request's id (X-Request-Id), so the client quotes what the log says. */
  requestId?: () => string | undefined;
}

export function createMaskError(logger: Logger, options: MaskErrorOptions = { hideSuggestions: false }) {
  return (error: unknown, message: string): Error => {
    if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError)) {
      return withoutInternals(error, options);
    }
    const requestId = options.requestId?.() ?? randomUUID();
    const cause = error instanceof GraphQLError ? error.originalError : error;
    logger.error(`[graphql] unexpected error (requestId ${requestId})`, cause, { requestId });
    return new GraphQLError(message, {
      ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
    });
  };
}

// graphql-js ends a message with its suggestion. GraphQL Armor hides those in validation errors
// only; the errors of variable values (an unknown input field, say) come here with theirs.
const SUGGESTION = /\s*Did you mean .*\?$/s;

// Yoga copies the JSON parser's own message into `extensions.originalError` of a "invalid JSON"
// error; the client learns nothing from it that the message does not say, and it names the runtime.
// Edited in place: Yoga logs every error the mask replaces with another, and these are the
// client's own mistakes, not something for the operator's error log.
function withoutInternals(error: GraphQLError, options: MaskErrorOptions): GraphQLError {
  if (options.hideSuggestions) error.message = error.message.replace(SUGGESTION, ' [Suggestion hidden]');
  delete (error.extensions as Record<string, unknown>).originalError;
  return error;
}
