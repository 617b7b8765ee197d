// The provider flow cookie: `provider_flow` (`__Host-provider_flow` when Secure), HttpOnly, Path=/,
// Max-Age the flow lifetime, 256 random bits per browser. It ties a browser-mode provider sign-in
// to the browser that started it (login CSRF): the server knows it only as a hash. A new start
// reuses it, so two tabs can each sign in. SameSite=None; Secure when a provider answers by
// form POST (a Lax cookie would not come with that cross-site POST).
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Plugin } from 'graphql-yoga';
import type { FlowCookieConfig } from '../services/providers/provider-config.ts';
import { pathOf } from './request-path.ts';

/** The flow cookie a request carried, and the one its response sets (decided by startProviderSignIn). */
export class RequestFlowCookie {
  private decided: string | undefined;

  constructor(readonly value: string | null) {}

  set(value: string): void {
    this.decided = value;
  }

  get toSet(): string | undefined {
    return this.decided;
  }
}

export interface FlowCookies {
  flowCookieFor(request: Request): RequestFlowCookie;
  /** The cookie's value in a Cookie header (the callback route reads it itself). */
  read(headers: Headers): string | null;
  plugin: Plugin;
}

export function createFlowCookies(options: FlowCookieConfig & { maxAgeSeconds: number; graphqlEndpoint: string }): FlowCookies {
  const byRequest = new WeakMap<Request, RequestFlowCookie>();
  const read = (headers: Headers) => {
    const header = headers.get('cookie');
    return (header && parseCookie(header)[options.name]) || null;
  };

  function flowCookieFor(request: Request): RequestFlowCookie {
    let cookie = byRequest.get(request);
    if (!cookie) {
      cookie = new RequestFlowCookie(read(request.headers));
      byRequest.set(request, cookie);
    }
    return cookie;
  }

  return {
    flowCookieFor,
    read,
    plugin: {
      onResponse({ request, response }) {
        if (pathOf(request.url) !== options.graphqlEndpoint) return;
        const value = flowCookieFor(request).toSet;
        if (!value) return;
        const { name, secure, sameSite, maxAgeSeconds } = options;
        response.headers.append('Set-Cookie', stringifySetCookie({ name, value, httpOnly: true, path: '/', sameSite, secure, maxAge: maxAgeSeconds }));
      },
    },
  };
}
