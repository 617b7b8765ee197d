// The one redirect URI registered at every provider: `GET <PUBLIC_URL>/auth/callback/<provider>`,
// or POST for providers that answer by form (Apple). Every answer is a 303 to an allowed return
// URL (never built from Host or X-Forwarded-*), not cached, with no Referer. It lives outside
// /graphql, so the JSON-only CSRF rule does not cover it: `state`, the flow cookie and single use do.
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config.ts';
import type { ServerContext } from '../context/create-context.ts';
import type { DeviceCookies } from '../context/device-cookie.ts';
import type { FlowCookies } from '../context/flow-cookie.ts';
import { sessionCookie } from '../context/session-cookie.ts';
import type { SessionCookies } from '../context/use-session-cookie.ts';
import { createCaller } from '../services/caller.ts';
import type { Services } from '../services/create-services.ts';
import { AppError, ERROR_CODES, type ErrorCode } from '../services/errors.ts';

export const CALLBACK_PREFIX = '/auth/callback/';
const MAX_FORM_BYTES = 8 * 1024;

function jsonError(status: number, code: ErrorCode, headers: Record<string, string> = {}, message: string = ERROR_CODES[code]): Response {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** The callback's fields: the query of a GET, the form of a POST; a Response when the request is refused. */
async function callbackParams(request: Request, url: URL): Promise<URLSearchParams | Response> {
  if (request.method === 'GET') return url.searchParams;
  if (request.method !== 'POST') return jsonError(405, 'METHOD_NOT_ALLOWED', { allow: 'GET, POST' });
  const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') {
    return jsonError(415, 'UNSUPPORTED_MEDIA_TYPE', {}, 'the callback takes a form: Content-Type: application/x-www-form-urlencoded');
  }
  if (Number(request.headers.get('content-length') ?? 0) > MAX_FORM_BYTES) return jsonError(413, 'PAYLOAD_TOO_LARGE');
  const body = await request.text();
  if (Buffer.byteLength(body) > MAX_FORM_BYTES) return jsonError(413, 'PAYLOAD_TOO_LARGE');
  return new URLSearchParams(body);
}

export function useProviderCallback(deps: {
  services: Services;
  config: Config;
  cookies: SessionCookies;
  devices: DeviceCookies;
  flowCookies: FlowCookies;
}): Plugin<{}, ServerContext> {
  const { services, config, cookies, devices, flowCookies } = deps;

  async function handle(request: Request, url: URL, serverContext: ServerContext): Promise<Response> {
    const provider = url.pathname.slice(CALLBACK_PREFIX.length);
    if (!services.providerSignIn.isEnabled(provider)) return jsonError(404, 'NOT_FOUND');
    const params = await callbackParams(request, url);
    if (params instanceof Response) return params;
    const device = devices.deviceFor(request);
    const caller = createCaller(serverContext.clientIp, request.headers.get('user-agent'), device.token);
    let outcome;
    try {
      outcome = await services.providerSignIn.callback(provider, params, flowCookies.read(request.headers), caller);
    } catch (error) {
      // No flow and no browser return URL configured: nowhere to send the browser.
      if (error instanceof AppError && error.code === 'INVALID_STATE') return jsonError(400, 'INVALID_STATE');
      throw error;
    }
    const headers = new Headers({ location: outcome.location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    if (outcome.signedIn) {
      // As signIn: the session the browser carried is ended, not orphaned.
      const carried = await cookies.authFor(request).current();
      if (carried) await services.sessions.revoke(carried.session.id);
      headers.append('set-cookie', sessionCookie(config.cookie, outcome.signedIn.token, outcome.signedIn.lifetimeSeconds));
      headers.append('set-cookie', devices.setCookie(outcome.signedIn.deviceToken));
    }
    return new Response(null, { status: 303, headers });
  }

  return {
    onRequest({ request, url, endResponse, serverContext }) {
      if (!url.pathname.startsWith(CALLBACK_PREFIX)) return;
      return handle(request, url, serverContext).then(endResponse);
    },
  };
}
