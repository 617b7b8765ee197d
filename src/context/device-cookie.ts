// The device cookie (contract: "Sign-in protection"): `device_token`, or `__Host-device_token` when
// the cookie is Secure; HttpOnly, Path=/, the session cookie's SameSite, Max-Age one year. Read off
// each request into the Caller, set after every successful signUp and signIn, kept across logout.
// deleteUser forgets the account's devices but leaves the cookie: on a shared computer the same
// token may still be known for another account. What it means is src/services/devices.ts's business.
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Plugin } from 'graphql-yoga';
import { DEVICE_LIFETIME_SECONDS } from '../services/security/devices.ts';
import { pathOf } from './request-path.ts';

export interface DeviceCookieOptions {
  secure: boolean;
  sameSite: 'lax' | 'strict' | 'none';
}

/** The device token a request carried, and the one its response sets (decided by signUp or signIn). */
export class RequestDevice {
  private decided: string | undefined;

  constructor(readonly token: string | null) {}

  /** A successful sign-in: the browser keeps this token (refreshed for another year). */
  remember(token: string): void {
    this.decided = token;
  }

  /** The token to set on the response, if a sign-in decided one. */
  get toSet(): string | undefined {
    return this.decided;
  }
}

export interface DeviceCookies {
  /** The one RequestDevice of this request, shared by the GraphQL context and the plugin. */
  deviceFor(request: Request): RequestDevice;
  /** The Set-Cookie header for a token (the provider callback sets it outside GraphQL). */
  setCookie(token: string): string;
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

  const setCookie = (value: string) =>
    stringifySetCookie({ name, value, httpOnly: true, path: '/', sameSite: options.sameSite, secure: options.secure, maxAge: DEVICE_LIFETIME_SECONDS });

  return {
    deviceFor,
    setCookie,
    plugin: {
      onResponse({ request, response }) {
        if (pathOf(request.url) !== options.graphqlEndpoint) return;
        const token = deviceFor(request).toSet;
        if (token) response.headers.append('Set-Cookie', setCookie(token));
      },
    },
  };
}
