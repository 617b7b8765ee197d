// Development aid: a page on another *site* than this server (localhost vs 127.0.0.1, or
// app.example.com vs api.other.com) passes CORS, yet the browser neither sends nor keeps a
// SameSite=Lax/Strict cookie on its requests, so signUp succeeds and every later call is
// UNAUTHENTICATED. Nothing on the wire says so; this puts it in the server log, once per origin.
import type { Plugin } from 'graphql-yoga';
import type { CookieSameSite } from '../config.ts';
import type { Logger } from '../logger.ts';
import { siteOf } from './site-of.ts';

export function useCrossSiteWarning(options: {
  allowedOrigins: ReadonlySet<string>;
  sameSite: CookieSameSite;
  /** The scheme clients reach this server with (https when the cookie is Secure). */
  scheme: 'http' | 'https';
  logger: Logger;
}): Plugin {
  const warned = new Set<string>();
  return {
    onRequest({ request }) {
      const origin = request.headers.get('origin');
      const host = request.headers.get('host');
      // Only origins CORS lets through with credentials; Bearer clients do not depend on the cookie.
      if (!origin || !host || warned.has(origin) || !options.allowedOrigins.has(origin)) return;
      if (options.sameSite === 'none' || request.headers.has('authorization')) return;
      const page = URL.parse(origin);
      const api = URL.parse(`${options.scheme}://${host}`);
      if (!page || !api || siteOf(page.protocol, page.hostname) === siteOf(api.protocol, api.hostname)) return;
      warned.add(origin);
      options.logger.warn(
        `[cookie] ${origin} is another site than this server (${api.host}): browsers neither send nor keep the ` +
          `SameSite=${options.sameSite === 'lax' ? 'Lax' : 'Strict'} session cookie on its requests, so sign-ins from it ` +
          'will not stick. Serve the page and the API from one site (app.example.com and auth.example.com, or the API ' +
          'under a path of the page\'s origin), or set COOKIE_SAME_SITE=none with a Secure cookie (see docs/api.md, "Same site, or the cookie is lost").',
      );
    },
  };
}
