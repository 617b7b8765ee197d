// The device cookie (contract: "Sign-in protection"): `device_token`, or `__Host-device_token` when
// the cookie is Secure; HttpOnly, Path=/, the session cookie's SameSite, Max-Age one year. Read off
// each request into the Caller, set after every successful signUp and signIn, kept across logout,
// cleared by deleteUser. What the token means is src/services/devices.ts's business.
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Plugin } from 'graphql-yoga';
import { DEVICE_LIFETIME_SECONDS } from '../services/devices.ts';

export interface DeviceCookieOptions {
  secure: boolean;
  sameSite: 'lax' | 'strict' | 'none';
}

/** What the response does with the device cookie; decided by the resolvers, written by the plugin. */
export class RequestDevice {
  private decided: { kind: 'set'; token: string } | { kind: 'clear' } | undefined;

  constructor(readonly token: string | null) {}

  /** A successful sign-in: the browser keeps this token (refreshed for another year). */
  remember(token: string): void {
    this.decided = { kind: 'set', token };
  }

  /** The account is gone: so is the browser's copy. */
  forget(): void {
    this.decided = { kind: 'clear' };
  }

  get outcome() {
    return this.decided;
  }
}

export interface DeviceCookies {
  /** The one RequestDevice of this request, shared by the GraphQL context and the plugin. */
  deviceFor(request: Request): RequestDevice;
  plugin: Plugin;
}

export function deviceCookieName(options: Pick<DeviceCookieOptions, 'secure'>): string {
  // The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only and Path=/.
  return options.secure ? '__Host-device_token' : 'device_token';
}

export function createDeviceCookies(options: DeviceCookieOptions & { graphqlEndpoint: string }): DeviceCookies {
  const name = deviceCookieName(options);
  const byRequest = new WeakMap<Request, RequestDevice>();

  function deviceFor(request: Request): RequestDevice {
    let device = byRequest.get(request);
    if (!device) {
      const header = request.headers.get('cookie');
      device = new RequestDevice((header && parseCookie(header)[name]) || null);
      byRequest.set(request, device);
    }
    return device;
  }

  const setCookie = (value: string, maxAge: number) =>
    stringifySetCookie({ name, value, httpOnly: true, path: '/', sameSite: options.sameSite, secure: options.secure, maxAge });

  return {
    deviceFor,
    plugin: {
      onResponse({ request, response }) {
        if (new URL(request.url).pathname !== options.graphqlEndpoint) return;
        const outcome = deviceFor(request).outcome;
        if (!outcome) return;
        response.headers.append('Set-Cookie', outcome.kind === 'set' ? setCookie(outcome.token, DEVICE_LIFETIME_SECONDS) : setCookie('', 0));
      },
    },
  };
}
