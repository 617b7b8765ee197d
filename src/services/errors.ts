// One table of the errors clients may see (the contract's "Errors" section). Services throw
// AppError; Yoga passes GraphQLErrors through and masks everything else.
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
  INTERNAL_SERVER_ERROR: 'Unexpected error.',
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
