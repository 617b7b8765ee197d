// Errors meant for clients (AppError, GraphQL validation, bad requests) pass through; anything
// else becomes a generic INTERNAL_SERVER_ERROR, logged with an id the client can quote.
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Logger } from '../logger.ts';

export function createMaskError(logger: Logger) {
  return (error: unknown, message: string): Error => {
    if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError)) {
      return error;
    }
    const requestId = randomUUID();
    const cause = error instanceof GraphQLError ? error.originalError : error;
    logger.error(`[graphql] unexpected error (requestId ${requestId})`, cause);
    return new GraphQLError(message, {
      ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
    });
  };
}
