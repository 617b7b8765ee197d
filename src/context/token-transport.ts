// The non-cookie transport for mobile apps and scripts. A client opts in by sending
// `X-Session-Transport: header` with signIn or signUp: the token then comes back in the
// `X-Session-Token` response header and no cookie is set. It sends it as `Authorization: Bearer`
// from then on, and every such response carries the refreshed token in `X-Session-Token` again.
// Cookie-authenticated requests never get their token in a header: a script on the page (XSS)
// must not be able to turn the HttpOnly cookie into a token it can carry away.

export const TOKEN_TRANSPORT_HEADER = 'X-Session-Transport';
export const SESSION_TOKEN_HEADER = 'X-Session-Token';

/** The request asks for its new session's token in a response header instead of a cookie. */
export function wantsHeaderDelivery(headers: Headers, bearerTokens: boolean): boolean {
  return bearerTokens && headers.get(TOKEN_TRANSPORT_HEADER)?.trim().toLowerCase() === 'header';
}
