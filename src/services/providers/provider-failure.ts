// Why an identity provider did not prove an identity, reduced to the four reasons the API reports
// and one `check` line for the server log. openid-client's errors name the failed check in their
// cause; that message is kept, values (codes, tokens, state, nonce, verifiers) never are.
import * as oidc from 'openid-client';

export type ProviderFailureReason = 'ACCESS_DENIED' | 'PROVIDER_REFUSED' | 'INVALID_RESPONSE' | 'UNAVAILABLE';

export class ProviderFailure extends Error {
  override readonly name = 'ProviderFailure';

  /** `check`: what failed, safe to log; never a code, token, state, nonce or verifier. */
  constructor(
    readonly reason: ProviderFailureReason,
    readonly check: string,
  ) {
    super(`identity provider: ${reason}: ${check}`);
  }
}

// RFC 6749 §4.1.2.1 and OpenID Connect Core §3.1.2.6: the only `error` values worth naming in a log.
const STANDARD_AUTHORIZATION_ERRORS = new Set([
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'interaction_required',
  'login_required',
  'account_selection_required',
  'consent_required',
  'invalid_request_uri',
  'invalid_request_object',
  'request_not_supported',
  'request_uri_not_supported',
  'registration_not_supported',
]);

/** The provider sent the browser back with `error` instead of a code (already matched to the flow's state). */
export function authorizationFailure(error: string): ProviderFailure {
  // Apple's documented answer when the user cancels: a refusal by the user, like access_denied.
  if (error === 'access_denied' || error === 'user_cancelled_authorize') return new ProviderFailure('ACCESS_DENIED', `authorization response error=${error}`);
  if (STANDARD_AUTHORIZATION_ERRORS.has(error)) return new ProviderFailure('PROVIDER_REFUSED', `authorization response error=${error}`);
  // Anything else is provider-chosen text: not logged as is.
  return new ProviderFailure('PROVIDER_REFUSED', 'authorization response error=invalid_response (not a standard error value)');
}

export type FailureStage = 'discovery' | 'exchange' | 'revocation';

/**
 * Any error met while talking to a provider, as a ProviderFailure. `secrets` are the values of
 * this flow (code, state, nonce, verifier, tokens): should a message ever quote one, it is cut out.
 */
export function toProviderFailure(error: unknown, stage: FailureStage, secrets: readonly (string | undefined)[] = []): ProviderFailure {
  if (error instanceof ProviderFailure) return error;
  const { reason, check } = classify(error, stage);
  return new ProviderFailure(reason, redact(check, secrets));
}

interface Classified {
  reason: ProviderFailureReason;
  check: string;
}

function classify(error: unknown, stage: FailureStage): Classified {
  const invalid = (check: string): Classified => ({ reason: 'INVALID_RESPONSE', check });
  const unavailable = (check: string): Classified => ({ reason: 'UNAVAILABLE', check });
  // A discovery document that cannot be had is an outage, whatever the status; only one naming
  // another issuer is a wrong answer.
  const byStatus = (status: number, check: string): Classified => (status >= 500 || stage === 'discovery' ? unavailable(check) : invalid(check));

  if (error instanceof oidc.AuthorizationResponseError) return authorizationFailure(error.error);
  if (error instanceof oidc.ResponseBodyError) return byStatus(error.status, `${endpoint(stage)} answered HTTP ${error.status} error=${errorCode(error.error)}`);
  if (error instanceof oidc.WWWAuthenticateChallengeError) return byStatus(error.status, `${endpoint(stage)} answered HTTP ${error.status} with a WWW-Authenticate challenge`);
  if (error instanceof oidc.ClientError) {
    const cause: unknown = error.cause;
    switch (error.code) {
      case 'OAUTH_TIMEOUT':
      case 'OAUTH_ABORT':
        return unavailable(`${endpoint(stage)} did not answer in time`);
      case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
      case 'OAUTH_RESPONSE_IS_NOT_JSON': {
        const status = cause instanceof Response ? cause.status : 0;
        return byStatus(status, `${endpoint(stage)}: ${error.message} (HTTP ${status})`);
      }
    }
    // GitHub answers token errors with HTTP 200: openid-client then misses access_token and keeps
    // the body two causes down.
    const bodyError = nestedBodyError(cause);
    if (bodyError !== undefined) return byStatus(0, `${endpoint(stage)} answered error=${errorCode(bodyError)}`);
    const check = cause instanceof Error ? cause.message : error.message;
    if (stage === 'discovery' && error.code !== 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') return unavailable(`discovery: ${check}`);
    return invalid(check);
  }
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return unavailable(`${endpoint(stage)} did not answer in time`);
  if (error instanceof TypeError && isNetworkError(error)) {
    const code = networkCode(error);
    return unavailable(`${endpoint(stage)} unreachable${code ? ` (${code})` : ''}`);
  }
  if (error instanceof Error) return stage === 'discovery' ? unavailable(`discovery: ${error.message}`) : invalid(error.message);
  return stage === 'discovery' ? unavailable('discovery failed') : invalid('unexpected failure');
}

function endpoint(stage: FailureStage): string {
  return stage === 'discovery' ? 'discovery' : stage === 'revocation' ? 'revocation endpoint' : 'provider';
}

/** An OAuth error code as such (a short token), or a placeholder for anything else. */
function errorCode(value: unknown): string {
  return typeof value === 'string' && /^[a-z0-9_.-]{1,64}$/i.test(value) ? value : 'invalid_response';
}

function nestedBodyError(cause: unknown): unknown {
  if (!(cause instanceof Error) || !isRecord(cause.cause)) return undefined;
  const body = cause.cause.body;
  return isRecord(body) && body.error !== undefined ? body.error : undefined;
}

// undici: "fetch failed" when no answer came, "terminated" when the connection broke mid-body.
function isNetworkError(error: TypeError): boolean {
  return error.message === 'fetch failed' || error.message === 'terminated' || networkCode(error) !== undefined;
}

function networkCode(error: Error): string | undefined {
  const cause: unknown = error.cause;
  if (!isRecord(cause)) return undefined;
  const code = cause.code;
  return typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code) ? code : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function redact(check: string, secrets: readonly (string | undefined)[]): string {
  let text = check;
  for (const secret of secrets) {
    // Very short values would cut ordinary words; real ones are long random strings.
    if (secret !== undefined && secret.length >= 8) text = text.replaceAll(secret, '[redacted]');
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
