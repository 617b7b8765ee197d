// The operator API's refusals of a whole request, with the HTTP status each is answered with
// (the error mask keeps `extensions.http`; Yoga sends it as the status and headers).
import { GraphQLError } from 'graphql';

export const KEY_REFUSED = 'operator key missing, unknown, revoked or expired';

function refusal(code: string, message: string, status: number, headers?: Record<string, string>, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code, http: { status, ...(headers ? { headers } : {}) } } });
}

export const keyRefused = () => refusal('UNAUTHENTICATED', KEY_REFUSED, 401, { 'WWW-Authenticate': 'Bearer realm="operator"' });
export const browserRefused = () => refusal('FORBIDDEN', 'the operator API does not answer browsers', 403);
export const readOnlyKey = () => refusal('FORBIDDEN', 'this operator key is read-only', 403);
export const tooManyRequests = (retryAfter: number) =>
  refusal('RATE_LIMITED', `too many requests: try again in ${retryAfter} seconds`, 429, { 'Retry-After': String(retryAfter) }, { retryAfter });
