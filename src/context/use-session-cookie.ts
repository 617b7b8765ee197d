// The Yoga plugin that keeps the session cookie in step with the session: a fresh cookie on every
// response to a request that carried a valid session, a cleared one after an invalid token,
// logout, deletion or password reset.
import type { Plugin } from 'graphql-yoga';
import type { SessionService } from '../services/sessions/sessions.ts';
import { RequestAuth } from './request-auth.ts';
import { type CookieOptions, clearedSessionCookie, readSessionToken, sessionCookie } from './session-cookie.ts';

export interface SessionCookies {
  /** The one RequestAuth of this request, shared by the GraphQL context and the plugin. */
  authFor(request: Request): RequestAuth;
  plugin: Plugin;
}

export function createSessionCookies(options: {
  sessions: SessionService;
  cookie: CookieOptions;
  graphqlEndpoint: string;
}): SessionCookies {
  const byRequest = new WeakMap<Request, RequestAuth>();

  function authFor(request: Request): RequestAuth {
    let auth = byRequest.get(request);
    if (!auth) {
      auth = new RequestAuth(readSessionToken(request.headers, options.cookie), options.sessions);
      byRequest.set(request, auth);
    }
    return auth;
  }

  return {
    authFor,
    plugin: {
      async onResponse({ request, response }) {
        if (pathOf(request.url) !== options.graphqlEndpoint) return;
        const outcome = await authFor(request).outcome();
        if (outcome.kind === 'none') return;
        const header =
          outcome.kind === 'set'
            ? sessionCookie(options.cookie, outcome.issued.token, outcome.issued.lifetimeSeconds)
            : clearedSessionCookie(options.cookie);
        response.headers.append('Set-Cookie', header);
        // A response carrying a session must never be stored by a shared cache.
        response.headers.set('Cache-Control', 'no-store');
      },
    },
  };
}

/** The path of an absolute URL, without building a URL object on every response. */
export function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const end = url.slice(start).search(/[?#]/);
  return end === -1 ? url.slice(start) : url.slice(start, start + end);
}
