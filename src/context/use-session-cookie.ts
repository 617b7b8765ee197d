// The Yoga plugin that keeps the client's token in step with the session: a fresh token on every
// response to a request that carried a valid session, a cleared cookie after an invalid token,
// logout, deletion or password reset. Browsers get it as the HttpOnly cookie; Bearer clients and
// sign-ins that opted into header delivery get it in X-Session-Token (see token-transport.ts).
import type { Plugin } from 'graphql-yoga';
import type { SessionService } from '../services/sessions/sessions.ts';
import { RequestAuth } from './request-auth.ts';
import { pathOf } from './request-path.ts';
import { type CookieOptions, clearedSessionCookie, readSessionToken, sessionCookie } from './session-cookie.ts';
import { SESSION_TOKEN_HEADER, wantsHeaderDelivery } from './token-transport.ts';

export interface SessionCookies {
  /** The one RequestAuth of this request, shared by the GraphQL context and the plugin. */
  authFor(request: Request): RequestAuth;
  plugin: Plugin;
}

export function createSessionCookies(options: {
  sessions: SessionService;
  cookie: CookieOptions;
  bearerTokens: boolean;
  graphqlEndpoint: string;
}): SessionCookies {
  const byRequest = new WeakMap<Request, RequestAuth>();

  function authFor(request: Request): RequestAuth {
    let auth = byRequest.get(request);
    if (!auth) {
      const carried = readSessionToken(request.headers, options.cookie, options.bearerTokens);
      auth = new RequestAuth(carried?.token ?? null, options.sessions, {
        via: carried?.via ?? 'cookie',
        headerDelivery: wantsHeaderDelivery(request.headers, options.bearerTokens),
      });
      byRequest.set(request, auth);
    }
    return auth;
  }

  return {
    authFor,
    plugin: {
      async onResponse({ request, response }) {
        if (pathOf(request.url) !== options.graphqlEndpoint) return;
        // Every answer here is about an account or carries a single-use secret (a session, a
        // passkey challenge): never stored by a shared cache.
        response.headers.set('Cache-Control', 'no-store');
        const outcome = await authFor(request).outcome();
        if (outcome.kind === 'none') return;
        if (outcome.kind === 'set' && outcome.delivery === 'header') {
          response.headers.set(SESSION_TOKEN_HEADER, outcome.issued.token);
        } else if (outcome.kind === 'set') {
          response.headers.append('Set-Cookie', sessionCookie(options.cookie, outcome.issued.token, outcome.issued.lifetimeSeconds));
        } else if (outcome.delivery === 'cookie') {
          response.headers.append('Set-Cookie', clearedSessionCookie(options.cookie));
        }
      },
    },
  };
}
