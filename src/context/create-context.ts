// The GraphQL context: the services, the caller's session (if valid) and its client address.
import { type Caller, createCaller } from '../services/caller.ts';
import type { Services } from '../services/create-services.ts';
import type { ResumedSession } from '../services/sessions/sessions.ts';
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
  /** The client's address and user agent, for rate limits and security events. */
  caller: Caller;
}

export type SignedInContext = Context & { viewer: ResumedSession };

export function createContextFactory(services: Services, cookies: SessionCookies) {
  return async ({ request, clientIp }: ServerContext & { request: Request }): Promise<Context> => {
    const auth = cookies.authFor(request);
    return { services, auth, viewer: await auth.current(), caller: createCaller(clientIp, request.headers.get('user-agent')) };
  };
}
