// What each example page needs from its GraphQL client. apollo/client.ts and urql/client.ts
// implement it; ui.ts only talks to this, so the two files show the whole difference.
import type {
  DashboardQuery,
  ResetPasswordInput,
  SignInInput,
  SignUpInput,
} from '../graphql/graphql.ts';

/** A GraphQL error as the API sends it: branch on `code` (extensions.code), show `message`. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AuthClient {
  signUp(input: SignUpInput): Promise<string>;
  signIn(input: SignInInput): Promise<string>;
  dashboard(): Promise<DashboardQuery['dashboard']>;
  logout(): Promise<string>;
  sendMail(email: string): Promise<string>;
  resetPassword(input: ResetPasswordInput): Promise<string>;
}

/** The first error's code and message; a network failure or a bare HTTP error has no code. */
export function apiError(errors: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }> | undefined, fallback: unknown): ApiError {
  const first = errors?.[0];
  if (first) return new ApiError(String(first.extensions?.code ?? 'UNKNOWN'), first.message);
  return new ApiError('NETWORK_ERROR', fallback instanceof Error ? fallback.message : String(fallback));
}

/** The API's URL: `?api=` on the page's address, else the server `npm start` runs. */
export function apiUrl(): string {
  return new URLSearchParams(location.search).get('api') ?? 'http://localhost:4000/graphql';
}
