// One table of the errors clients may see (the contract's "Errors" section, then the request-level
// codes the server itself answers with). Services throw AppError; src/server/mask-error.ts gives
// every other error one of these codes.
import { GraphQLError } from 'graphql';

export const ERROR_CODES = {
  BAD_USER_INPUT: 'invalid input',
  INVALID_CREDENTIALS: 'invalid credentials!',
  INVALID_CODE: 'invalid or expired code',
  EMAIL_TAKEN: 'an account with this email already exists',
  UNAUTHENTICATED: 'not signed in: please sign in',
  FORBIDDEN: 'you can only delete your own account',
  NOT_FOUND: 'not found',
  EMAIL_NOT_VERIFIED: 'verify your email address first',
  CONFLICT: 'the account is not in the state this operation applies to',
  SECOND_FACTOR_REQUIRED: 'a two-factor code is required: send signIn again with `code`',
  RATE_LIMITED: 'too many attempts: please wait and try again',
  INVALID_CHALLENGE: 'unknown, used or expired passkey challenge: start again',
  REAUTHENTICATION_REQUIRED: 'sign in again to do this',
  INVALID_STATE: 'sign-in attempt unknown, used or expired: start again',
  PROVIDER_ERROR: 'the identity provider did not sign you in',
  ACCOUNT_DISABLED: 'this account is disabled: contact support',
  INTERNAL_SERVER_ERROR: 'Unexpected error.',
  // Request-level: the request itself was refused before (or instead of) running the operation.
  BAD_REQUEST: 'not a well-formed GraphQL request',
  GRAPHQL_PARSE_FAILED: 'the query is not valid GraphQL syntax',
  GRAPHQL_VALIDATION_FAILED: 'the query or its variables do not match the schema',
  QUERY_TOO_COMPLEX: 'the query is over a complexity limit',
  PAYLOAD_TOO_LARGE: 'the request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'POST requests must have Content-Type: application/json (CSRF protection).',
  METHOD_NOT_ALLOWED: 'this method is not allowed here',
  SERVICE_UNAVAILABLE: 'the service is temporarily unavailable: try again shortly',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CODES[code],
    extensions: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { ...extensions, code } });
  }
}

/** A BAD_USER_INPUT naming the field, so a form can show it next to the right input. */
export function badInput(field: string, reason: string): AppError {
  return new AppError('BAD_USER_INPUT', `${field}: ${reason}`, { field });
}
