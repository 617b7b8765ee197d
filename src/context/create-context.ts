// The GraphQL context: the services, the caller's session (if valid) and its client address.
import { type Caller, createCaller } from '../services/caller.ts';
import type { Services } from '../services/create-services.ts';
import type { ResumedSession } from '../services/sessions/sessions.ts';
import type { DeviceCookies, RequestDevice } from './device-cookie.ts';
import type { FlowCookies, RequestFlowCookie } from './flow-cookie.ts';
import type { RequestAuth } from './request-auth.ts';
import type { SessionCookies } from './use-session-cookie.ts';

/** What the HTTP layer hands every request (see src/server/http-server.ts). */
export interface ServerContext {
  clientIp: string;
}

export interface Context {
  services: Services;
  auth: RequestAuth;
  viewer: ResumedSession | null;
  /** The client's address, user agent and device token, for rate limits and security events. */
  caller: Caller;
  /** The device cookie: what the request carried, and what a sign-in sets on the response. */
  device: RequestDevice;
  /** The provider flow cookie: what the request carried, and what startProviderSignIn sets. */
  flowCookie: RequestFlowCookie;
}

export type SignedInContext = Context & { viewer: ResumedSession };

export function createContextFactory(services: Services, cookies: SessionCookies, devices: DeviceCookies, flowCookies: FlowCookies) {
  return async ({ request, clientIp }: ServerContext & { request: Request }): Promise<Context> => {
    const auth = cookies.authFor(request);
    const device = devices.deviceFor(request);
    const caller = createCaller(clientIp, request.headers.get('user-agent'), device.token);
    return { services, auth, viewer: await auth.current(), caller, device, flowCookie: flowCookies.flowCookieFor(request) };
  };
}
